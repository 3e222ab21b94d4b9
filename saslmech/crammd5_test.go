// SPDX-License-Identifier: Apache-2.0

package saslmech

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"testing"
)

// TestCRAMMD5RFC2195 replays the RFC 2195 section 2 example in SMTP framing,
// byte for byte.
func TestCRAMMD5RFC2195(t *testing.T) {
	var v struct {
		User, Secret, Challenge string
		ChallengeB64            string `json:"challenge_b64"`
		ResponsePlain           string `json:"response_plain"`
		ResponseB64             string `json:"response_b64"`
	}
	loadVector(t, "cram-md5.json", &v)
	s := replay(t,
		"C: AUTH CRAM-MD5",
		"S: 334 "+v.ChallengeB64,
		"C: "+v.ResponseB64,
		"S: 235 2.7.0 Authentication successful")
	if err := authenticate(NewCRAMMD5(v.User, v.Secret), tlsInfo(), s.conv); err != nil {
		t.Fatal(err)
	}
	s.done()

	m := NewCRAMMD5(v.User, v.Secret)
	m.Start(tlsInfo())
	got, err := m.Next([]byte(v.Challenge))
	if err != nil || string(got) != v.ResponsePlain {
		t.Fatalf("Next(%q) = %q, %v, want %q", v.Challenge, got, err, v.ResponsePlain)
	}
}

func TestCRAMMD5Server(t *testing.T) {
	const ch = "<4711.1700000000@mail.example.test>"
	tests := []struct {
		user, secret string
		wantErr      bool
	}{
		{"user@example.test", "secret", false},
		{"user name with spaces", "secret", false},
		{"user@example.test", "wrong", true},
	}
	for _, tt := range tests {
		srv := cramServer(tt.user, "secret", ch)
		err := authenticate(NewCRAMMD5(tt.user, tt.secret), tlsInfo(), srv.conv)
		if (err != nil) != tt.wantErr {
			t.Errorf("user %q secret %q: %v, want error %v", tt.user, tt.secret, err, tt.wantErr)
		}
	}
}

func TestCRAMMD5BadChallenges(t *testing.T) {
	m := NewCRAMMD5("u", "p")
	m.Start(tlsInfo())
	if got, err := m.Next(nil); err == nil || got != nil {
		t.Errorf("Next(empty) = %q, %v, want nil and an error", got, err)
	}
	m.Start(tlsInfo())
	m.Next([]byte("<1@x>"))
	if got, err := m.Next([]byte("<2@x>")); err == nil || got != nil {
		t.Errorf("second Next() = %q, %v, want nil and an error", got, err)
	}
	_, err := NewCRAMMD5("u\x00", "p").Start(tlsInfo())
	var ce *CredentialError
	if !errors.As(err, &ce) {
		t.Errorf("NUL in username: %v, want CredentialError", err)
	}
}

// FuzzCRAMMD5Challenge: for any challenge the answer is the username, a
// space and 32 lower-case hex digits that are the HMAC-MD5 of exactly that
// challenge, or an error with no response for an empty challenge.
func FuzzCRAMMD5Challenge(f *testing.F) {
	f.Add([]byte("<1896.697170952@postoffice.reston.mci.net>"))
	f.Add([]byte{})
	f.Add([]byte("\x00\xff"))
	f.Fuzz(func(t *testing.T, ch []byte) {
		m := NewCRAMMD5("tim", "tanstaaftanstaaf")
		if _, err := m.Start(tlsInfo()); err != nil {
			t.Fatal(err)
		}
		got, err := m.Next(ch)
		if len(ch) == 0 {
			if err == nil || got != nil {
				t.Fatalf("Next(empty) = %q, %v", got, err)
			}
			return
		}
		digest, ok := bytes.CutPrefix(got, []byte("tim "))
		if err != nil || !ok || len(digest) != 32 {
			t.Fatalf("Next(%q) = %q, %v", ch, got, err)
		}
		mac := hmac.New(md5.New, []byte("tanstaaftanstaaf"))
		mac.Write(ch)
		if want := hex.EncodeToString(mac.Sum(nil)); string(digest) != want {
			t.Fatalf("Next(%q) digest = %q, want %q", ch, digest, want)
		}
	})
}
