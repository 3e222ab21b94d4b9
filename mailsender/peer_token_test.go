// SPDX-License-Identifier: Apache-2.0

package mailsender_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/mailwright/mailwright/mailsender"
	"github.com/mailwright/mailwright/oauthgmail"
)

// The test in this file sends with Sender.TokenSource through the real
// Postfix and Dovecot of peers/postfix-start.sh, where Dovecot asks the
// OAuth2 stub (peers/oauth2-stub.py) whether a token is active. It skips
// when the peers are not running, and fails then under MAILPEERS=1.

func peerVar(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// countingDialer counts the connections a Sender opens.
type countingDialer struct {
	n atomic.Int32
	d net.Dialer
}

func (c *countingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c.n.Add(1)
	return c.d.DialContext(ctx, network, addr)
}

// TestPeerPostfixTokenSourceRenews: the token store holds an access token
// that looks valid for an hour but that the stub never issued. Postfix
// refuses it with 535; the Sender renews it once through the stub, opens a
// second session, and the message reaches the user's Maildir.
func TestPeerPostfixTokenSourceRenews(t *testing.T) {
	dir := peerVar("MAILPEERS_DIR", "/tmp/mailpeers")
	port := peerVar("PF_SUBMIT_PORT", "2587")
	stub := net.JoinHostPort("127.0.0.1", peerVar("OAUTH_STUB_PORT", "2580"))
	user := peerVar("TEST_USER", "user@example.test")
	for _, addr := range []string{net.JoinHostPort("127.0.0.1", port), stub} {
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
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		t.Fatal("no certificate in the peers' ca.pem")
	}

	st := &oauthgmail.Store{Path: filepath.Join(t.TempDir(), "token.json")}
	err = st.Save(&oauthgmail.Record{AccessToken: "revoked-access", TokenType: "Bearer",
		RefreshToken: peerVar("OAUTH_TEST_REFRESH", "test-refresh-token"),
		Expiry:       time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	client := &oauthgmail.Client{
		Provider: oauthgmail.Provider{Name: "stub", AuthURL: "http://" + stub + "/authorize",
			TokenURL: "http://" + stub + "/token", SMTPScopes: []string{oauthgmail.ScopeGoogleMail},
			AuthStyle: oauth2.AuthStyleInParams},
		ClientID:     peerVar("OAUTH_CLIENT_ID", "test-client"),
		ClientSecret: peerVar("OAUTH_CLIENT_SECRET", "test-secret"),
	}
	dialer := &countingDialer{}
	var trace bytes.Buffer
	p, _ := strconv.Atoi(port)
	s := &mailsender.Sender{Host: "127.0.0.1", Port: p, TLS: true, RootCAs: roots,
		ServerName: "mail.example.test", Username: user, Dialer: dialer, Trace: &trace,
		TokenSource: oauthgmail.NewTokenSource(st, client)}
	marker := fmt.Sprintf("facade-token-%d", time.Now().UnixNano())
	_, err = s.Send(t.Context(), &mailsender.Message{From: user, To: []string{user},
		Subject: "mailsender " + marker, Body: "sent with a renewed XOAUTH2 token\r\n"})
	if err != nil || dialer.n.Load() != 2 {
		t.Fatalf("Send: %v after %d sessions; want success after one renewal (2 sessions)",
			err, dialer.n.Load())
	}
	r, err := st.Load()
	if err != nil || r.AccessToken == "" || r.AccessToken == "revoked-access" {
		t.Fatalf("store still holds the refused token (%v)", err)
	}
	if strings.Contains(trace.String(), r.AccessToken) || strings.Contains(trace.String(), "revoked-access") {
		t.Error("the trace shows a token (SEC-35)")
	}
	mailDir := filepath.Join(dir, "mail", user[strings.IndexByte(user, '@')+1:],
		user[:strings.IndexByte(user, '@')], "new")
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); {
		files, _ := os.ReadDir(mailDir)
		for _, f := range files {
			if data, err := os.ReadFile(filepath.Join(mailDir, f.Name())); err == nil &&
				bytes.Contains(data, []byte(marker)) {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("message %s not delivered to %s", marker, mailDir)
}
