// SPDX-License-Identifier: Apache-2.0

package saslmech

import (
	"crypto"
	"errors"
	"fmt"
	"testing"
)

// saslClient is the client interface of github.com/emersion/go-sasl,
// written out here so that this module does not import it.
type saslClient interface {
	Start() (mech string, ir []byte, err error)
	Next(challenge []byte) (response []byte, err error)
}

var _ saslClient = (*Client)(nil)

// saslAuth drives c the way go-smtp's Client.Auth does: AUTH with the
// initial response, Next for every 334, "*" when Next fails, and the final
// reply as the result. It knows nothing of Finish or Err.
func saslAuth(c saslClient, cv conv) error {
	mech, ir, err := c.Start()
	if err != nil {
		return err
	}
	line := "AUTH " + mech
	if ir != nil {
		line += " " + encodeResponse(ir)
	}
	code, text, err := cv(line)
	for err == nil && code == 334 {
		ch, derr := b64.DecodeString(text)
		if derr != nil {
			return derr
		}
		resp, nerr := c.Next(ch)
		if nerr != nil {
			cv("*")
			return nerr
		}
		code, text, err = cv(b64.EncodeToString(resp))
	}
	if err == nil && code != 235 {
		err = fmt.Errorf("server: %d %s", code, text)
	}
	return err
}

// TestClientGoSASL runs every mechanism through the go-sasl adapter against
// the fake servers.
func TestClientGoSASL(t *testing.T) {
	tests := []struct {
		m   Mechanism
		srv *fake
	}{
		{NewPlain("", "user", "secret"), plainServer("user", "secret")},
		{NewLogin("user", "secret"), loginServer("user", "secret", []byte("Username:"), []byte("Password:"))},
		{NewCRAMMD5("user", "secret"), cramServer("user", "secret", "<1.2@localhost>")},
		{NewSCRAMSHA1("user", "secret"), scramServer(crypto.SHA1, "user", "secret", false)},
		{NewSCRAMSHA256("user", "secret"), scramServer(crypto.SHA256, "user", "secret", false)},
		{NewNTLM(`EXAMPLE\user`, "secret"), ntlmServer(map[string]string{`EXAMPLE\user`: "secret"})},
		{NewXOAUTH2("user", "tok"), tokenServer("XOAUTH2", "user", "tok")},
		{NewOAuthBearer("user", "", 25, "tok"), tokenServer("OAUTHBEARER", "user", "tok")},
	}
	for _, tt := range tests {
		c := &Client{Mechanism: tt.m, Server: *tlsInfo()}
		if err := saslAuth(c, tt.srv.conv); err != nil {
			t.Errorf("%s: %v", tt.m.Name(), err)
			continue
		}
		if err := c.Finish(); err != nil {
			t.Errorf("%s: Finish() = %v", tt.m.Name(), err)
		}
	}
}

// TestClientGoSASLGated (SEC-31, SEC-33): the adapter's Start refuses on a
// connection without TLS, so the client library sends nothing.
func TestClientGoSASLGated(t *testing.T) {
	for _, m := range allMechanisms() {
		srv := plainServer("user", "secret")
		c := &Client{Mechanism: m, Server: ServerInfo{Host: "mail.example.test"}}
		if err := saslAuth(c, srv.conv); !errors.Is(err, ErrNoTLS) || len(srv.lines) != 0 {
			t.Errorf("%s without TLS: %v, lines %q; want ErrNoTLS and nothing sent", m.Name(), err, srv.lines)
		}
	}
	if _, _, err := (&Client{}).Start(); err == nil {
		t.Error("Client without a Mechanism started")
	}
}

// TestClientGoSASLServerSignature: a SCRAM server with a wrong signature
// is refused in Next; one that skips its final message and says 235 is
// caught by Finish.
func TestClientGoSASLServerSignature(t *testing.T) {
	c := &Client{Mechanism: NewSCRAMSHA256("user", "secret"), Server: *tlsInfo()}
	srv := scramServer(crypto.SHA256, "user", "secret", true)
	if err := saslAuth(c, srv.conv); !errors.Is(err, ErrServerSignature) || !srv.cancel {
		t.Errorf("evil server: %v (cancelled %v), want ErrServerSignature", err, srv.cancel)
	}

	c = &Client{Mechanism: NewSCRAMSHA256("user", "secret"), Server: *tlsInfo()}
	early := func(string) (int, string, error) { return 235, "2.7.0 Authentication successful", nil }
	if err := saslAuth(c, early); err != nil {
		t.Fatal(err)
	}
	if err := c.Finish(); !errors.Is(err, ErrServerSignature) {
		t.Errorf("235 without server-final: Finish() = %v, want ErrServerSignature", err)
	}
}

// TestClientGoSASLTokenErrorCASE14 (CASE-14, SEC-36): through the adapter
// the error challenge is answered with the empty response, the library
// sees the 535, and Err holds the decoded status.
func TestClientGoSASLTokenErrorCASE14(t *testing.T) {
	srv := tokenServer("XOAUTH2", "user", "good")
	c := &Client{Mechanism: NewXOAUTH2("user", "expired"), Server: *tlsInfo()}
	err := saslAuth(c, srv.conv)
	var oe *OAuthError
	if err == nil || !errors.As(c.Err(), &oe) || oe.Status != "401" {
		t.Fatalf("expired token: Auth = %v, Err() = %v; want a 535 and OAuthError 401", err, c.Err())
	}
	if len(srv.lines) != 2 || srv.lines[1] != "" || srv.cancel {
		t.Errorf("lines %q, want AUTH and one empty line", srv.lines)
	}
	if !errors.As(c.Finish(), &oe) {
		t.Errorf("Finish() = %v, want the OAuthError", c.Finish())
	}
	if _, err := c.Next([]byte(`{"status":"401"}`)); err == nil {
		t.Error("a second error challenge was answered")
	}
}
