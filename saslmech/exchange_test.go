// SPDX-License-Identifier: Apache-2.0

package saslmech

import (
	"crypto"
	"errors"
	"net"
	"net/smtp"
	"testing"
)

// TestSCRAMServer runs both SCRAM variants against the fake server that
// checks the proof, with right and wrong passwords, and against a server
// whose signature is wrong.
func TestSCRAMServer(t *testing.T) {
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256} {
		ok := &SCRAM{Hash: h, Username: "user@example.test", Password: "secret"}
		if err := authenticate(ok, tlsInfo(), scramServer(h, "user@example.test", "secret", false).conv); err != nil {
			t.Errorf("%s: %v", ok.Name(), err)
		}
		bad := &SCRAM{Hash: h, Username: "user@example.test", Password: "wrong"}
		if err := authenticate(bad, tlsInfo(), scramServer(h, "user@example.test", "secret", false).conv); err == nil {
			t.Errorf("%s: wrong password accepted", bad.Name())
		}
		m := &SCRAM{Hash: h, Username: "user@example.test", Password: "secret"}
		srv := scramServer(h, "user@example.test", "secret", true)
		if err := authenticate(m, tlsInfo(), srv.conv); !errors.Is(err, ErrServerSignature) {
			t.Errorf("%s: evil server: %v, want ErrServerSignature", m.Name(), err)
		}
		if !srv.cancel {
			t.Errorf("%s: evil server: exchange not cancelled", m.Name())
		}
	}
}

func TestTokenServer(t *testing.T) {
	for _, name := range []string{"XOAUTH2", "OAUTHBEARER"} {
		mk := func(tok string) Mechanism {
			if name == "XOAUTH2" {
				return NewXOAUTH2("user@example.test", tok)
			}
			return NewOAuthBearer("user@example.test", "", 587, tok)
		}
		if err := authenticate(mk("good"), tlsInfo(), tokenServer(name, "user@example.test", "good").conv); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		srv := tokenServer(name, "user@example.test", "good")
		err := authenticate(mk("expired"), tlsInfo(), srv.conv)
		var oe *OAuthError
		if !errors.As(err, &oe) || oe.Status != "401" || oe.Scope != "mail" || oe.Schemes != "bearer" {
			t.Errorf("%s: expired token: %v, want OAuthError 401", name, err)
		}
		if len(srv.lines) != 2 || srv.cancel {
			t.Errorf("%s: lines %q, want AUTH and one closing response", name, srv.lines)
		}
	}
}

// TestNetSMTPAuth drives every password and token mechanism through the
// standard library's net/smtp client against the fake servers.
func TestNetSMTPAuth(t *testing.T) {
	tests := []struct {
		m    Mechanism
		srv  *fake
		want error
	}{
		{NewPlain("", "user", "secret"), plainServer("user", "secret"), nil},
		{NewLogin("user", "secret"), loginServer("user", "secret", []byte("Username:"), []byte("Password:")), nil},
		{NewCRAMMD5("user", "secret"), cramServer("user", "secret", "<1.2@localhost>"), nil},
		{NewSCRAMSHA256("user", "secret"), scramServer(crypto.SHA256, "user", "secret", false), nil},
		{NewSCRAMSHA1("user", "secret"), scramServer(crypto.SHA1, "user", "secret", true), ErrServerSignature},
		{NewNTLM(`EXAMPLE\user`, "secret"), ntlmServer(map[string]string{`EXAMPLE\user`: "secret"}), nil},
		{NewXOAUTH2("user", "tok"), tokenServer("XOAUTH2", "user", "tok"), nil},
		{NewOAuthBearer("user", "", 25, "tok"), tokenServer("OAUTHBEARER", "user", "tok"), nil},
	}
	for _, tt := range tests {
		srv, cli := net.Pipe()
		fs := &fakeSMTP{}
		done := make(chan struct{})
		go func() { fs.serve(srv, tt.m.Name(), tt.srv); close(done) }()
		c, err := smtp.NewClient(cli, "localhost")
		if err != nil {
			t.Fatal(err)
		}
		err = c.Auth(&NetSMTPAuth{Mechanism: tt.m, Host: "localhost"})
		if (tt.want == nil && err != nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%s: Auth() = %v, want %v", tt.m.Name(), err, tt.want)
		}
		c.Close()
		<-done
	}
}

// TestNetSMTPAuthOAuthError: net/smtp reports the 535 itself; Err holds
// the typed error.
func TestNetSMTPAuthOAuthError(t *testing.T) {
	srv, cli := net.Pipe()
	fs := &fakeSMTP{}
	done := make(chan struct{})
	go func() { fs.serve(srv, "XOAUTH2", tokenServer("XOAUTH2", "user", "good")); close(done) }()
	c, err := smtp.NewClient(cli, "localhost")
	if err != nil {
		t.Fatal(err)
	}
	a := &NetSMTPAuth{Mechanism: NewXOAUTH2("user", "expired"), Host: "localhost"}
	if err := c.Auth(a); err == nil {
		t.Fatal("expired token accepted")
	}
	var oe *OAuthError
	if !errors.As(a.Err(), &oe) || oe.Status != "401" {
		t.Errorf("Err() = %v, want OAuthError 401", a.Err())
	}
	c.Close()
	<-done
	if l := fs.Lines(); len(l) < 3 || l[2] != "" {
		t.Errorf("client lines %q, want EHLO, AUTH, then an empty line", l)
	}
}
