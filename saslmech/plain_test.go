// SPDX-License-Identifier: Apache-2.0

package saslmech

import (
	"errors"
	"testing"
)

// TestPlainRFC4616 checks PLAIN against the published examples of RFC 4616
// section 4 and RFC 4954 section 4.1, byte for byte.
func TestPlainRFC4616(t *testing.T) {
	var v struct {
		Cases []struct {
			Authzid, Authcid, Passwd, Message, B64, Source string
		}
	}
	loadVector(t, "plain.json", &v)
	for _, c := range v.Cases {
		t.Run(c.Source, func(t *testing.T) {
			m := NewPlain(c.Authzid, c.Authcid, c.Passwd)
			ir, err := m.Start(tlsInfo())
			if err != nil {
				t.Fatal(err)
			}
			if string(ir) != c.Message {
				t.Errorf("Start() = %q, want %q", ir, c.Message)
			}
			s := replay(t, "C: AUTH PLAIN "+c.B64, "S: 235 2.7.0 Authentication successful")
			if err := authenticate(NewPlain(c.Authzid, c.Authcid, c.Passwd), tlsInfo(), s.conv); err != nil {
				t.Fatal(err)
			}
			s.done()
		})
	}
}

func TestPlainServer(t *testing.T) {
	tests := []struct {
		name     string
		identity string
		user     string
		pass     string
		wantErr  bool
	}{
		{"right", "", "user@example.test", "secret", false},
		{"authzid", "admin", "user@example.test", "secret", false},
		{"utf8", "", "jürgen", "pässwörd ✓", false},
		{"wrong password", "", "user@example.test", "Secret", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := plainServer("user@example.test", "secret")
			if tt.name == "utf8" {
				srv = plainServer("jürgen", "pässwörd ✓")
			}
			err := authenticate(NewPlain(tt.identity, tt.user, tt.pass), tlsInfo(), srv.conv)
			if (err != nil) != tt.wantErr {
				t.Fatalf("authenticate() = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

// TestPlainNoInitialResponse: a server that answers "AUTH PLAIN" with an
// empty 334 gets the message once; a second empty 334 is an error.
func TestPlainNoInitialResponse(t *testing.T) {
	m := NewPlain("", "tim", "tanstaaftanstaaf")
	if _, err := m.Start(tlsInfo()); err != nil {
		t.Fatal(err)
	}
	got, err := m.Next(nil)
	if err != nil || string(got) != "\x00tim\x00tanstaaftanstaaf" {
		t.Fatalf("Next(empty) = %q, %v", got, err)
	}
	if got, err := m.Next(nil); err == nil || got != nil {
		t.Fatalf("second Next(empty) = %q, %v, want nil and an error", got, err)
	}
}

// TestPlainForbiddenBytes: a NUL in any field is refused by Start, before
// anything is sent.
func TestPlainForbiddenBytes(t *testing.T) {
	tests := []struct {
		identity, user, pass, field string
	}{
		{"a\x00b", "u", "p", "identity"},
		{"", "u\x00", "p", "username"},
		{"", "u", "p\x00q", "password"},
		{"", "", "p", "username"},
		{"", "u", "", "password"},
		{"", "u", "\xff\xfe", "password"},
	}
	for _, tt := range tests {
		srv := plainServer("u", "p")
		err := authenticate(NewPlain(tt.identity, tt.user, tt.pass), tlsInfo(), srv.conv)
		var ce *CredentialError
		if !errors.As(err, &ce) || ce.Field != tt.field || ce.Mechanism != "PLAIN" {
			t.Errorf("NewPlain(%q, %q, %q): err = %v, want CredentialError on %s",
				tt.identity, tt.user, tt.pass, err, tt.field)
		}
		if len(srv.lines) != 0 {
			t.Errorf("client sent %q", srv.lines)
		}
	}
}
