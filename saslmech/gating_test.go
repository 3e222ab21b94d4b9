// SPDX-License-Identifier: Apache-2.0

package saslmech

import (
	"errors"
	"net"
	"net/smtp"
	"strings"
	"testing"
)

func allMechanisms() []Mechanism {
	return []Mechanism{
		NewPlain("", "user", "secret"),
		NewLogin("user", "secret"),
		NewLoginInitialResponse("user", "secret"),
		NewCRAMMD5("user", "secret"),
		NewNTLM(`EXAMPLE\user`, "secret"),
		NewSCRAMSHA1("user", "secret"),
		NewSCRAMSHA256("user", "secret"),
		NewXOAUTH2("user@example.test", "token"),
		NewOAuthBearer("user@example.test", "", 587, "token"),
	}
}

// TestGatingSEC31SEC33 (SEC-31, SEC-33): without TLS to a host that is not
// loopback, every mechanism's Start refuses; the caller's choice for
// challenge-response mechanisms lets CRAM-MD5, NTLM and SCRAM run, while
// PLAIN, LOGIN and the token mechanisms still need their own opt-in.
func TestGatingSEC31SEC33(t *testing.T) {
	plainText := &ServerInfo{Host: "mail.example.test"}
	crOnly := &ServerInfo{Host: "mail.example.test", Insecure: Insecure{ChallengeResponse: true}}
	all := &ServerInfo{Host: "mail.example.test", Insecure: Insecure{RevealSecret: true}}
	loop := []*ServerInfo{{Host: "127.0.0.1"}, {Host: "localhost"}, {Host: "::1"}, {Host: "[::1]"}}
	for _, m := range allMechanisms() {
		if _, err := m.Start(plainText); !errors.Is(err, ErrNoTLS) {
			t.Errorf("%s over plaintext: Start() = %v, want ErrNoTLS", m.Name(), err)
		}
		_, err := m.Start(crOnly)
		if m.Exposure() == ChallengeResponse && err != nil {
			t.Errorf("%s with Insecure.ChallengeResponse: %v", m.Name(), err)
		}
		if m.Exposure() == RevealsSecret && !errors.Is(err, ErrNoTLS) {
			t.Errorf("%s with Insecure.ChallengeResponse only: %v, want ErrNoTLS", m.Name(), err)
		}
		if _, err := m.Start(all); err != nil {
			t.Errorf("%s with Insecure.RevealSecret: %v", m.Name(), err)
		}
		for _, s := range loop {
			if _, err := m.Start(s); err != nil {
				t.Errorf("%s to %s: %v", m.Name(), s.Host, err)
			}
		}
		if _, err := m.Start(nil); !errors.Is(err, ErrNoTLS) {
			t.Errorf("%s with nil ServerInfo: %v, want ErrNoTLS", m.Name(), err)
		}
	}
}

// TestGatingOnTheWireSEC31 (SEC-31): through net/smtp on a connection
// without TLS to mail.example.test, PLAIN fails in Start and no AUTH line
// reaches the server.
func TestGatingOnTheWireSEC31(t *testing.T) {
	for _, m := range allMechanisms() {
		srv, cli := net.Pipe()
		fs := &fakeSMTP{}
		done := make(chan struct{})
		go func() { fs.serve(srv, "PLAIN LOGIN CRAM-MD5 NTLM", plainServer("user", "secret")); close(done) }()
		c, err := smtp.NewClient(cli, "mail.example.test")
		if err != nil {
			t.Fatal(err)
		}
		err = c.Auth(&NetSMTPAuth{Mechanism: m, Host: "mail.example.test"})
		if !errors.Is(err, ErrNoTLS) {
			t.Errorf("%s: Auth() = %v, want ErrNoTLS", m.Name(), err)
		}
		c.Quit()
		<-done
		for _, l := range fs.Lines() {
			if strings.HasPrefix(strings.ToUpper(l), "AUTH") {
				t.Errorf("%s: client sent %q", m.Name(), l)
			}
		}
	}
}

// TestWrongHostSEC32 (SEC-32): credentials bound to smtp.a.test are not
// sent to smtp.b.test, even over TLS.
func TestWrongHostSEC32(t *testing.T) {
	for _, m := range allMechanisms() {
		b := ForHost("smtp.a.test", m)
		ir, err := b.Start(&ServerInfo{Host: "smtp.b.test", TLS: true})
		if !errors.Is(err, ErrWrongHost) || ir != nil {
			t.Errorf("%s: Start(smtp.b.test) = %q, %v, want ErrWrongHost", m.Name(), ir, err)
		}
		for _, h := range []string{"smtp.a.test", "SMTP.A.TEST.", "Smtp.A.test"} {
			if _, err := b.Start(&ServerInfo{Host: h, TLS: true}); err != nil {
				t.Errorf("%s: Start(%s) = %v", m.Name(), h, err)
			}
		}
		if _, ok := m.(Finisher); ok {
			if _, ok := b.(Finisher); !ok {
				t.Errorf("%s: ForHost hides Finisher", m.Name())
			}
		}
	}
	if _, err := ForHost("smtp.a.test", NewPlain("", "u", "p")).Start(nil); !errors.Is(err, ErrWrongHost) {
		t.Errorf("nil ServerInfo: %v, want ErrWrongHost", err)
	}
}

// TestWrongHostNetSMTPSEC32 (SEC-32) through net/smtp: the client connected
// to smtp.b.test never sends AUTH.
func TestWrongHostNetSMTPSEC32(t *testing.T) {
	srv, cli := net.Pipe()
	fs := &fakeSMTP{}
	done := make(chan struct{})
	go func() { fs.serve(srv, "PLAIN", plainServer("user", "secret")); close(done) }()
	c, err := smtp.NewClient(cli, "smtp.b.test")
	if err != nil {
		t.Fatal(err)
	}
	a := &NetSMTPAuth{Mechanism: NewPlain("", "user", "secret"), Host: "smtp.a.test",
		Insecure: Insecure{RevealSecret: true}}
	if err := c.Auth(a); !errors.Is(err, ErrWrongHost) {
		t.Errorf("Auth() = %v, want ErrWrongHost", err)
	}
	c.Quit()
	<-done
	for _, l := range fs.Lines() {
		if strings.HasPrefix(l, "AUTH") {
			t.Errorf("client sent %q", l)
		}
	}
}
