// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailwright/mailwright/saslmech"
	"github.com/mailwright/mailwright/tlsprofile"
)

// The real-server tier: Postfix with Dovecot from peers/ (see
// peers/README.md). Each test skips when the peer is not running, and
// fails instead when MAILPEERS=1.

// peerEnv returns an environment setting or its peers/ default.
func peerEnv(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// needPostfix returns 127.0.0.1 and the port named by env, skipping the
// test (failing under MAILPEERS=1) when nothing listens there.
func needPostfix(t *testing.T, env, def string) string {
	t.Helper()
	addr := net.JoinHostPort("127.0.0.1", peerEnv(env, def))
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		if os.Getenv("MAILPEERS") == "1" {
			t.Fatalf("mail peer %s not running: %v", addr, err)
		}
		t.Skipf("mail peer %s not running (bash peers/postfix-start.sh)", addr)
	}
	c.Close()
	return addr
}

// peerOptions trusts the peers' test CA.
func peerOptions(t *testing.T, policy tlsprofile.Policy) *Options {
	t.Helper()
	pem, err := os.ReadFile(filepath.Join(peerEnv("MAILPEERS_DIR", "/tmp/mailpeers"), "tls", "ca.pem"))
	if err != nil {
		t.Fatalf("peer CA: %v", err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	return &Options{LocalName: "client.example.test", TLSPolicy: policy, TLSConfig: &tls.Config{RootCAs: roots},
		CommandTimeout: 30 * time.Second, DataTimeout: 60 * time.Second}
}

// peerMessage returns a message with a unique Message-ID that contains the
// kinds of line SMTP must carry intact: leading dots and a lone dot (CASE-17)
// and bare line ends (CASE-18).
func peerMessage(t *testing.T, to string) (id string, msg string) {
	t.Helper()
	var r [8]byte
	rand.Read(r[:])
	id = "peer-" + hex.EncodeToString(r[:]) + "@example.test"
	msg = "From: <user@example.test>\r\nTo: <" + to + ">\r\nSubject: smtpclient peer test\r\n" +
		"Message-ID: <" + id + ">\r\n\r\nhello\r\n.\r\n.test\r\n..two\nbare LF\rbare CR\r\nend\r\n"
	return id, msg
}

// delivered waits for the Maildir file of user that holds id and returns
// the message as sent (Postfix adds four header lines and stores LF).
func delivered(t *testing.T, user, id string) string {
	t.Helper()
	dir := filepath.Join(peerEnv("MAILPEERS_DIR", "/tmp/mailpeers"), "mail", "example.test", user, "new")
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		files, _ := os.ReadDir(dir)
		for _, f := range files {
			b, err := os.ReadFile(filepath.Join(dir, f.Name()))
			if err != nil || !bytes.Contains(b, []byte(id)) {
				continue
			}
			b = bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
			if i := bytes.Index(b, []byte("From: <user@example.test>")); i >= 0 {
				return string(b[i:])
			}
			return string(b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("message %s not delivered to %s within 10s", id, user)
	return ""
}

// Submission on 2587: STARTTLS required and verified, AUTH, then one
// message with PIPELINING and CHUNKING in a single round trip.
func TestPeerPostfixSubmission(t *testing.T) {
	t.Parallel()
	addr := needPostfix(t, "PF_SUBMIT_PORT", "2587")
	o := peerOptions(t, tlsprofile.Verify)
	d := &countingDialer{}
	o.Dialer = d
	ctx := context.Background()
	c, err := Dial(ctx, addr, o)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, ok := c.TLSConnectionState(); !ok {
		t.Fatal("no TLS after Dial with the Verify policy")
	}
	user, pass := peerEnv("TEST_USER", "user@example.test"), peerEnv("TEST_PASS", "secret")
	if err := c.Auth(ctx, saslmech.NewPlain("", user, pass)); err != nil {
		t.Fatalf("AUTH PLAIN: %v", err)
	}
	id, msg := peerMessage(t, "alice@example.test")
	before := d.last.count()
	res, err := c.SendMail(ctx, user, []string{"alice@example.test"}, strings.NewReader(msg), nil)
	if err != nil {
		t.Fatal(err)
	}
	waits := d.last.count() - before
	_, chunking := c.Extension("CHUNKING")
	_, pipelining := c.Extension("PIPELINING")
	switch {
	case pipelining && chunking && waits != 1:
		t.Errorf("%d waits for one message, want 1 with PIPELINING and CHUNKING", waits)
	case pipelining && waits > 2:
		t.Errorf("%d waits for one message, want 2 with PIPELINING", waits)
	}
	if res.Reply.Code != 250 {
		t.Errorf("reply = %+v", res.Reply)
	}
	if err := c.Quit(ctx); err != nil {
		t.Error(err)
	}
	if got, want := delivered(t, "alice", id), canonical(msg); got != want {
		t.Errorf("delivered:\n%q\nwant\n%q", got, want)
	}
}

// Implicit TLS on 2465 with each SASL mechanism Dovecot offers.
func TestPeerPostfixImplicitTLSMechanisms(t *testing.T) {
	t.Parallel()
	addr := needPostfix(t, "PF_SMTPS_PORT", "2465")
	user, pass := peerEnv("TEST_USER", "user@example.test"), peerEnv("TEST_PASS", "secret")
	mechs := []saslmech.Mechanism{
		saslmech.NewPlain("", user, pass),
		saslmech.NewLogin(user, pass),
		saslmech.NewCRAMMD5(user, pass),
		saslmech.NewSCRAMSHA256(user, pass),
		saslmech.NewXOAUTH2(user, peerEnv("TEST_TOKEN", "test-oauth-token")),
	}
	for _, m := range mechs {
		t.Run(m.Name(), func(t *testing.T) {
			ctx := context.Background()
			c, err := DialTLS(ctx, addr, peerOptions(t, tlsprofile.Verify))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := c.Auth(ctx, m); err != nil {
				t.Fatalf("AUTH %s: %v", m.Name(), err)
			}
			id, msg := peerMessage(t, "bob@example.test")
			if _, err := c.SendMail(ctx, user, []string{"bob@example.test"}, strings.NewReader(msg), nil); err != nil {
				t.Fatal(err)
			}
			c.Quit(ctx)
			if got, want := delivered(t, "bob", id), canonical(msg); got != want {
				t.Errorf("delivered:\n%q\nwant\n%q", got, want)
			}
		})
	}
}

// A wrong password is a 535 *Error with its enhanced code; the connection
// stays usable.
func TestPeerPostfixAuthFailure(t *testing.T) {
	t.Parallel()
	addr := needPostfix(t, "PF_SMTPS_PORT", "2465")
	ctx := context.Background()
	c, err := DialTLS(ctx, addr, peerOptions(t, tlsprofile.Verify))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Auth(ctx, saslmech.NewPlain("", peerEnv("TEST_USER", "user@example.test"), "wrong"))
	var se *Error
	if !errors.As(err, &se) || se.Code != 535 || se.EnhancedCode != (EnhancedCode{5, 7, 8}) {
		t.Errorf("AUTH with a wrong password = %v, want 535 5.7.8", err)
	}
	if err := c.Noop(ctx); err != nil {
		t.Errorf("NOOP after a failed AUTH: %v", err)
	}
}

// Port 2525 without AUTH: a local recipient is accepted and a foreign one
// refused with 554 5.7.1, and the message goes to the accepted one
// (per-recipient results against a real server); opportunistic TLS is used when offered,
// and the DSN parameters pass.
func TestPeerPostfixRelayDenied(t *testing.T) {
	t.Parallel()
	addr := needPostfix(t, "PF_SMTP_PORT", "2525")
	ctx := context.Background()
	c, err := Dial(ctx, addr, peerOptions(t, tlsprofile.May))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	id, msg := peerMessage(t, "carol@example.test")
	to := []string{"carol@example.test", "x@elsewhere.test"}
	dsn := &SendOptions{Mail: MailOptions{Return: "HDRS", EnvelopeID: "peer+1"}, Rcpt: RcptOptions{Notify: []string{"NEVER"}}}
	res, err := c.SendMail(ctx, "sender@example.org", to, strings.NewReader(msg), dsn)
	var re *RecipientError
	if !errors.As(err, &re) || re.Delivered != 1 || len(re.Refused) != 1 {
		t.Fatalf("SendMail = %v, want one refused recipient", err)
	}
	var se *Error
	if !errors.As(res.Recipients[1].Err, &se) || se.Code != 554 || se.EnhancedCode != (EnhancedCode{5, 7, 1}) ||
		se.Command != "RCPT TO" {
		t.Errorf("refusal = %v, want RCPT TO 554 5.7.1", res.Recipients[1].Err)
	}
	c.Quit(ctx)
	if got, want := delivered(t, "carol", id), canonical(msg); got != want {
		t.Errorf("delivered:\n%q\nwant\n%q", got, want)
	}
}

// Submission refuses MAIL before STARTTLS; with the None policy the client
// sees Postfix's 530 as a typed permanent error.
func TestPeerPostfixTLSRequiredByServer(t *testing.T) {
	t.Parallel()
	addr := needPostfix(t, "PF_SUBMIT_PORT", "2587")
	ctx := context.Background()
	c, err := Dial(ctx, addr, peerOptions(t, tlsprofile.None))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.SendMail(ctx, "user@example.test", []string{"alice@example.test"}, strings.NewReader("x\r\n"), nil)
	var se *Error
	if !errors.As(err, &se) || se.Code != 530 || !se.Permanent() {
		t.Errorf("SendMail in clear on submission = %v, want 530", err)
	}
}
