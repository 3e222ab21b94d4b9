// SPDX-License-Identifier: Apache-2.0

package conformance

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailwright/mailwright/conformance/replay"
	"github.com/mailwright/mailwright/saslmech"
	"github.com/mailwright/mailwright/smtpclient"
	"github.com/mailwright/mailwright/tlsprofile"
)

// The STARTTLS man-in-the-middle harness (SECURITY.md rule 10, modelled on
// the EAST study): a server on loopback that plays each STARTTLS attack
// row, SEC-01 to SEC-07 and SEC-09 to SEC-13, against every way smtpclient
// can be set up to reach TLS, with every SASL mechanism. The server is
// reached through the name mail.example.test (not a loopback name, so the
// loopback exemption for credentials does not apply). After each run the
// bytes the client sent in clear, and everything the fake server could
// read, must hold no AUTH command, no credential in any encoding, no
// envelope command and no message text; the client must report an error.

const (
	mitmHost     = "mail.example.test"
	mitmUser     = "mitm-user@example.test"
	mitmPassword = "Mitm-Passw0rd!"
	mitmToken    = "ya29.mitm-token-0123456789"
	mitmSubject  = "Subject: mitm harness"
)

// mitmMechanisms are the mechanisms tried against every row, each with the
// credentials above.
var mitmMechanisms = map[string]func() saslmech.Mechanism{
	"PLAIN":         func() saslmech.Mechanism { return saslmech.NewPlain("", mitmUser, mitmPassword) },
	"LOGIN":         func() saslmech.Mechanism { return saslmech.NewLogin(mitmUser, mitmPassword) },
	"CRAM-MD5":      func() saslmech.Mechanism { return saslmech.NewCRAMMD5(mitmUser, mitmPassword) },
	"SCRAM-SHA-256": func() saslmech.Mechanism { return saslmech.NewSCRAMSHA256(mitmUser, mitmPassword) },
	"NTLM":          func() saslmech.Mechanism { return saslmech.NewNTLM(mitmUser, mitmPassword) },
	"XOAUTH2":       func() saslmech.Mechanism { return saslmech.NewXOAUTH2(mitmUser, mitmToken) },
	"OAUTHBEARER":   func() saslmech.Mechanism { return saslmech.NewOAuthBearer(mitmUser, mitmHost, 587, mitmToken) },
}

// forbidden are the byte strings that must never reach the fake server.
func forbidden() []string {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	return []string{
		mitmPassword, mitmToken, b64(mitmUser), b64(mitmPassword),
		b64("\x00" + mitmUser + "\x00" + mitmPassword),
		b64("user=" + mitmUser + "\x01auth=Bearer " + mitmToken + "\x01\x01"),
		"AUTH", "MAIL FROM", "RCPT TO", "DATA", "BDAT", mitmSubject,
	}
}

const preTLS = `S: 220 mail.example.test ESMTP
C: EHLO client.example.test
S: 250-mail.example.test
S: 250-PIPELINING
S: 250-SIZE 1
S: 250-AUTH PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256 NTLM XOAUTH2 OAUTHBEARER
S: 250 STARTTLS
C: STARTTLS
`

// mitmRow is one attack.
type mitmRow struct {
	id, name string
	dialogue string
	// cert chooses the server certificate: "" (valid), "self-signed",
	// "unknown-root", "wrong-host", "expired".
	cert string
	// oldTLS makes the server offer only TLS 1.0 and 1.1.
	oldTLS bool
	// verifies marks rows that only a verifying policy can stop.
	verifies bool
	// offered marks rows where the server does offer STARTTLS and then
	// misbehaves, so opportunistic TLS (May) must stop too.
	offered bool
	// implicit also runs the row with implicit TLS (DialTLS).
	implicit bool
}

var mitmRows = []mitmRow{
	{id: "SEC-01", name: "injection", offered: true,
		dialogue: preTLS + "S: 220 Ready to start TLS\nS: 250-evil\nS: 250 AUTH PLAIN\n"},
	{id: "SEC-02", name: "partial-line", offered: true,
		dialogue: preTLS + "@raw \"220 go ahead\\r\\n250-STARTTLS-FAKE\"\n"},
	{id: "SEC-03", name: "stripped",
		dialogue: "S: 220 mail.example.test ESMTP\nC: EHLO client.example.test\nS: 250-mail.example.test\nS: 250 AUTH PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256 NTLM XOAUTH2 OAUTHBEARER\n"},
	{id: "SEC-04", name: "502",
		dialogue: preTLS + "S: 502 5.5.1 Command not implemented\n"},
	{id: "SEC-05", name: "454",
		dialogue: preTLS + "S: 454 4.7.0 TLS not available due to temporary reason\n"},
	{id: "SEC-06", name: "354", offered: true, dialogue: preTLS + "S: 354 do something else\n"},
	{id: "SEC-06", name: "250", offered: true, dialogue: preTLS + "S: 250 ok\n"},
	{id: "SEC-06", name: "220-multiline", offered: true, dialogue: preTLS + "S: 220-go\nS: 220 ahead\n"},
	{id: "SEC-07", name: "helo-downgrade",
		dialogue: "S: 220 mail.example.test ESMTP\nC: EHLO client.example.test\nS: 500 5.5.1 Command unrecognized\n"},
	{id: "SEC-09", name: "post-tls-ehlo-421", offered: true,
		dialogue: preTLS + "S: 220 go ahead\n@starttls\nC: EHLO client.example.test\nS: 421 4.3.2 shutting down\n@close\n"},
	{id: "SEC-09", name: "post-tls-close", offered: true,
		dialogue: preTLS + "S: 220 go ahead\n@starttls\nC: EHLO client.example.test\n@close\n"},
	{id: "SEC-10", name: "self-signed", cert: "self-signed", verifies: true, implicit: true,
		dialogue: preTLS + "S: 220 go ahead\n@starttls\n"},
	{id: "SEC-11", name: "unknown-root", cert: "unknown-root", verifies: true, implicit: true,
		dialogue: preTLS + "S: 220 go ahead\n@starttls\n"},
	{id: "SEC-11", name: "wrong-host", cert: "wrong-host", verifies: true, implicit: true,
		dialogue: preTLS + "S: 220 go ahead\n@starttls\n"},
	{id: "SEC-11", name: "expired", cert: "expired", verifies: true, implicit: true,
		dialogue: preTLS + "S: 220 go ahead\n@starttls\n"},
	{id: "SEC-12", name: "tls-1.1-only", oldTLS: true, offered: true, implicit: true,
		dialogue: preTLS + "S: 220 go ahead\n@starttls\n"},
}

// implicitDialogue is what a port-465 server says once TLS is up.
const implicitDialogue = `S: 220 mail.example.test ESMTP
C: EHLO client.example.test
S: 250-mail.example.test
S: 250 AUTH PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256 NTLM XOAUTH2 OAUTHBEARER
`

// setup is one way a caller reaches TLS with smtpclient.
type setup struct {
	name     string
	policy   tlsprofile.Policy
	implicit bool
	// run sends one message with m, through dial (which connects to the
	// fake server whatever the address).
	run func(ctx context.Context, o *smtpclient.Options, m saslmech.Mechanism) error
}

func sendOne(ctx context.Context, c *smtpclient.Client, m saslmech.Mechanism) error {
	defer c.Close()
	if err := c.Auth(ctx, m); err != nil {
		return err
	}
	msg := mitmSubject + "\r\n\r\nThis must not leak.\r\n"
	if _, err := c.SendMail(ctx, mitmUser, []string{"bob@example.test"}, strings.NewReader(msg), nil); err != nil {
		return err
	}
	return c.Quit(ctx)
}

func dialSetup(name string, p tlsprofile.Policy) setup {
	return setup{name: name, policy: p, run: func(ctx context.Context, o *smtpclient.Options, m saslmech.Mechanism) error {
		c, err := smtpclient.Dial(ctx, mitmHost+":587", o)
		if err != nil {
			return err
		}
		return sendOne(ctx, c, m)
	}}
}

var setups = []setup{
	dialSetup("Dial/verify", tlsprofile.Verify),
	dialSetup("Dial/encrypt", tlsprofile.Encrypt),
	dialSetup("Dial/may", tlsprofile.May),
	{name: "NewClient/verify", policy: tlsprofile.Verify, run: func(ctx context.Context, o *smtpclient.Options, m saslmech.Mechanism) error {
		conn, err := o.Dialer.DialContext(ctx, "tcp", mitmHost+":587")
		if err != nil {
			return err
		}
		c, err := smtpclient.NewClient(ctx, conn, mitmHost, o)
		if err != nil {
			conn.Close()
			return err
		}
		return sendOne(ctx, c, m)
	}},
	{name: "Pool/verify", policy: tlsprofile.Verify, run: func(ctx context.Context, o *smtpclient.Options, m saslmech.Mechanism) error {
		p := &smtpclient.Pool{Dial: func(ctx context.Context) (*smtpclient.Client, error) {
			c, err := smtpclient.Dial(ctx, mitmHost+":587", o)
			if err != nil {
				return nil, err
			}
			if err := c.Auth(ctx, m); err != nil {
				c.Close()
				return nil, err
			}
			return c, nil
		}}
		defer p.Close(ctx)
		_, err := p.SendMail(ctx, mitmUser, []string{"bob@example.test"}, strings.NewReader(mitmSubject+"\r\n\r\nx\r\n"), nil)
		return err
	}},
	{name: "DialTLS/verify", policy: tlsprofile.Verify, implicit: true, run: func(ctx context.Context, o *smtpclient.Options, m saslmech.Mechanism) error {
		c, err := smtpclient.DialTLS(ctx, mitmHost+":465", o)
		if err != nil {
			return err
		}
		return sendOne(ctx, c, m)
	}},
}

// applies reports whether a setup is one a row must be stopped by.
func (r mitmRow) applies(s setup) bool {
	switch {
	case s.implicit:
		return r.implicit
	case s.policy == tlsprofile.Encrypt:
		return !r.verifies
	case s.policy == tlsprofile.May:
		return r.offered && !r.verifies
	}
	return true
}

// recordingDialer connects every address to the fake server and keeps
// the raw bytes the client writes.
type recordingDialer struct {
	addr string
	mu   sync.Mutex
	raw  bytes.Buffer
}

func (d *recordingDialer) DialContext(ctx context.Context, network, _ string) (net.Conn, error) {
	var nd net.Dialer
	c, err := nd.DialContext(ctx, network, d.addr)
	if err != nil {
		return nil, err
	}
	return &recordingConn{Conn: c, d: d}, nil
}

type recordingConn struct {
	net.Conn
	d *recordingDialer
}

func (c *recordingConn) Write(p []byte) (int, error) {
	c.d.mu.Lock()
	c.d.raw.Write(p)
	c.d.mu.Unlock()
	return c.Conn.Write(p)
}

func (d *recordingDialer) bytes() []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]byte(nil), d.raw.Bytes()...)
}

// TestSTARTTLSMITM plays every row against every setup and mechanism:
// SEC-01, SEC-02, SEC-03, SEC-04, SEC-05, SEC-06, SEC-07, SEC-09, SEC-10,
// SEC-11, SEC-12 and, for implicit TLS, SEC-13 (the first bytes on the
// wire are a TLS ClientHello).
func TestSTARTTLSMITM(t *testing.T) {
	certs := newMITMCerts(t)
	for _, row := range mitmRows {
		for _, s := range setups {
			if !row.applies(s) {
				continue
			}
			for mech, newMech := range mitmMechanisms {
				t.Run(fmt.Sprintf("%s-%s/%s/%s", row.id, row.name, s.name, mech), func(t *testing.T) {
					t.Parallel()
					runMITM(t, row, s, newMech(), certs)
				})
			}
		}
	}
}

func runMITM(t *testing.T, row mitmRow, s setup, m saslmech.Mechanism, certs *mitmCerts) {
	dialogue := row.dialogue
	if s.implicit {
		dialogue = implicitDialogue
	}
	tr, err := replay.Parse(row.id, strings.NewReader(dialogue))
	if err != nil {
		t.Fatal(err)
	}
	srvCfg := &tls.Config{Certificates: []tls.Certificate{certs.get(t, row.cert)}}
	if row.oldTLS {
		srvCfg.MinVersion, srvCfg.MaxVersion = tls.VersionTLS10, tls.VersionTLS11
	}
	srv := &replay.Server{Transcript: tr, TLSConfig: srvCfg, Implicit: s.implicit, ReadTimeout: 3 * time.Second}
	addr, wait, err := replay.Listen(srv)
	if err != nil {
		t.Fatal(err)
	}
	d := &recordingDialer{addr: addr}
	o := &smtpclient.Options{
		LocalName: "client.example.test",
		TLSPolicy: s.policy,
		TLSConfig: &tls.Config{RootCAs: certs.pool},
		Dialer:    d,
		// Short deadlines: a client that waits for the rest of an
		// injected reply gives up quickly.
		GreetingTimeout: 3 * time.Second, CommandTimeout: 3 * time.Second, DataTimeout: 3 * time.Second,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cerr := s.run(ctx, o, m)
	res := wait()
	if cerr == nil {
		t.Errorf("the client reported success")
	}
	checkMITMWire(t, row, res.Wire, d.bytes(), s.implicit)
}

// checkMITMWire asserts what reached the fake server (wire, decrypted) and
// what went out in clear (raw): no forbidden string, no command but EHLO,
// STARTTLS and QUIT, no HELO fallback (SEC-07), and with implicit TLS a
// ClientHello first (SEC-13).
func checkMITMWire(t *testing.T, row mitmRow, wire, raw []byte, implicit bool) {
	t.Helper()
	for _, f := range forbidden() {
		if bytes.Contains(wire, []byte(f)) {
			t.Errorf("the server read %q; everything it read:\n%q", f, wire)
		}
		if !implicit && bytes.Contains(raw, []byte(f)) {
			t.Errorf("%q went out in clear", f)
		}
	}
	for _, line := range strings.Split(strings.TrimSuffix(string(wire), "\r\n"), "\r\n") {
		verb, _, _ := strings.Cut(line, " ")
		switch verb {
		case "", "EHLO", "STARTTLS", "QUIT":
		default:
			t.Errorf("the client sent %q", line)
		}
	}
	if row.id == "SEC-07" && bytes.Contains(wire, []byte("HELO")) {
		t.Errorf("the client fell back to HELO")
	}
	if implicit && (len(raw) < 3 || raw[0] != 0x16 || raw[1] != 0x03) {
		t.Errorf("SEC-13: first bytes in implicit TLS mode are %q, not a TLS ClientHello", raw[:min(len(raw), 8)])
	}
}

// mitmCerts holds a CA the client trusts and the server's certificates.
type mitmCerts struct {
	pool  *x509.CertPool
	mu    sync.Mutex
	certs map[string]tls.Certificate
}

func newMITMCerts(t *testing.T) *mitmCerts {
	now := time.Now()
	ca := newTestCA(t)
	other := newTestCA(t)
	return &mitmCerts{pool: ca.Pool(), certs: map[string]tls.Certificate{
		"":             leaf(t, ca, mitmHost, now.Add(-time.Hour), now.Add(time.Hour)),
		"wrong-host":   leaf(t, ca, "other.example.test", now.Add(-time.Hour), now.Add(time.Hour)),
		"expired":      leaf(t, ca, mitmHost, now.Add(-48*time.Hour), now.Add(-24*time.Hour)),
		"unknown-root": leaf(t, other, mitmHost, now.Add(-time.Hour), now.Add(time.Hour)),
		"self-signed":  selfSigned(t, mitmHost, now.Add(-time.Hour), now.Add(time.Hour)),
	}}
}

func (c *mitmCerts) get(t *testing.T, name string) tls.Certificate {
	c.mu.Lock()
	defer c.mu.Unlock()
	cert, ok := c.certs[name]
	if !ok {
		t.Fatalf("no certificate %q", name)
	}
	return cert
}
