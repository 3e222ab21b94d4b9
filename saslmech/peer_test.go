// SPDX-License-Identifier: Apache-2.0

package saslmech

import (
	"bufio"
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/smtp"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The tests in this file run every mechanism against the real servers of
// the peer tier that peers/postfix-start.sh starts: Postfix with Dovecot,
// Postfix with Cyrus SASL, and the OAuth2 stub. They skip when a peer is
// not running and fail when MAILPEERS=1 says it must be.

func peerEnv(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func peerAddr(t *testing.T, portVar, def string) string {
	t.Helper()
	addr := net.JoinHostPort("127.0.0.1", peerEnv(portVar, def))
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

func peerTLS(t *testing.T) *tls.Config {
	t.Helper()
	ca := filepath.Join(peerEnv("MAILPEERS_DIR", "/tmp/mailpeers"), "tls", "ca.pem")
	pem, err := os.ReadFile(ca)
	if err != nil {
		t.Fatalf("peer CA: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("peer CA %s holds no certificate", ca)
	}
	return &tls.Config{RootCAs: pool, ServerName: "mail.example.test", MinVersion: tls.VersionTLS12}
}

// peerSession is a test-only SMTP client: greeting, EHLO, STARTTLS or
// implicit TLS, EHLO again, then AUTH through [authenticate].
type peerSession struct {
	t    *testing.T
	conn net.Conn
	tp   *textproto.Conn
	info ServerInfo
}

type peerMode int

const (
	peerPlain peerMode = iota
	peerSTARTTLS
	peerImplicitTLS
)

func dialPeer(t *testing.T, addr string, mode peerMode) *peerSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if mode == peerImplicitTLS {
		conn = tls.Client(conn, peerTLS(t))
	}
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	p := &peerSession{t: t, conn: conn, tp: textproto.NewConn(conn)}
	t.Cleanup(func() { p.tp.PrintfLine("QUIT"); conn.Close() })
	p.expect(220)
	p.ehlo()
	p.info = ServerInfo{Host: "127.0.0.1", TLS: mode == peerImplicitTLS}
	if mode == peerSTARTTLS {
		p.cmd(220, "STARTTLS")
		conn = tls.Client(conn, peerTLS(t))
		conn.SetDeadline(time.Now().Add(20 * time.Second))
		p.conn, p.tp = conn, textproto.NewConn(conn)
		p.info.TLS = true
	}
	if p.info.TLS {
		p.info.Host = "mail.example.test"
	}
	p.info.Mechanisms = p.ehlo()
	return p
}

func (p *peerSession) expect(code int) string {
	p.t.Helper()
	_, msg, err := p.tp.ReadResponse(code)
	if err != nil {
		p.t.Fatal(err)
	}
	return msg
}

func (p *peerSession) cmd(code int, line string) string {
	p.t.Helper()
	if err := p.tp.PrintfLine("%s", line); err != nil {
		p.t.Fatal(err)
	}
	return p.expect(code)
}

// ehlo returns the mechanisms of the AUTH keyword.
func (p *peerSession) ehlo() []string {
	p.t.Helper()
	var mechs []string
	for _, l := range strings.Split(p.cmd(250, "EHLO client.example.test"), "\n") {
		if rest, ok := strings.CutPrefix(strings.ToUpper(l), "AUTH "); ok {
			mechs = append(mechs, strings.Fields(rest)...)
		}
	}
	return mechs
}

// conv sends one line and reads one reply, whatever its code. It writes
// and reads directly rather than through the textproto pipeline, whose
// request and response sequence the other helpers do not keep.
func (p *peerSession) conv(line string) (int, string, error) {
	if err := p.tp.PrintfLine("%s", line); err != nil {
		return 0, "", err
	}
	code, msg, err := p.tp.ReadResponse(0)
	var te *textproto.Error
	if errors.As(err, &te) {
		err = nil
	}
	return code, msg, err
}

func (p *peerSession) auth(m Mechanism) error {
	return authenticate(m, &p.info, p.conv)
}

// peerToken fetches an access token from the OAuth2 stub with the test
// authorization code.
func peerToken(t *testing.T) string {
	t.Helper()
	addr := peerAddr(t, "OAUTH_STUB_PORT", "2580")
	form := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {peerEnv("OAUTH_TEST_CODE", "test-code")},
		"client_id":     {peerEnv("OAUTH_CLIENT_ID", "test-client")},
		"client_secret": {peerEnv("OAUTH_CLIENT_SECRET", "test-secret")},
	}
	resp, err := http.PostForm("http://"+addr+"/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(bufio.NewReader(resp.Body)).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token endpoint: %s, %v", resp.Status, err)
	}
	return tok.AccessToken
}

var (
	peerUser = peerEnv("TEST_USER", "user@example.test")
	peerPass = peerEnv("TEST_PASS", "secret")
)

// TestPeerDovecot authenticates with every Dovecot mechanism on the
// submission port after STARTTLS, and on the implicit-TLS port.
func TestPeerDovecot(t *testing.T) {
	addr := peerAddr(t, "PF_SUBMIT_PORT", "2587")
	token := peerToken(t)
	mechs := []Mechanism{
		NewPlain("", peerUser, peerPass),
		NewPlain(peerUser, peerUser, peerPass),
		NewLogin(peerUser, peerPass),
		NewLoginInitialResponse(peerUser, peerPass),
		NewCRAMMD5(peerUser, peerPass),
		NewSCRAMSHA1(peerUser, peerPass),
		NewSCRAMSHA256(peerUser, peerPass),
		NewXOAUTH2(peerUser, token),
		NewOAuthBearer(peerUser, "", 587, token),
		NewXOAUTH2(peerUser, peerEnv("TEST_TOKEN", "test-oauth-token")),
	}
	for i, m := range mechs {
		t.Run(fmt.Sprintf("%d-%s", i, m.Name()), func(t *testing.T) {
			p := dialPeer(t, addr, peerSTARTTLS)
			if err := p.auth(m); err != nil {
				t.Fatalf("%s: %v", m.Name(), err)
			}
		})
	}
	t.Run("implicit-TLS", func(t *testing.T) {
		p := dialPeer(t, peerAddr(t, "PF_SMTPS_PORT", "2465"), peerImplicitTLS)
		if err := p.auth(NewSCRAMSHA256(peerUser, peerPass)); err != nil {
			t.Fatal(err)
		}
	})
}

// TestPeerDovecotSelect lets Select choose from the real EHLO list.
func TestPeerDovecotSelect(t *testing.T) {
	p := dialPeer(t, peerAddr(t, "PF_SUBMIT_PORT", "2587"), peerSTARTTLS)
	m, err := Select(&p.info, Credentials{Username: peerUser, Password: peerPass}, nil)
	if err != nil || m.Name() != "SCRAM-SHA-256" {
		t.Fatalf("Select(%v) = %v, %v, want SCRAM-SHA-256", p.info.Mechanisms, m, err)
	}
	if err := p.auth(m); err != nil {
		t.Fatal(err)
	}
}

// TestPeerDovecotRejects: wrong passwords fail with a 535, and a bad token
// goes through the error flow (CASE-14, SEC-36) with the decoded status.
func TestPeerDovecotRejects(t *testing.T) {
	addr := peerAddr(t, "PF_SUBMIT_PORT", "2587")
	for _, m := range []Mechanism{
		NewPlain("", peerUser, "wrong"),
		NewCRAMMD5(peerUser, "wrong"),
		NewSCRAMSHA256(peerUser, "wrong"),
	} {
		p := dialPeer(t, addr, peerSTARTTLS)
		if err := p.auth(m); err == nil || !strings.Contains(err.Error(), "535") {
			t.Errorf("%s with a wrong password: %v, want a 535", m.Name(), err)
		}
	}
	// Dovecot 2.3 answers XOAUTH2 with Google's HTTP-style status and
	// OAUTHBEARER with the RFC 6750 error code (RFC 7628 section 3.2.2).
	for _, tc := range []struct {
		m                      Mechanism
		status, schemes, scope string
	}{
		{NewXOAUTH2(peerUser, "expired-token"), "401", "bearer", "mail"},
		{NewOAuthBearer(peerUser, "", 587, "expired-token"), "invalid_token", "", ""},
	} {
		p := dialPeer(t, addr, peerSTARTTLS)
		err := p.auth(tc.m)
		var oe *OAuthError
		if !errors.As(err, &oe) || oe.Status != tc.status || oe.Schemes != tc.schemes ||
			oe.Scope != tc.scope {
			t.Errorf("%s with a bad token: %v, want OAuthError status %q schemes %q scope %q",
				tc.m.Name(), err, tc.status, tc.schemes, tc.scope)
		}
		// The server is still in step: the connection takes a command.
		p.cmd(250, "NOOP")
	}
}

// TestPeerPlaintextLoopback: without TLS, to 127.0.0.1, PLAIN is allowed
// because the server is on loopback.
func TestPeerPlaintextLoopback(t *testing.T) {
	p := dialPeer(t, peerAddr(t, "PF_SMTP_PORT", "2525"), peerPlain)
	if len(p.info.Mechanisms) == 0 {
		t.Skip("AUTH not offered before STARTTLS (PF_TLS_AUTH_ONLY=yes)")
	}
	if err := p.auth(NewPlain("", peerUser, peerPass)); err != nil {
		t.Fatal(err)
	}
}

// TestPeerCyrus authenticates against Postfix with Cyrus SASL: NTLM in its
// user@domain and DOMAIN\user forms (CASE-21), and the other mechanisms.
func TestPeerCyrus(t *testing.T) {
	addr := peerAddr(t, "PF_CYRUS_PORT", "2526")
	user, _, _ := strings.Cut(peerUser, "@")
	mechs := []Mechanism{
		NewNTLM(peerUser, peerPass),
		NewNTLM(user, peerPass),
		NewNTLM(`EXAMPLE\`+user, peerPass),
		NewCRAMMD5(peerUser, peerPass),
		&SCRAM{Hash: crypto.SHA1, Username: peerUser, Password: peerPass},
		NewSCRAMSHA256(peerUser, peerPass),
		NewPlain("", peerUser, peerPass),
		NewLogin(peerUser, peerPass),
	}
	for i, m := range mechs {
		t.Run(fmt.Sprintf("%d-%s", i, m.Name()), func(t *testing.T) {
			p := dialPeer(t, addr, peerSTARTTLS)
			if err := p.auth(m); err != nil {
				t.Fatalf("%s: %v", m.Name(), err)
			}
		})
	}
	p := dialPeer(t, addr, peerSTARTTLS)
	if err := p.auth(NewNTLM(peerUser, "wrong")); err == nil {
		t.Error("NTLM with a wrong password accepted")
	}
}

// TestPeerNetSMTP runs the net/smtp adapter against Dovecot: SCRAM-SHA-256
// and LOGIN succeed, and a refused token leaves the decoded status in Err
// while net/smtp reports the 535 (CASE-14).
func TestPeerNetSMTP(t *testing.T) {
	addr := peerAddr(t, "PF_SUBMIT_PORT", "2587")
	dial := func() *smtp.Client {
		c, err := smtp.Dial(addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		if err := c.StartTLS(peerTLS(t)); err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, m := range []Mechanism{NewSCRAMSHA256(peerUser, peerPass), NewLogin(peerUser, peerPass)} {
		if err := dial().Auth(&NetSMTPAuth{Mechanism: m, Host: "127.0.0.1"}); err != nil {
			t.Errorf("%s through net/smtp: %v", m.Name(), err)
		}
	}
	a := &NetSMTPAuth{Mechanism: NewXOAUTH2(peerUser, "expired-token"), Host: "127.0.0.1"}
	err := dial().Auth(a)
	var oe *OAuthError
	if err == nil || !strings.Contains(err.Error(), "535") || !errors.As(a.Err(), &oe) || oe.Status != "401" {
		t.Errorf("refused token through net/smtp: %v, Err() = %v; want a 535 and status 401", err, a.Err())
	}
}

// TestPeerGoSASLClient runs the go-sasl adapter, driven the way go-smtp
// drives a sasl.Client, against Dovecot.
func TestPeerGoSASLClient(t *testing.T) {
	addr := peerAddr(t, "PF_SUBMIT_PORT", "2587")
	for _, m := range []Mechanism{
		NewSCRAMSHA1(peerUser, peerPass),
		NewCRAMMD5(peerUser, peerPass),
		NewPlain("", peerUser, peerPass),
		NewOAuthBearer(peerUser, "", 587, peerEnv("TEST_TOKEN", "test-oauth-token")),
	} {
		p := dialPeer(t, addr, peerSTARTTLS)
		c := &Client{Mechanism: m, Server: ServerInfo{Host: p.info.Host, TLS: p.info.TLS}}
		if err := saslAuth(c, p.conv); err != nil {
			t.Errorf("%s: %v", m.Name(), err)
		} else if err := c.Finish(); err != nil {
			t.Errorf("%s: Finish() = %v", m.Name(), err)
		}
	}
}
