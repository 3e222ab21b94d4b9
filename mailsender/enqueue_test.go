// SPDX-License-Identifier: Apache-2.0

package mailsender_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailwright/mailwright/mailsender"
	"github.com/mailwright/mailwright/mailsender/queue"
	"github.com/mailwright/mailwright/tlsprofile"
)

func openSpool(t *testing.T) *queue.Spool {
	t.Helper()
	sp, err := queue.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

// TestEnqueueThenAgentDelivers queues a message with AUTH and lets an
// agent deliver it: the server receives exactly what Compose writes, the
// password is found through the credential name at delivery time, and it
// is nowhere in the spool.
func TestEnqueueThenAgentDelivers(t *testing.T) {
	f := newFakeServer(t, nil)
	s := sender(f)
	s.Username, s.Password, s.AuthMechanism = "alice", "s3cret-pw", "PLAIN"
	t.Setenv("MAILSENDER_TEST_PW", "s3cret-pw")
	sp := openSpool(t)
	m := message()
	want := composed(t, s, m, nil)

	s.Rand = seeded()
	id, err := s.Enqueue(context.Background(), sp, m, &mailsender.EnqueueOptions{
		Credential: "env:MAILSENDER_TEST_PW"})
	if err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	assertNoSecret(t, sp.Dir(), "s3cret-pw")

	d := &queue.SMTP{}
	defer d.Close(context.Background())
	a := &queue.Agent{Spool: sp, Deliver: d}
	if n := a.RunOnce(context.Background()); n != 1 {
		t.Fatalf("RunOnce attempted %d entries, want 1", n)
	}
	if _, err := sp.Load(id); !errors.Is(err, queue.ErrNotFound) {
		t.Errorf("entry %s still queued after delivery (err %v)", id, err)
	}
	got := f.received()
	if len(got) != 1 || !bytes.Equal(got[0], want) {
		t.Fatalf("server received %d messages; want exactly what Compose writes:\n%q", len(got), want)
	}
	if !containsPrefix(f.commands(), "AUTH PLAIN") {
		t.Errorf("commands %q: no AUTH PLAIN", f.commands())
	}
}

// assertNoSecret fails when any file under dir holds secret.
func assertNoSecret(t *testing.T, dir, secret string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(p)
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("%s holds the password", p)
		}
		return nil
	})
}

// TestEnqueueProfile checks the delivery profile a Sender becomes.
func TestEnqueueProfile(t *testing.T) {
	tests := []struct {
		name string
		s    mailsender.Sender
		cred string
		want queue.Profile
	}{
		{"plain", mailsender.Sender{Host: "mx.example.test"}, "",
			queue.Profile{Host: "mx.example.test", Port: 25, Security: "none"}},
		{"starttls", mailsender.Sender{Host: "smtp.example.test", TLS: true, TLSPolicy: tlsprofile.Encrypt,
			Username: "u", Password: "p", AuthMechanism: "LOGIN", TLSVersion: "1.2"}, "env:PW",
			queue.Profile{Host: "smtp.example.test", Port: 587, Security: "starttls",
				TLSPolicy: "encrypt", TLSVersion: "1.2", Auth: "LOGIN", Username: "u",
				Credential: "env:PW"}},
		{"classic order", mailsender.Sender{Host: "smtp.example.test", TLS: true, Username: "u",
			Password: "p", AuthPolicy: mailsender.ClassicAuthOrder}, "env:PW",
			queue.Profile{Host: "smtp.example.test", Port: 587, Security: "starttls",
				TLSPolicy: "verify", AuthPolicy: "CRAM-MD5 NTLM LOGIN PLAIN", Username: "u",
				Credential: "env:PW"}},
		{"implicit", mailsender.Sender{Host: "smtp.example.test", SSL: true, CAFile: "/etc/ca.pem",
			ServerName: "mail.example.test", Password: "[oauth]tok"}, "file:/run/token",
			queue.Profile{Host: "smtp.example.test", Port: 465, Security: "tls", TLSPolicy: "verify",
				CAFile: "/etc/ca.pem", ServerName: "mail.example.test", Credential: "file:/run/token"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sp := openSpool(t)
			id, err := tc.s.Enqueue(context.Background(), sp, message(),
				&mailsender.EnqueueOptions{Credential: tc.cred})
			if err != nil {
				t.Fatalf("Enqueue: %v", err)
			}
			e, err := sp.Load(id)
			if err != nil {
				t.Fatal(err)
			}
			if e.Profile != tc.want {
				t.Errorf("profile = %+v, want %+v", e.Profile, tc.want)
			}
			if e.From != "alice@example.test" || len(e.Recipients) != 1 ||
				e.Recipients[0].Addr != "bob@example.test" {
				t.Errorf("envelope = %s -> %+v", e.From, e.Recipients)
			}
		})
	}
}

// TestEnqueueRefusesAndStoresNothing: settings that cannot be queued and
// messages that cannot be built are typed errors, and the spool stays
// empty.
func TestEnqueueRefusesAndStoresNothing(t *testing.T) {
	bad := message()
	bad.To = []string{"bob@example.test\r\nRCPT TO:<eve@example.test>"}
	tests := []struct {
		name  string
		s     mailsender.Sender
		m     *mailsender.Message
		o     *mailsender.EnqueueOptions
		field string
	}{
		{"password without credential", mailsender.Sender{Host: "h.test", Username: "u", Password: "p"},
			message(), nil, "EnqueueOptions.Credential"},
		{"root pool", mailsender.Sender{Host: "h.test", TLS: true, RootCAs: x509.NewCertPool()},
			message(), nil, "Sender.RootCAs"},
		{"no host", mailsender.Sender{}, message(), nil, "Sender.Host"},
		{"bad recipient", mailsender.Sender{Host: "h.test"}, bad, nil, "Message.To[0]"},
		{"credential with newline", mailsender.Sender{Host: "h.test"}, message(),
			&mailsender.EnqueueOptions{Credential: "env:A\nB"}, "EnqueueOptions.Credential"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sp := openSpool(t)
			_, err := tc.s.Enqueue(context.Background(), sp, tc.m, tc.o)
			var fe *mailsender.FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("Enqueue = %v, want a *FieldError for %s", err, tc.field)
			}
			if ids, _ := sp.IDs(false); len(ids) != 0 {
				t.Errorf("spool holds %v after a refused Enqueue", ids)
			}
		})
	}
}

// TestEnqueueSpoolsComposedMessage checks that the stored text is what
// Compose writes.
func TestEnqueueSpoolsComposedMessage(t *testing.T) {
	s := &mailsender.Sender{Host: "h.test", Now: func() time.Time { return fixedNow }, Rand: seeded()}
	want := composed(t, s, message(), nil)
	s.Rand = seeded()
	sp := openSpool(t)
	id, err := s.Enqueue(context.Background(), sp, message(), nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := sp.OpenMessage(id)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, _ := io.ReadAll(f)
	if !bytes.Equal(got, want) {
		t.Errorf("spooled message:\n%q\nwant:\n%q", got, want)
	}
}

// TestEnqueueOAuthToken queues for an account with an OAuth 2.0 access
// token: the agent reads the token through the credential name when it
// connects and authenticates with XOAUTH2, as Send does for a
// "[oauth]" password.
func TestEnqueueOAuthToken(t *testing.T) {
	f := newFakeServer(t, nil)
	s := sender(f)
	s.Username, s.Password = "alice@example.test", "[oauth]old-token"
	t.Setenv("MAILSENDER_TEST_TOKEN", "[oauth]fresh-token")
	sp := openSpool(t)
	if _, err := s.Enqueue(context.Background(), sp, message(),
		&mailsender.EnqueueOptions{Credential: "env:MAILSENDER_TEST_TOKEN"}); err != nil {
		t.Fatal(err)
	}
	assertNoSecret(t, sp.Dir(), "old-token")
	d := &queue.SMTP{}
	defer d.Close(context.Background())
	(&queue.Agent{Spool: sp, Deliver: d}).RunOnce(context.Background())
	if len(f.received()) != 1 {
		t.Fatalf("server received %d messages, want 1", len(f.received()))
	}
	var ir string
	for _, c := range f.commands() {
		if v, ok := strings.CutPrefix(c, "AUTH XOAUTH2 "); ok {
			ir = v
		}
	}
	got, _ := base64.StdEncoding.DecodeString(ir)
	want := "user=alice@example.test\x01auth=Bearer fresh-token\x01\x01"
	if string(got) != want {
		t.Errorf("XOAUTH2 response = %q, want %q", got, want)
	}
}
