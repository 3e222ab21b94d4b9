// SPDX-License-Identifier: Apache-2.0

package saslmech

import (
	"errors"
	"strings"
	"testing"
)

// TestControlBytesSEC16 (SEC-16): a NUL, ^A, tab, CR, LF or DEL in a
// username or authorization identity is refused by every mechanism before
// anything is sent, with an error that names the field and not the value.
func TestControlBytesSEC16(t *testing.T) {
	type build func(v string) Mechanism
	fields := []struct {
		field string
		mk    build
	}{
		{"username", func(v string) Mechanism { return NewPlain("", v, "secret") }},
		{"identity", func(v string) Mechanism { return NewPlain(v, "user", "secret") }},
		{"username", func(v string) Mechanism { return NewLogin(v, "secret") }},
		{"username", func(v string) Mechanism { return NewLoginInitialResponse(v, "secret") }},
		{"username", func(v string) Mechanism { return NewCRAMMD5(v, "secret") }},
		{"username", func(v string) Mechanism { return NewNTLM(v, "secret") }},
		{"username", func(v string) Mechanism { return NewSCRAMSHA1(v, "secret") }},
		{"username", func(v string) Mechanism { return NewSCRAMSHA256(v, "secret") }},
		{"identity", func(v string) Mechanism {
			return &SCRAM{Username: "user", Password: "secret", Identity: v}
		}},
		{"username", func(v string) Mechanism { return NewXOAUTH2(v, "token") }},
		{"username", func(v string) Mechanism { return NewOAuthBearer(v, "", 587, "token") }},
	}
	for _, f := range fields {
		for _, c := range []string{"\x00", "\x01", "\t", "\r", "\n", "\r\n", "\x1f", "\x7f"} {
			value := "victim" + c + "name"
			m := f.mk(value)
			sent := 0
			conv := func(string) (int, string, error) { sent++; return 535, "", nil }
			err := authenticate(m, tlsInfo(), conv)
			var ce *CredentialError
			if !errors.As(err, &ce) || ce.Field != f.field || ce.Mechanism != m.Name() {
				t.Errorf("%s %s %q: err = %v, want CredentialError on %s",
					m.Name(), f.field, value, err, f.field)
				continue
			}
			if strings.Contains(err.Error(), "victim") {
				t.Errorf("%s: error %q shows the value", m.Name(), err)
			}
			if sent != 0 {
				t.Errorf("%s %s %q: %d lines sent", m.Name(), f.field, value, sent)
			}
		}
	}
}

// TestControlBytesSelectSEC16 (SEC-16): Select reports the bad username
// rather than falling back to a mechanism that would carry it.
func TestControlBytesSelectSEC16(t *testing.T) {
	s := tlsInfo()
	s.Mechanisms = []string{"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256"}
	_, err := Select(s, Credentials{Username: "user\r\nRSET", Password: "secret"}, nil)
	var ce *CredentialError
	if !errors.As(err, &ce) || ce.Mechanism != "SCRAM-SHA-256" || ce.Field != "username" {
		t.Fatalf("Select with a CR LF in the username: %v, want CredentialError", err)
	}
}
