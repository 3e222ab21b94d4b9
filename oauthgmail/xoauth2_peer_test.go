// SPDX-License-Identifier: Apache-2.0

package oauthgmail

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/mailwright/mailwright/saslmech"
	"github.com/mailwright/mailwright/smtpclient"
)

// The tests in this file send with XOAUTH2 through the real Postfix and
// Dovecot that peers/postfix-start.sh runs: Dovecot asks the OAuth2 stub
// on 127.0.0.1:$OAUTH_STUB_PORT whether a token is active, so a token our
// TokenSource obtained from that stub must be accepted, and one it did not
// issue refused. They skip when the peers are not running, and fail then
// under MAILPEERS=1.

// peerEnv is what the peer tests need from the running peers.
type peerEnv struct {
	submit   string // Postfix submission address (STARTTLS, then AUTH)
	stub     string // the OAuth2 stub's base URL
	user     string
	refresh  string
	clientID string
	secret   string
	mailDir  string // the test user's Maildir "new" folder
	roots    *x509.CertPool
}

func getenv(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func postfixPeers(t *testing.T) *peerEnv {
	t.Helper()
	dir := getenv("MAILPEERS_DIR", "/tmp/mailpeers")
	e := &peerEnv{
		submit:   net.JoinHostPort("127.0.0.1", getenv("PF_SUBMIT_PORT", "2587")),
		stub:     "http://" + net.JoinHostPort("127.0.0.1", getenv("OAUTH_STUB_PORT", "2580")),
		user:     getenv("TEST_USER", "user@example.test"),
		refresh:  getenv("OAUTH_TEST_REFRESH", "test-refresh-token"),
		clientID: getenv("OAUTH_CLIENT_ID", "test-client"),
		secret:   getenv("OAUTH_CLIENT_SECRET", "test-secret"),
	}
	local, domain, _ := strings.Cut(e.user, "@")
	e.mailDir = filepath.Join(dir, "mail", domain, local, "new")
	for _, addr := range []string{e.submit, strings.TrimPrefix(e.stub, "http://")} {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			if os.Getenv("MAILPEERS") == "1" {
				t.Fatalf("MAILPEERS=1 but nothing listens on %s: %v", addr, err)
			}
			t.Skipf("Postfix/Dovecot peers not running (%s: %v); start peers/postfix-start.sh", addr, err)
		}
		c.Close()
	}
	pem, err := os.ReadFile(filepath.Join(dir, "tls", "ca.pem"))
	if err != nil {
		t.Fatalf("peers are running but their CA is unreadable: %v", err)
	}
	e.roots = x509.NewCertPool()
	if !e.roots.AppendCertsFromPEM(pem) {
		t.Fatal("no certificate in the peers' ca.pem")
	}
	return e
}

// client returns a Client for the stub.
func (e *peerEnv) client() *Client {
	return &Client{
		Provider: Provider{Name: "stub", AuthURL: e.stub + "/authorize", TokenURL: e.stub + "/token",
			SMTPScopes: []string{ScopeGoogleMail}, AuthStyle: oauth2.AuthStyleInParams},
		ClientID: e.clientID, ClientSecret: e.secret,
	}
}

// dial opens a verified STARTTLS session with the submission port.
func (e *peerEnv) dial(t *testing.T, ctx context.Context) *smtpclient.Client {
	t.Helper()
	c, err := smtpclient.Dial(ctx, e.submit, &smtpclient.Options{
		TLSConfig: &tls.Config{ServerName: "mail.example.test", RootCAs: e.roots},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// sendWithRenewal sends msg with XOAUTH2 through [UseToken]: when the
// server refuses the token with a 5xx, it is renewed once and the whole
// session is tried again on a fresh connection, the flow mailsender
// follows. It reports how many sessions were opened.
func (e *peerEnv) sendWithRenewal(t *testing.T, ctx context.Context, ts *TokenSource,
	msg []byte) (sessions int, err error) {
	t.Helper()
	session := func(ctx context.Context, tok *oauth2.Token) error {
		sessions++
		c := e.dial(t, ctx)
		defer c.Close()
		if err := c.Auth(ctx, saslmech.NewXOAUTH2(e.user, tok.AccessToken)); err != nil {
			return err
		}
		if _, err := c.SendMail(ctx, e.user, []string{e.user}, bytes.NewReader(msg), nil); err != nil {
			return err
		}
		return c.Quit(ctx)
	}
	authRefused := func(err error) bool {
		var se *smtpclient.Error
		return errors.As(err, &se) && se.Command == "AUTH" && se.Code/100 == 5
	}
	return sessions, UseToken(ctx, ts, session, authRefused)
}

// delivered waits for a message containing marker in the user's Maildir.
func (e *peerEnv) delivered(t *testing.T, marker string) bool {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); {
		files, _ := os.ReadDir(e.mailDir)
		for _, f := range files {
			data, err := os.ReadFile(filepath.Join(e.mailDir, f.Name()))
			if err == nil && bytes.Contains(data, []byte(marker)) {
				return true
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

func peerMessage(user, marker string) []byte {
	return fmt.Appendf(nil, "From: %s\r\nTo: %s\r\nSubject: oauthgmail %s\r\n"+
		"Message-ID: <%s@example.test>\r\n\r\nsent with XOAUTH2\r\n", user, user, marker, marker)
}

// TestPostfixXOAUTH2ExpiredToken: the store holds an expired access token
// and the stub's refresh token; the TokenSource refreshes before use,
// saves the new token, and Postfix (through Dovecot) accepts it and
// delivers the message.
func TestPostfixXOAUTH2ExpiredToken(t *testing.T) {
	e := postfixPeers(t)
	ctx := t.Context()
	st := &Store{Path: filepath.Join(t.TempDir(), "token.json")}
	if err := st.Save(&Record{AccessToken: "expired-access", RefreshToken: e.refresh,
		TokenType: "Bearer", Expiry: time.Now().Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	ts := NewTokenSource(st, e.client())

	marker := fmt.Sprintf("expired-%d", time.Now().UnixNano())
	sessions, err := e.sendWithRenewal(t, ctx, ts, peerMessage(e.user, marker))
	if err != nil || sessions != 1 {
		t.Fatalf("send: %d sessions, %v; want a refresh before use and one session", sessions, err)
	}
	r, err := st.Load()
	if err != nil || r.AccessToken == "expired-access" || !r.Expiry.After(time.Now()) {
		t.Errorf("store after send: %+v %v; want the new token saved", r, err)
	}
	if !e.delivered(t, marker) {
		t.Errorf("message %s not delivered to %s", marker, e.mailDir)
	}
}

// TestPostfixXOAUTH2RejectedToken: the store holds an access token that
// looks valid for another hour but that the server refuses (revoked). The
// 535 leads to exactly one renewal, and the retry succeeds.
func TestPostfixXOAUTH2RejectedToken(t *testing.T) {
	e := postfixPeers(t)
	ctx := t.Context()
	st := &Store{Path: filepath.Join(t.TempDir(), "token.json")}
	if err := st.Save(&Record{AccessToken: "revoked-access", RefreshToken: e.refresh,
		TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	ts := NewTokenSource(st, e.client())

	marker := fmt.Sprintf("rejected-%d", time.Now().UnixNano())
	sessions, err := e.sendWithRenewal(t, ctx, ts, peerMessage(e.user, marker))
	if err != nil || sessions != 2 {
		t.Fatalf("send: %d sessions, %v; want one renewal after the 535, then success", sessions, err)
	}
	if r, err := st.Load(); err != nil || r.AccessToken == "revoked-access" {
		t.Errorf("store after renewal still holds the refused token (%v)", err)
	}
	if !e.delivered(t, marker) {
		t.Errorf("message %s not delivered to %s", marker, e.mailDir)
	}
}

// TestPostfixXOAUTH2Refused: a token the stub never issued is refused with
// an SMTP 5xx carrying Dovecot's answer, and the token is not in the error.
func TestPostfixXOAUTH2Refused(t *testing.T) {
	e := postfixPeers(t)
	ctx := t.Context()
	const bogus = "never-issued-token-4711"
	c := e.dial(t, ctx)
	err := c.Auth(ctx, saslmech.NewXOAUTH2(e.user, bogus))
	var se *smtpclient.Error
	if !errors.As(err, &se) || se.Code != 535 {
		t.Fatalf("Auth with a bogus token = %v, want 535", err)
	}
	if strings.Contains(err.Error(), bogus) {
		t.Errorf("error %q contains the token", err)
	}
}
