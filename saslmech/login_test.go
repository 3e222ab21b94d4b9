// SPDX-License-Identifier: Apache-2.0

package saslmech

import (
	"errors"
	"testing"
)

// TestLoginDraft replays the LOGIN example of draft-murchison-sasl-login
// (challenges "User Name\0" and "Password\0") and its initial-response
// variant, byte for byte.
func TestLoginDraft(t *testing.T) {
	var v struct {
		ExampleSMTP            []string `json:"example_smtp"`
		InitialResponseVariant []string `json:"initial_response_variant"`
	}
	loadVector(t, "login.json", &v)
	// The vector's transcript starts at the greeting; the exchange starts
	// at the AUTH command.
	s := replay(t, v.ExampleSMTP[4:]...)
	if err := authenticate(NewLogin("tim", "tanstaaftanstaaf"), tlsInfo(), s.conv); err != nil {
		t.Fatal(err)
	}
	s.done()

	s = replay(t, v.InitialResponseVariant...)
	m := NewLoginInitialResponse("tim", "tanstaaftanstaaf")
	if err := authenticate(m, tlsInfo(), s.conv); err != nil {
		t.Fatal(err)
	}
	s.done()
}

// TestLoginPromptsIgnoredCASE13 (CASE-13): whatever the prompts say, in
// whatever case, even nothing, the first is answered with the username and
// the second with the password.
func TestLoginPromptsIgnoredCASE13(t *testing.T) {
	prompts := []struct{ user, pass string }{
		{"Username:", "Password:"},
		{"username:", "password:"},
		{"User Name\x00", "Password\x00"},
		{"", ""},
		{"Password:", "Username:"}, // swapped: still never examined
		{"\xff\x00garbage", "Benutzername"},
	}
	for _, p := range prompts {
		for _, ir := range []bool{false, true} {
			srv := loginServer("user@example.test", "secret", []byte(p.user), []byte(p.pass))
			m := NewLogin("user@example.test", "secret")
			if ir {
				m = NewLoginInitialResponse("user@example.test", "secret")
			}
			if err := authenticate(m, tlsInfo(), srv.conv); err != nil {
				t.Errorf("prompts %q/%q, initial response %v: %v", p.user, p.pass, ir, err)
			}
		}
	}
}

func TestLoginCASE13Transcript(t *testing.T) {
	// The CASE-13 wire form, lower-case prompts.
	s := replay(t,
		"C: AUTH LOGIN",
		"S: 334 dXNlcm5hbWU6",
		"C: dXNlckBleGFtcGxlLnRlc3Q=",
		"S: 334 cGFzc3dvcmQ6",
		"C: c2VjcmV0",
		"S: 235 2.7.0 Authentication successful")
	if err := authenticate(NewLogin("user@example.test", "secret"), tlsInfo(), s.conv); err != nil {
		t.Fatal(err)
	}
	s.done()
}

func TestLoginWrongPassword(t *testing.T) {
	srv := loginServer("user@example.test", "secret", []byte("Username:"), []byte("Password:"))
	err := authenticate(NewLogin("user@example.test", "wrong"), tlsInfo(), srv.conv)
	if err == nil {
		t.Fatal("wrong password accepted")
	}
}

func TestLoginThirdChallenge(t *testing.T) {
	m := NewLogin("u", "p")
	if _, err := m.Start(tlsInfo()); err != nil {
		t.Fatal(err)
	}
	m.Next(nil)
	m.Next(nil)
	if got, err := m.Next(nil); err == nil || got != nil {
		t.Fatalf("third Next() = %q, %v, want nil and an error", got, err)
	}
}

func TestLoginForbiddenBytes(t *testing.T) {
	for _, c := range []struct{ user, pass, field string }{
		{"u\x00", "p", "username"},
		{"u", "p\x00", "password"},
		{"", "p", "username"},
	} {
		_, err := NewLogin(c.user, c.pass).Start(tlsInfo())
		var ce *CredentialError
		if !errors.As(err, &ce) || ce.Field != c.field {
			t.Errorf("NewLogin(%q, %q).Start() = %v, want CredentialError on %s", c.user, c.pass, err, c.field)
		}
	}
}
