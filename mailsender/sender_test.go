// SPDX-License-Identifier: Apache-2.0

package mailsender_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mailwright/mailwright/mailsender"
	"github.com/mailwright/mailwright/saslmech"
	"github.com/mailwright/mailwright/smtpclient"
)

var fixedNow = time.Date(2026, 12, 4, 17, 0, 0, 0, time.UTC)

func seeded() *mrand.ChaCha8 { return mrand.NewChaCha8([32]byte{'m', 'w'}) }

// sender returns a Sender for f: plain SMTP on loopback, reproducible.
func sender(f *fakeServer) *mailsender.Sender {
	return &mailsender.Sender{
		Host: "127.0.0.1",
		Port: f.port(),
		Now:  func() time.Time { return fixedNow },
		Rand: seeded(),
	}
}

func message() *mailsender.Message {
	return &mailsender.Message{
		From:    "Alice <alice@example.test>",
		To:      []string{"bob@example.test"},
		Subject: "Hello",
		Body:    "Hi Bob.\r\n",
	}
}

// composed returns what Compose makes of m with a fresh seeded Rand.
func composed(t *testing.T, s *mailsender.Sender, m *mailsender.Message, d *mailsender.DKIM) []byte {
	t.Helper()
	c := *s
	c.Rand = seeded()
	var b bytes.Buffer
	if err := c.Compose(&b, m, d); err != nil {
		t.Fatalf("Compose: %v", err)
	}
	return b.Bytes()
}

func TestSendDeliversWhatComposeWrites(t *testing.T) {
	f := newFakeServer(t, nil)
	s := sender(f)
	s.Username, s.Password, s.AuthMechanism = "alice", "s3cret", "PLAIN"
	m := message()
	m.Cc = []string{"Carol <carol@example.test>"}
	m.Bcc = []string{"dave@example.test"}
	want := composed(t, s, m, nil)

	res, err := s.Send(context.Background(), m)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if res.Reply != "250 2.0.0 Ok: queued as FAKE1" || res.Code != 250 || res.TLS != "" {
		t.Errorf("Result = %+v, want the 250 reply and no TLS", res)
	}
	if got := f.received(); len(got) != 1 || !bytes.Equal(got[0], want) {
		t.Fatalf("server received %q, want %q", got, want)
	}
	if bytes.Contains(want, []byte("dave@")) {
		t.Errorf("the Bcc address is in the message:\n%s", want)
	}
	rcpts := strings.Join(f.commands(), "\n")
	for _, a := range []string{"<bob@example.test>", "<carol@example.test>", "<dave@example.test>"} {
		if !strings.Contains(rcpts, "RCPT TO:"+a) {
			t.Errorf("no RCPT TO:%s in %q", a, rcpts)
		}
	}
	if !strings.HasPrefix(res.MessageID, "") || !bytes.Contains(want, []byte("<"+res.MessageID+">")) {
		t.Errorf("Result.MessageID %q is not the message's Message-ID", res.MessageID)
	}
}

func TestSendSTARTTLSReportsTLSLine(t *testing.T) {
	f := newFakeServer(t, nil)
	var pool = f.useTLS(t)
	s := sender(f)
	s.TLS, s.RootCAs = true, pool
	res, err := s.Send(context.Background(), message())
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if res.TLS != "1.2; Cipher Suite C02F" {
		t.Errorf("Result.TLS = %q, want %q", res.TLS, "1.2; Cipher Suite C02F")
	}
}

// TestSendMechanismOrder: without AuthMechanism the strongest mechanism
// the server offers is chosen (saslmech.DefaultOrder, SCRAM first);
// ClassicAuthOrder reproduces the classic component's CRAM-MD5, NTLM,
// LOGIN, then PLAIN.
func TestSendMechanismOrder(t *testing.T) {
	tests := []struct {
		offer  string
		policy saslmech.Policy
		want   string
	}{
		{"AUTH PLAIN LOGIN SCRAM-SHA-1 SCRAM-SHA-256 CRAM-MD5", nil, "AUTH SCRAM-SHA-256 "},
		{"AUTH PLAIN LOGIN SCRAM-SHA-1 CRAM-MD5", nil, "AUTH SCRAM-SHA-1 "},
		{"AUTH PLAIN LOGIN CRAM-MD5", nil, "AUTH CRAM-MD5"},
		{"AUTH LOGIN PLAIN", nil, "AUTH PLAIN "},
		{"AUTH PLAIN LOGIN SCRAM-SHA-256 CRAM-MD5", mailsender.ClassicAuthOrder, "AUTH CRAM-MD5"},
		{"AUTH PLAIN LOGIN SCRAM-SHA-256", mailsender.ClassicAuthOrder, "AUTH LOGIN"},
		{"AUTH PLAIN SCRAM-SHA-256", mailsender.ClassicAuthOrder, "AUTH PLAIN "},
	}
	for _, tc := range tests {
		f := newFakeServer(t, nil)
		f.auth = tc.offer
		s := sender(f)
		s.Username, s.Password, s.AuthPolicy = "alice", "s3cret", tc.policy
		// The fake server is not a SCRAM server: the exchange may fail
		// after the first AUTH line, which is what is checked.
		s.Send(context.Background(), message())
		var auth string
		for _, c := range f.commands() {
			if strings.HasPrefix(c, "AUTH") {
				auth = c
				break
			}
		}
		if !strings.HasPrefix(auth, tc.want) {
			t.Errorf("offer %q, policy %q: first AUTH line %q, want %q...", tc.offer, tc.policy, auth, tc.want)
		}
	}
}

func TestSendOAuthPassword(t *testing.T) {
	f := newFakeServer(t, nil)
	s := sender(f)
	s.Username, s.Password = "alice@example.test", "[OAuth]ya29.token"
	if _, err := s.Send(context.Background(), message()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if !containsPrefix(f.commands(), "AUTH XOAUTH2") {
		t.Errorf("commands %q: want AUTH XOAUTH2 for a [oauth] password", f.commands())
	}
}

func containsPrefix(list []string, prefix string) bool {
	for _, l := range list {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

func TestSendPartialDelivery(t *testing.T) {
	f := newFakeServer(t, map[string]string{
		"RCPT nobody@example.test": "550 5.1.1 <nobody@example.test>: Recipient address rejected",
	})
	m := message()
	m.To = append(m.To, "nobody@example.test")
	res, err := sender(f).Send(context.Background(), m)
	var sendErr *mailsender.SendError
	if !errors.As(err, &sendErr) {
		t.Fatalf("Send = %v, want a *SendError", err)
	}
	if res == nil || res.Code != 250 || !sendErr.Delivered || sendErr.Err != nil {
		t.Fatalf("Send = %+v, %+v: want the 250 result and a partial-delivery error", res, sendErr)
	}
	var se *smtpclient.Error
	if !errors.As(err, &se) || se.Code != 550 || se.EnhancedCode != (smtpclient.EnhancedCode{5, 1, 1}) {
		t.Fatalf("errors.As(%v) = %+v, want the 550 5.1.1 reply", err, se)
	}
	if len(sendErr.Recipients) != 1 || sendErr.Recipients[0].Addr != "nobody@example.test" {
		t.Errorf("Recipients = %v, want nobody@example.test only", sendErr.Recipients)
	}
	if len(f.received()) != 1 {
		t.Errorf("server received %d messages, want 1", len(f.received()))
	}
}

func TestSendEveryRecipientRefused(t *testing.T) {
	f := newFakeServer(t, map[string]string{"RCPT": "550 5.7.1 Relaying denied"})
	_, err := sender(f).Send(context.Background(), message())
	if err == nil || err.Error() != "RCPT TO rejected: 550 5.7.1 Relaying denied (bob@example.test) "+
		"(the server relays only for authenticated users: give a user name and password)" {
		t.Fatalf("Send = %v", err)
	}
	if containsPrefix(f.commands(), "DATA") {
		t.Errorf("DATA sent although every recipient was refused: %q", f.commands())
	}
}

// CASE-16 (facade side): a 421 in answer to DATA ends the session; the
// caller gets a temporary *SendError carrying the 421, and the connection
// is not used again.
func TestSend421OnDataCASE16(t *testing.T) {
	f := newFakeServer(t, map[string]string{"DATA": "421 4.3.2 Service shutting down"})
	s := sender(f)
	_, err := s.Send(context.Background(), message())
	var sendErr *mailsender.SendError
	var se *smtpclient.Error
	if !errors.As(err, &sendErr) || !errors.As(err, &se) || se.Code != 421 {
		t.Fatalf("Send = %v, want a *SendError carrying the 421", err)
	}
	if !sendErr.Temporary() {
		t.Errorf("SendError.Temporary() = false for a 421")
	}
	if n := len(f.received()); n != 0 {
		t.Errorf("server received %d messages", n)
	}
	// A second Send makes a new connection rather than reusing the dead one.
	f.replies["DATA"] = "354 go ahead"
	s.Rand = seeded()
	if _, err := s.Send(context.Background(), message()); err != nil {
		t.Fatalf("Send after the 421: %v", err)
	}
	if f.connections() != 2 {
		t.Errorf("connections = %d, want 2", f.connections())
	}
}

func TestSendTraceIsRedacted(t *testing.T) {
	f := newFakeServer(t, nil)
	var trace bytes.Buffer
	var logs bytes.Buffer
	s := sender(f)
	s.Username, s.Password, s.AuthMechanism = "alice", "s3cret-pw", "LOGIN"
	s.Trace = &trace
	s.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	if _, err := s.Send(context.Background(), message()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if !strings.Contains(trace.String(), "C: MAIL FROM:<alice@example.test>") {
		t.Errorf("trace lacks the dialogue:\n%s", trace.String())
	}
	for _, secret := range []string{"s3cret-pw", "czNjcmV0LXB3"} { // and its base64
		if strings.Contains(trace.String(), secret) || strings.Contains(logs.String(), secret) {
			t.Errorf("the password shows in the trace or log:\n%s\n%s", trace.String(), logs.String())
		}
	}
	if !strings.Contains(logs.String(), "mailsender: sent") {
		t.Errorf("log = %q, want one record of the send", logs.String())
	}
}

// A large signed message with an attachment read from a reader (which can
// be read only once) is composed once, spooled to a file in SpoolDir,
// delivered intact, and the spool file is removed.
func TestSendCertifiedLargeStreamedMessage(t *testing.T) {
	f := newFakeServer(t, nil)
	s := sender(f)
	s.SpoolDir = t.TempDir()
	big := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
	m := message()
	m.Attachments = []mailsender.Attachment{{Name: "data.bin", Content: bytes.NewReader(big)}}
	d := &mailsender.DKIM{Signer: testKey(t), Domain: "example.test", Selector: "sel"}
	if _, err := s.SendCertified(context.Background(), m, d); err != nil {
		t.Fatalf("SendCertified: %v", err)
	}
	got := f.received()
	if len(got) != 1 || len(got[0]) < len(big) {
		t.Fatalf("server received %d messages", len(got))
	}
	verifyWithDkimpy(t, got[0])
	if ents, _ := os.ReadDir(s.SpoolDir); len(ents) != 0 {
		t.Errorf("SpoolDir holds %d files after the send", len(ents))
	}
}

// redirect is a Dialer that connects every address to the fake server, so
// that a test can name a host that is not loopback.
type redirect struct{ addr string }

func (r redirect) DialContext(ctx context.Context, network, _ string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, network, r.addr)
}

// SEC-31/SEC-33 at the facade: without TLS, to a host that is not
// loopback, no credential is sent unless Sender.Insecure allows it.
func TestSendNoCredentialsInClear(t *testing.T) {
	for _, mech := range []string{"PLAIN", "LOGIN", "CRAM-MD5"} {
		t.Run(mech, func(t *testing.T) {
			f := newFakeServer(t, nil)
			s := sender(f)
			s.Host = "mail.example.test"
			s.Dialer = redirect{f.ln.Addr().String()}
			s.Username, s.Password, s.AuthMechanism = "alice", "s3cret", mech
			_, err := s.Send(context.Background(), message())
			if !errors.Is(err, saslmech.ErrNoTLS) {
				t.Fatalf("Send in clear to a remote host = %v, want saslmech.ErrNoTLS", err)
			}
			if containsPrefix(f.commands(), "AUTH") || containsPrefix(f.commands(), "MAIL") {
				t.Errorf("commands %q: AUTH or MAIL sent", f.commands())
			}

			s.Insecure = saslmech.Insecure{ChallengeResponse: true, RevealSecret: true}
			s.Rand = seeded()
			if _, err := s.Send(context.Background(), message()); err != nil {
				t.Fatalf("Send with Insecure set: %v", err)
			}
		})
	}
}

// TestSendErrorAuthenticated: a refusal after a successful AUTH says so
// (the account may not send this), instead of asking for credentials the
// caller already gave; without credentials the advice is to give them.
func TestSendErrorAuthenticated(t *testing.T) {
	for _, withAuth := range []bool{false, true} {
		f := newFakeServer(t, map[string]string{"RCPT": "554 5.7.1 <bob@example.test>: Relay access denied"})
		s := sender(f)
		if withAuth {
			s.Username, s.Password = "alice", "s3cret"
		}
		_, err := s.Send(context.Background(), message())
		var se *mailsender.SendError
		if !errors.As(err, &se) || se.Authenticated != withAuth {
			t.Fatalf("auth %v: error %v, want a *SendError with Authenticated %v", withAuth, err, withAuth)
		}
		want := "give a user name and password"
		if withAuth {
			want = "AUTH succeeded, but the server does not let this account send this message"
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("auth %v: %q lacks %q", withAuth, err, want)
		}
	}
}
