// SPDX-License-Identifier: Apache-2.0

package queue_test

import (
	"bytes"
	"context"
	"crypto/tls"
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

	"github.com/mailwright/mailwright/mailsender/queue"
	"github.com/mailwright/mailwright/oauthgmail"
	"github.com/mailwright/mailwright/smtpclient"
)

// The test in this file delivers a queued entry with XOAUTH2 through the
// real Postfix and Dovecot of peers/postfix-start.sh, where Dovecot asks
// the OAuth2 stub (peers/oauth2-stub.py) whether a token is active. It
// skips when the peers are not running, and fails then under MAILPEERS=1.

func peerVar(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// countingDialer counts the connections the deliverer opens.
type countingDialer struct {
	n atomic.Int32
	d net.Dialer
}

func (c *countingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c.n.Add(1)
	return c.d.DialContext(ctx, network, addr)
}

// peerRoots returns the peers' CA, or skips (fails under MAILPEERS=1)
// when the peers are not listening.
func peerRoots(t *testing.T, dir string, addrs ...string) *x509.CertPool {
	t.Helper()
	for _, addr := range addrs {
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
	return roots
}

// TestPeerQueueXOAUTH2: a queued entry names a token store whose access
// token looks valid for an hour but was never issued by the stub. Postfix
// refuses it with 535; the agent's SMTP deliverer renews it once through
// the stub (a forced refresh), authenticates on a second connection, and
// the message reaches the user's Maildir; the spool never holds a token.
func TestPeerQueueXOAUTH2(t *testing.T) {
	dir := peerVar("MAILPEERS_DIR", "/tmp/mailpeers")
	port := peerVar("PF_SUBMIT_PORT", "2587")
	stub := net.JoinHostPort("127.0.0.1", peerVar("OAUTH_STUB_PORT", "2580"))
	user := peerVar("TEST_USER", "user@example.test")
	roots := peerRoots(t, dir, net.JoinHostPort("127.0.0.1", port), stub)

	st := &oauthgmail.Store{Path: filepath.Join(t.TempDir(), "token.json")}
	err := st.Save(&oauthgmail.Record{AccessToken: "revoked-access", TokenType: "Bearer",
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
	ts := oauthgmail.NewTokenSource(st, client)

	sp, err := queue.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	marker := fmt.Sprintf("queue-token-%d", time.Now().UnixNano())
	e := &queue.Entry{From: user, Recipients: []queue.Recipient{{Addr: user}},
		Profile: queue.Profile{Host: "127.0.0.1", Port: p, Security: "starttls",
			TLSPolicy: "verify", ServerName: "mail.example.test", Username: user,
			Credential: "tokenstore:" + st.Path}}
	msg := "From: " + user + "\r\nTo: " + user + "\r\nSubject: queue " + marker +
		"\r\n\r\ndelivered with a renewed XOAUTH2 token\r\n"
	id, err := sp.Enqueue(t.Context(), e, strings.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}

	dialer := &countingDialer{}
	var trace bytes.Buffer
	d := &queue.SMTP{
		Secret: func(context.Context, *queue.Profile) (queue.Secret, error) {
			return queue.Secret{Tokens: ts}, nil
		},
		Options: &smtpclient.Options{Dialer: dialer, Trace: &trace,
			TLSConfig: &tls.Config{RootCAs: roots}},
	}
	defer d.Close(context.Background())
	var finished *queue.Entry
	a := &queue.Agent{Spool: sp, Deliver: d, Finished: func(e *queue.Entry) { finished = e }}
	if n := a.RunOnce(t.Context()); n != 1 {
		t.Fatalf("RunOnce attempted %d entries, want 1", n)
	}
	if finished == nil || finished.Recipients[0].State != queue.Delivered || dialer.n.Load() != 2 {
		left, _ := sp.Load(id)
		t.Fatalf("entry %+v after %d sessions; want delivered after one renewal (2 sessions)",
			left, dialer.n.Load())
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
