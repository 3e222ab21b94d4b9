// SPDX-License-Identifier: Apache-2.0

package saslmech

import (
	"errors"
	"strings"
	"testing"
)

func TestSelect(t *testing.T) {
	all := []string{"PLAIN", "LOGIN", "CRAM-MD5", "NTLM", "SCRAM-SHA-1", "SCRAM-SHA-256", "XOAUTH2", "OAUTHBEARER"}
	pw := Credentials{Username: "user", Password: "secret"}
	tok := Credentials{Username: "user", Token: "tok"}
	both := Credentials{Username: "user", Password: "secret", Token: "tok"}
	tests := []struct {
		name    string
		offered []string
		c       Credentials
		p       Policy
		want    string
	}{
		{"strongest", all, pw, nil, "SCRAM-SHA-256"},
		{"sha1", []string{"PLAIN", "SCRAM-SHA-1", "LOGIN"}, pw, nil, "SCRAM-SHA-1"},
		{"cram before plain", []string{"PLAIN", "LOGIN", "CRAM-MD5"}, pw, nil, "CRAM-MD5"},
		{"ntlm before plain", []string{"LOGIN", "NTLM", "PLAIN"}, pw, nil, "NTLM"},
		{"plain before login", []string{"LOGIN", "PLAIN"}, pw, nil, "PLAIN"},
		{"lower case offer", []string{"login", "plain"}, pw, nil, "PLAIN"},
		{"token", all, tok, nil, "XOAUTH2"},
		{"oauthbearer", []string{"PLAIN", "OAUTHBEARER"}, tok, nil, "OAUTHBEARER"},
		{"password beats token", all, both, nil, "SCRAM-SHA-256"},
		{"token before plain", []string{"PLAIN", "XOAUTH2"}, both, nil, "XOAUTH2"},
		{"classic", all, pw, ClassicOrder, "CRAM-MD5"},
		{"classic ntlm", []string{"PLAIN", "NTLM", "LOGIN"}, pw, ClassicOrder, "NTLM"},
		{"classic login", []string{"PLAIN", "LOGIN", "SCRAM-SHA-256"}, pw, ClassicOrder, "LOGIN"},
		{"own policy", all, pw, Policy{"login", "PLAIN"}, "LOGIN"},
	}
	for _, tt := range tests {
		s := &ServerInfo{Host: "mail.example.test", TLS: true, Mechanisms: tt.offered}
		m, err := Select(s, tt.c, tt.p)
		if err != nil || m.Name() != tt.want {
			t.Errorf("%s: Select(%v) = %v, %v, want %s", tt.name, tt.offered, m, err, tt.want)
		}
	}
}

func TestSelectErrors(t *testing.T) {
	tls := func(offered ...string) *ServerInfo {
		return &ServerInfo{Host: "mail.example.test", TLS: true, Mechanisms: offered}
	}
	pw := Credentials{Username: "user", Password: "secret"}
	if _, err := Select(tls("PLAIN"), pw, ClassicOrder); !errors.Is(err, ErrNoMechanism) {
		t.Errorf("classic policy, PLAIN only: %v, want ErrNoMechanism", err)
	}
	if _, err := Select(tls("XOAUTH2"), pw, nil); !errors.Is(err, ErrNoMechanism) {
		t.Errorf("token mechanism without token: %v, want ErrNoMechanism", err)
	}
	if _, err := Select(tls(), pw, nil); !errors.Is(err, ErrNoMechanism) {
		t.Errorf("nothing offered: %v, want ErrNoMechanism", err)
	}
	// A NUL is an error, not a reason to fall back to LOGIN.
	_, err := Select(tls("PLAIN", "LOGIN"), Credentials{Username: "u", Password: "p\x00"}, nil)
	var ce *CredentialError
	if !errors.As(err, &ce) || ce.Mechanism != "PLAIN" {
		t.Errorf("NUL in password: %v, want CredentialError from PLAIN", err)
	}
	// Without TLS, PLAIN is skipped with the reason kept; SCRAM runs with
	// the challenge-response opt-in.
	plain := &ServerInfo{Host: "mail.example.test", Mechanisms: []string{"PLAIN", "LOGIN"}}
	if _, err := Select(plain, pw, nil); !errors.Is(err, ErrNoTLS) || !strings.Contains(err.Error(), "PLAIN") {
		t.Errorf("PLAIN without TLS: %v, want ErrNoTLS naming PLAIN", err)
	}
	mixed := &ServerInfo{Host: "mail.example.test", Mechanisms: []string{"PLAIN", "SCRAM-SHA-1"},
		Insecure: Insecure{ChallengeResponse: true}}
	if m, err := Select(mixed, pw, nil); err != nil || m.Name() != "SCRAM-SHA-1" {
		t.Errorf("SCRAM with opt-in: %v, %v", m, err)
	}
}
