// SPDX-License-Identifier: Apache-2.0

package saslmech

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestXOAUTH2Google checks the XOAUTH2 string against Google's published
// example, byte for byte, and replays its SMTP form.
func TestXOAUTH2Google(t *testing.T) {
	var v struct {
		Example struct {
			User    string
			Token   string `json:"access_token"`
			Decoded string
			B64     string
		}
		SMTP []string `json:"smtp_transcript_shape"`
	}
	loadVector(t, "xoauth2.json", &v)
	m := NewXOAUTH2(v.Example.User, v.Example.Token)
	ir, err := m.Start(tlsInfo())
	if err != nil || string(ir) != v.Example.Decoded {
		t.Fatalf("Start() = %q, %v, want %q", ir, err, v.Example.Decoded)
	}
	s := replay(t, v.SMTP...)
	if err := authenticate(NewXOAUTH2(v.Example.User, v.Example.Token), tlsInfo(), s.conv); err != nil {
		t.Fatal(err)
	}
	s.done()
}

// TestXOAUTH2ErrorCASE14 (CASE-14 input A, SEC-36): the error challenge is
// answered with one empty line, the 535 is read, the caller gets an
// *OAuthError with the decoded status, and the token is not sent again.
func TestXOAUTH2ErrorCASE14(t *testing.T) {
	s := replay(t,
		"C: AUTH XOAUTH2 dXNlcj11c2VyQGV4YW1wbGUuY29tAWF1dGg9QmVhcmVyIHlhMjkuRVhBTVBMRQEB",
		"S: 334 eyJzdGF0dXMiOiI0MDAiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZXhhbXBsZS5jb20vIn0=",
		"C: ",
		"S: 535 5.7.8 Username and Password not accepted.")
	err := authenticate(NewXOAUTH2("user@example.com", "ya29.EXAMPLE"), tlsInfo(), s.conv)
	var oe *OAuthError
	if !errors.As(err, &oe) {
		t.Fatalf("authenticate() = %v, want *OAuthError", err)
	}
	want := OAuthError{Mechanism: "XOAUTH2", Status: "400", Schemes: "Bearer",
		Scope: "https://mail.example.com/"}
	if oe.Mechanism != want.Mechanism || oe.Status != want.Status ||
		oe.Schemes != want.Schemes || oe.Scope != want.Scope {
		t.Errorf("OAuthError = %+v, want %+v", *oe, want)
	}
	s.done()
	for _, l := range s.sent[1:] {
		if strings.Contains(l, "eWEyOS") || l != "" {
			t.Errorf("client sent %q after the error challenge", l)
		}
	}
}

// TestXOAUTH2EmptyChallengeCASE14B (CASE-14 input B): a 334 without text
// after an AUTH XOAUTH2 that carried no initial response is the cue to send
// the XOAUTH2 string.
func TestXOAUTH2EmptyChallengeCASE14B(t *testing.T) {
	m := NewXOAUTH2("user@example.com", "ya29.EXAMPLE")
	ir, err := m.Start(tlsInfo())
	if err != nil {
		t.Fatal(err)
	}
	// A client that keeps the initial response for the 334 sends
	// "AUTH XOAUTH2" alone.
	got, err := m.Next(nil)
	if err != nil || !bytes.Equal(got, ir) {
		t.Fatalf("Next(empty) = %q, %v, want %q", got, err, ir)
	}
}

// TestOAuthBearerSEC36: after the error challenge, a server that keeps
// challenging gets a cancel, never the token again.
func TestOAuthBearerSEC36(t *testing.T) {
	for _, m := range []Mechanism{
		NewXOAUTH2("u@example.com", "tok-SECRET"),
		NewOAuthBearer("u@example.com", "mail.example.test", 587, "tok-SECRET"),
	} {
		errJSON := []byte(`{"status":"401","schemes":"bearer","scope":"mail"}`)
		f := &fake{mech: m.Name()}
		loop := func([]byte, bool) (int, []byte) { return 334, errJSON }
		f.steps = []func([]byte, bool) (int, []byte){loop, loop, loop, loop}
		err := authenticate(m, tlsInfo(), f.conv)
		var oe *OAuthError
		if !errors.As(err, &oe) || oe.Status != "401" {
			t.Errorf("%s: %v, want OAuthError status 401", m.Name(), err)
		}
		if len(f.lines) != 2 {
			t.Errorf("%s: client sent %q, want the AUTH line and one response", m.Name(), f.lines)
		}
		for _, l := range f.lines[1:] {
			d, _ := b64.DecodeString(l)
			if bytes.Contains(d, []byte("SECRET")) {
				t.Errorf("%s: token resent in %q", m.Name(), l)
			}
		}
		if _, err := m.Next(errJSON); err == nil {
			t.Errorf("%s: Next after the error response succeeded", m.Name())
		}
	}
}

// TestOAuthBearerRFC7628 checks the RFC 7628 section 4.1 SMTP example byte
// for byte, and the section 4.3 error flow (the client answers ^A).
func TestOAuthBearerRFC7628(t *testing.T) {
	var v struct {
		Cases []struct {
			Name, B64, Decoded  string
			ServerErrorB64      string `json:"server_error_b64"`
			ServerErrorJSON     string `json:"server_error_json"`
			ClientDummyResponse string `json:"client_dummy_response_b64"`
		}
		Encoder struct {
			Inputs struct{ Authzid, Host, Port, Token string }
			B64    string `json:"expected_b64"`
		} `json:"encoder_check"`
	}
	loadVector(t, "oauthbearer.json", &v)
	in := v.Encoder.Inputs
	if in.Port != "587" {
		t.Fatalf("vector port %q", in.Port)
	}
	s := replay(t, "C: AUTH OAUTHBEARER "+v.Encoder.B64, "S: 235 Authentication successful.")
	if err := authenticate(NewOAuthBearer(in.Authzid, in.Host, 587, in.Token), tlsInfo(), s.conv); err != nil {
		t.Fatal(err)
	}
	s.done()

	c := v.Cases[2] // 4.3 failed exchange
	if !strings.HasPrefix(c.Name, "4.3") {
		t.Fatalf("case order changed: %q", c.Name)
	}
	m := NewOAuthBearer("user@example.com", "server.example.com", 143, "tok")
	m.Start(tlsInfo())
	got, err := m.Next([]byte(c.ServerErrorJSON))
	if b64.EncodeToString(got) != c.ClientDummyResponse {
		t.Errorf("error response = %q, want base64 %q", got, c.ClientDummyResponse)
	}
	var oe *OAuthError
	if !errors.As(err, &oe) || oe.Status != "invalid_token" || oe.Scope != "example_scope" ||
		oe.OpenIDConfiguration != "https://example.com/.well-known/openid-config" {
		t.Errorf("Next(error) err = %#v", err)
	}
}

func TestOAuthBearerHostFromServerInfo(t *testing.T) {
	m := NewOAuthBearer("", "", 0, "tok")
	got, err := m.Start(tlsInfo())
	if want := "n,,\x01host=mail.example.test\x01auth=Bearer tok\x01\x01"; err != nil || string(got) != want {
		t.Fatalf("Start() = %q, %v, want %q", got, err, want)
	}
}

func TestTokenCredentials(t *testing.T) {
	tests := []struct {
		m     Mechanism
		field string
	}{
		{NewXOAUTH2("u\x01", "t"), "username"},
		{NewXOAUTH2("", "t"), "username"},
		{NewXOAUTH2("u", ""), "token"},
		{NewXOAUTH2("u", "a b"), "token"},
		{NewXOAUTH2("u", "t\x01"), "token"},
		{NewOAuthBearer("u\x01", "h", 1, "t"), "username"},
		{NewOAuthBearer("u", "h\x01", 1, "t"), "host"},
		{NewOAuthBearer("u", "h", 70000, "t"), "port"},
		{NewOAuthBearer("u", "h", 1, "t\r\n"), "token"},
	}
	for _, tt := range tests {
		_, err := tt.m.Start(tlsInfo())
		var ce *CredentialError
		if !errors.As(err, &ce) || ce.Field != tt.field {
			t.Errorf("%s: Start() = %v, want CredentialError on %s", tt.m.Name(), err, tt.field)
		}
	}
}

func TestOAuthErrorText(t *testing.T) {
	e := parseOAuthError("XOAUTH2", []byte(`{"status":401,"schemes":"bearer","scope":"mail"}`))
	want := `saslmech: XOAUTH2: token rejected: status 401, schemes "bearer", scope "mail"`
	if e.Error() != want {
		t.Errorf("Error() = %q, want %q", e.Error(), want)
	}
	if e := parseOAuthError("XOAUTH2", []byte("not json")); e.Status != "" || string(e.Challenge) != "not json" {
		t.Errorf("non-JSON challenge: %+v", e)
	}
}

// FuzzOAuthErrorChallenge: whatever the server sends as a non-empty
// challenge, XOAUTH2 answers with an empty response and OAUTHBEARER with a
// single ^A, both with an *OAuthError whose Status is the JSON "status"
// string when there is one; the token never appears in the response.
func FuzzOAuthErrorChallenge(f *testing.F) {
	f.Add([]byte(`{"status":"400","schemes":"Bearer","scope":"https://mail.example.com/"}`))
	f.Add([]byte(`{"status":"invalid_token","scope":"example_scope"}`))
	f.Add([]byte(`{"status":401}`))
	f.Add([]byte(`[1,2]`))
	f.Add([]byte("\x00"))
	f.Fuzz(func(t *testing.T, ch []byte) {
		if len(ch) == 0 {
			return
		}
		var obj map[string]any
		_ = json.Unmarshal(ch, &obj)
		wantStatus, isString := obj["status"].(string)
		for _, c := range []struct {
			m    Mechanism
			want string
		}{
			{NewXOAUTH2("u@example.com", "TOKEN"), ""},
			{NewOAuthBearer("u@example.com", "h", 587, "TOKEN"), "\x01"},
		} {
			if _, err := c.m.Start(tlsInfo()); err != nil {
				t.Fatal(err)
			}
			got, err := c.m.Next(ch)
			if got == nil || string(got) != c.want {
				t.Fatalf("%s: Next(%q) response = %q, want %q", c.m.Name(), ch, got, c.want)
			}
			var oe *OAuthError
			if !errors.As(err, &oe) || !bytes.Equal(oe.Challenge, ch) {
				t.Fatalf("%s: Next(%q) err = %v, want *OAuthError", c.m.Name(), ch, err)
			}
			if isString && oe.Status != wantStatus {
				t.Fatalf("%s: Status = %q, want %q", c.m.Name(), oe.Status, wantStatus)
			}
		}
	})
}
