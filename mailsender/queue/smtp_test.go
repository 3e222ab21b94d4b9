// SPDX-License-Identifier: Apache-2.0

package queue

import (
	"context"
	"encoding/base64"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailwright/mailwright/oauthgmail"
	"github.com/mailwright/mailwright/smtpclient"
)

func sinkEntry(k *faultSink, from string, rcpts ...string) *Entry {
	e := &Entry{From: from, Profile: Profile{Host: "127.0.0.1", Port: k.port(), Security: "none"}}
	for _, r := range rcpts {
		e.Recipients = append(e.Recipients, Recipient{Addr: r, State: Pending})
	}
	return e
}

func fastSMTP() *SMTP {
	return &SMTP{Options: &smtpclient.Options{DataTimeout: 300 * time.Millisecond,
		CommandTimeout: 5 * time.Second}}
}

// TestSMTPOutcome checks how each kind of server answer maps to the
// recipients' replies: 4xx and 5xx per recipient, per transaction and
// after the data, and silence or a drop after the data.
func TestSMTPOutcome(t *testing.T) {
	k := startFaultSink(t)
	ok := Reply{Code: 250, Enhanced: "2.0.0", Text: "queued"}
	tests := []struct {
		from      string
		rcpts     []string
		want      map[string]Reply
		dup, perm bool
		err       bool
	}{
		{"ok-1@s.test", []string{"ok-a@r.test", "ok-b@r.test"},
			map[string]Reply{"ok-a@r.test": ok, "ok-b@r.test": ok}, false, false, false},
		{"ok-2@s.test", []string{"bad-a@r.test", "temp1-b@r.test", "ok-c@r.test"},
			map[string]Reply{"bad-a@r.test": {550, "5.1.1", "no such user"},
				"temp1-b@r.test": {450, "4.2.1", "mailbox busy"}, "ok-c@r.test": ok},
			false, false, true},
		{"mailtemp1-3@s.test", []string{"ok-a@r.test"},
			map[string]Reply{"ok-a@r.test": {451, "4.3.0", "try again later"}}, false, false, true},
		{"mailperm-4@s.test", []string{"ok-a@r.test", "ok-b@r.test"},
			map[string]Reply{"ok-a@r.test": {550, "5.7.1", "sender refused"},
				"ok-b@r.test": {550, "5.7.1", "sender refused"}}, false, false, true},
		{"datatemp1-5@s.test", []string{"ok-a@r.test", "bad-b@r.test"},
			map[string]Reply{"ok-a@r.test": {451, "4.3.0", "local error"},
				"bad-b@r.test": {550, "5.1.1", "no such user"}}, false, false, true},
		{"dataperm-6@s.test", []string{"ok-a@r.test"},
			map[string]Reply{"ok-a@r.test": {554, "5.6.0", "content refused"}}, false, false, true},
		{"stalllost1-7@s.test", []string{"ok-a@r.test", "bad-b@r.test"},
			map[string]Reply{"bad-b@r.test": {550, "5.1.1", "no such user"}}, true, false, true},
		// The whole small message is on its way before the server hangs
		// up in the middle of reading it: to the client that is silence
		// after the data.
		{"dropdata1-8@s.test", []string{"ok-a@r.test"}, map[string]Reply{}, true, false, true},
		{"dropmail1-9@s.test", []string{"ok-a@r.test"}, map[string]Reply{}, false, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.from, func(t *testing.T) {
			d := fastSMTP()
			defer d.Close(context.Background())
			e := sinkEntry(k, tc.from, tc.rcpts...)
			o := d.Deliver(context.Background(), e, tc.rcpts, strings.NewReader(body))
			if diff := cmp.Diff(tc.want, o.Recipients); diff != "" {
				t.Errorf("Deliver(%s) recipients (-want +got):\n%s", tc.from, diff)
			}
			if o.PossibleDuplicate != tc.dup || o.Permanent != tc.perm || (o.Err != nil) != tc.err {
				t.Errorf("Deliver(%s) = dup %v perm %v err %v, want dup %v perm %v err %v",
					tc.from, o.PossibleDuplicate, o.Permanent, o.Err, tc.dup, tc.perm, tc.err)
			}
		})
	}
}

// TestSMTPMessageNeverFits checks that a message no server can take fails
// at once instead of being retried for days.
func TestSMTPMessageNeverFits(t *testing.T) {
	k := startFaultSink(t)
	d := fastSMTP()
	defer d.Close(context.Background())
	long := "Subject: x\r\n\r\n" + strings.Repeat("a", 1200) + "\r\n"
	o := d.Deliver(context.Background(), sinkEntry(k, "ok-1@s.test", "ok-a@r.test"),
		[]string{"ok-a@r.test"}, strings.NewReader(long))
	var be *smtpclient.BodyError
	if !o.Permanent || !errors.As(o.Err, &be) {
		t.Errorf("1200-octet line: Permanent %v, Err %v; want permanent *BodyError", o.Permanent, o.Err)
	}
}

// TestSMTPReusesAuthenticatedSessions sends several entries of one
// profile over one authenticated connection, with the password taken
// from the environment at delivery time (it is never in the spool).
func TestSMTPReusesAuthenticatedSessions(t *testing.T) {
	k := startFaultSink(t)
	k.auth = true
	t.Setenv("QUEUE_TEST_SECRET", "s3cret")
	d := fastSMTP()
	defer d.Close(context.Background())
	for i := range 5 {
		e := sinkEntry(k, "ok-"+string(rune('a'+i))+"@s.test", "ok-x@r.test")
		e.Profile.Username, e.Profile.Credential = "user", "env:QUEUE_TEST_SECRET"
		o := d.Deliver(context.Background(), e, e.Pending(), strings.NewReader(body))
		if o.Err != nil {
			t.Fatalf("delivery %d: %v", i, o.Err)
		}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.conns != 1 || len(k.authed) != 1 {
		t.Fatalf("%d connections and %d AUTH exchanges for 5 messages, want 1 and 1", k.conns, len(k.authed))
	}
	got, _ := base64.StdEncoding.DecodeString(k.authed[0])
	if string(got) != "\x00user\x00s3cret" {
		t.Errorf("AUTH PLAIN response = %q, want %q", got, "\x00user\x00s3cret")
	}
}

// TestSMTPMissingCredential checks that a credential the agent cannot
// resolve defers the entry (the operator may fix it) and sends nothing.
func TestSMTPMissingCredential(t *testing.T) {
	k := startFaultSink(t)
	k.auth = true
	d := fastSMTP()
	defer d.Close(context.Background())
	e := sinkEntry(k, "ok-1@s.test", "ok-a@r.test")
	e.Profile.Username, e.Profile.Credential = "user", "env:QUEUE_TEST_UNSET_VARIABLE"
	o := d.Deliver(context.Background(), e, e.Pending(), strings.NewReader(body))
	if !errors.Is(o.Err, ErrNoSecret) || o.Permanent || len(o.Recipients) != 0 {
		t.Errorf("Deliver = %+v, want a temporary error wrapping ErrNoSecret", o)
	}
	if n := k.count("ok-1@s.test", "ok-a@r.test"); n != 0 {
		t.Errorf("message delivered %d times without credentials", n)
	}
}

// TestSMTPTLSRequired checks that a profile asking for TLS (the default)
// never sends a message in clear to a server without STARTTLS; the entry
// stays queued.
func TestSMTPTLSRequired(t *testing.T) {
	k := startFaultSink(t)
	d := fastSMTP()
	defer d.Close(context.Background())
	e := sinkEntry(k, "ok-1@s.test", "ok-a@r.test")
	e.Profile.Security = ""
	o := d.Deliver(context.Background(), e, e.Pending(), strings.NewReader(body))
	if !errors.Is(o.Err, smtpclient.ErrTLSRequired) || o.Permanent {
		t.Errorf("Deliver = %+v, want a temporary error wrapping ErrTLSRequired", o)
	}
	if n := k.count("ok-1@s.test", "ok-a@r.test"); n != 0 {
		t.Errorf("message sent in clear %d times", n)
	}
}

func TestEnvSecret(t *testing.T) {
	t.Setenv("QUEUE_TEST_TOKEN", "[OAuth]ya29.token")
	t.Setenv("QUEUE_TEST_PASSWORD", "pw")
	tests := []struct {
		cred string
		want Secret
		err  bool
	}{
		{"env:QUEUE_TEST_TOKEN", Secret{Token: "ya29.token"}, false},
		{"env:QUEUE_TEST_PASSWORD", Secret{Password: "pw"}, false},
		{"env:QUEUE_TEST_UNSET_VARIABLE", Secret{}, true},
		{"vault:x", Secret{}, true},
		{"tokenstore:", Secret{}, true},
	}
	for _, tc := range tests {
		got, err := EnvSecret(context.Background(), &Profile{Credential: tc.cred})
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("EnvSecret(%q) = %+v, %v; want %+v, error %v", tc.cred, got, err, tc.want, tc.err)
		}
	}
	store := filepath.Join(t.TempDir(), "token.json")
	err := (&oauthgmail.Store{Path: store}).Save(&oauthgmail.Record{AccessToken: "ya29.stored",
		TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	sec, err := EnvSecret(context.Background(), &Profile{Credential: "tokenstore:" + store})
	if err != nil || sec.Tokens == nil {
		t.Fatalf("EnvSecret(tokenstore:) = %+v, %v; want a token source", sec, err)
	}
	if tok, err := sec.Tokens.Token(); err != nil || tok.AccessToken != "ya29.stored" {
		t.Errorf("token from the store = %v, %v; want ya29.stored", tok, err)
	}
}

// TestSEC45OverSMTP runs SEC-45 through the real deliverer: RCPT replies
// 250, 550 5.1.1, 452 4.5.3 and 451 4.3.0 leave recipient 1 delivered,
// recipient 2 failed, and 3 and 4 pending; the retry sends only to 3 and
// 4, and recipient 1 never gets a second copy.
func TestSEC45OverSMTP(t *testing.T) {
	k := startFaultSink(t)
	s, clk := newSpool(t)
	rcpts := []string{"ok-1@r.test", "bad-2@r.test", "full1-3@r.test", "busy1-4@r.test"}
	e := sinkEntry(k, "ok-sec45@s.test", rcpts...)
	id, err := s.Enqueue(context.Background(), e, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	d := fastSMTP()
	defer d.Close(context.Background())
	a := &Agent{Spool: s, Deliver: d}
	a.RunOnce(context.Background())
	got, err := s.Load(id)
	if err != nil {
		t.Fatal(err)
	}
	want := []State{Delivered, Failed, Pending, Pending}
	for i, r := range got.Recipients {
		if r.State != want[i] {
			t.Errorf("after attempt 1: %s is %s (%s), want %s", r.Addr, r.State, r.LastReply, want[i])
		}
	}
	clk.Set(t0.Add(time.Hour))
	a.RunOnce(context.Background())
	if _, err := s.LoadFailed(id); err != nil {
		t.Fatalf("entry with a failed recipient not in failed/: %v", err)
	}
	for i, r := range rcpts {
		n := k.count("ok-sec45@s.test", r)
		if wantN := map[int]int{0: 1, 1: 0, 2: 1, 3: 1}[i]; n != wantN {
			t.Errorf("%s received %d copies, want %d", r, n, wantN)
		}
	}
}
