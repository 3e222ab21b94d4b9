// SPDX-License-Identifier: Apache-2.0

package oauthgmail

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

type vectors struct {
	PKCE struct {
		Octets    []byte `json:"-"`
		RawOctets []int  `json:"verifier_octets"`
		Verifier  string `json:"verifier"`
		Challenge string `json:"challenge"`
	} `json:"pkce"`
	GmailRaw struct {
		Message     string `json:"message"`
		StdBase64   string `json:"std_base64"`
		RequestBody string `json:"request_body"`
		Unpadded    string `json:"unpadded"`
	} `json:"gmail_raw"`
}

func loadVectors(t *testing.T) *vectors {
	t.Helper()
	data, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	for _, o := range v.PKCE.RawOctets {
		v.PKCE.Octets = append(v.PKCE.Octets, byte(o))
	}
	return &v
}

// TestChallengeRFC7636 checks the S256 challenge against RFC 7636
// Appendix B.
func TestChallengeRFC7636(t *testing.T) {
	v := loadVectors(t)
	if got := Challenge(v.PKCE.Verifier); got != v.PKCE.Challenge {
		t.Errorf("Challenge(%q) = %q, want %q", v.PKCE.Verifier, got, v.PKCE.Challenge)
	}
}

func TestAuthCodeURL(t *testing.T) {
	v := loadVectors(t)
	tests := []struct {
		name   string
		p      Provider
		scopes string
		extra  map[string]string
		absent []string
	}{
		{"google", Google(), "https://mail.google.com/",
			map[string]string{"access_type": "offline", "prompt": "consent"}, nil},
		{"microsoft", Microsoft("contoso.example"),
			"https://outlook.office.com/SMTP.Send offline_access", nil, []string{"access_type"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The state takes 16 bytes and the verifier the next 32: make
			// those 32 the RFC 7636 octets.
			rnd := append(bytes.Repeat([]byte{7}, 16), v.PKCE.Octets...)
			c := &Client{Provider: tt.p, ClientID: "cid", RedirectURL: "http://127.0.0.1:8080/cb",
				Rand: bytes.NewReader(rnd)}
			ar, err := c.AuthCodeURL()
			if err != nil {
				t.Fatal(err)
			}
			if ar.Verifier != v.PKCE.Verifier {
				t.Errorf("verifier = %q, want %q", ar.Verifier, v.PKCE.Verifier)
			}
			u, err := url.Parse(ar.URL)
			if err != nil {
				t.Fatal(err)
			}
			if base := u.Scheme + "://" + u.Host + u.Path; base != tt.p.AuthURL {
				t.Errorf("URL base = %q, want %q", base, tt.p.AuthURL)
			}
			want := map[string]string{
				"response_type": "code", "client_id": "cid", "redirect_uri": "http://127.0.0.1:8080/cb",
				"scope": tt.scopes, "state": "BwcHBwcHBwcHBwcHBwcHBw",
				"code_challenge": v.PKCE.Challenge, "code_challenge_method": "S256",
			}
			for k, val := range tt.extra {
				want[k] = val
			}
			q := u.Query()
			for k, val := range want {
				if got := q.Get(k); got != val {
					t.Errorf("parameter %s = %q, want %q", k, got, val)
				}
			}
			for _, k := range tt.absent {
				if q.Has(k) {
					t.Errorf("parameter %s present, want absent", k)
				}
			}
			if ar.State != want["state"] {
				t.Errorf("State = %q, want %q", ar.State, want["state"])
			}
		})
	}
}

func TestExchange(t *testing.T) {
	for _, shape := range []string{"google", "microsoft"} {
		t.Run(shape, func(t *testing.T) {
			f, srv := newFakeAS(t, shape)
			c := f.client(srv.URL)
			clock := &fixedClock{t: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)}
			c.Now = clock.Now
			f.addCode("4/0AX4XfWh-code", Challenge("verifier-verifier-verifier-verifier-0123"))
			tok, err := c.Exchange(context.Background(), "4/0AX4XfWh-code",
				"verifier-verifier-verifier-verifier-0123")
			if err != nil {
				t.Fatal(err)
			}
			if tok.AccessToken == "" || tok.RefreshToken == "" {
				t.Errorf("token %+v lacks access or refresh token", tok)
			}
			if want := clock.Now().Add(3599 * time.Second); !tok.Expiry.Equal(want) {
				t.Errorf("Expiry = %v, want %v", tok.Expiry, want)
			}
			if got := f.lastForm["redirect_uri"]; got != "http://127.0.0.1:9/cb" {
				t.Errorf("redirect_uri sent = %q", got)
			}
		})
	}
}

// TestExchangeReusedCodeCASE30: a code works once; the second exchange is
// a clear invalid_grant error that is not retried.
func TestExchangeReusedCodeCASE30(t *testing.T) {
	for _, shape := range []string{"google", "microsoft"} {
		t.Run(shape, func(t *testing.T) {
			f, srv := newFakeAS(t, shape)
			c := f.client(srv.URL)
			f.addCode("code-1", "")
			if _, err := c.Exchange(context.Background(), "code-1", ""); err != nil {
				t.Fatal(err)
			}
			calls := f.calls
			_, err := c.Exchange(context.Background(), "code-1", "")
			var te *TokenError
			if !errors.As(err, &te) || te.Code != "invalid_grant" || te.StatusCode != 400 {
				t.Fatalf("second Exchange = %v, want *TokenError invalid_grant HTTP 400", err)
			}
			if !errors.Is(err, ErrReauthRequired) {
				t.Errorf("errors.Is(%v, ErrReauthRequired) = false", err)
			}
			for _, want := range []string{"invalid_grant", "authorization code", "works once"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			if f.calls != calls+1 {
				t.Errorf("invalid_grant was retried: %d calls, want 1", f.calls-calls)
			}
		})
	}
}

func TestExchangePKCEMismatch(t *testing.T) {
	f, srv := newFakeAS(t, "google")
	c := f.client(srv.URL)
	f.addCode("code-2", Challenge("the-right-verifier-the-right-verifier-0000"))
	_, err := c.Exchange(context.Background(), "code-2", "a-wrong-verifier-a-wrong-verifier-a-wrong-00")
	if !errors.Is(err, ErrReauthRequired) || !strings.Contains(err.Error(), "Invalid code verifier") {
		t.Errorf("Exchange with wrong verifier = %v, want invalid_grant naming the verifier", err)
	}
}

// TestRefreshInvalidGrantCASE30: an expired or revoked refresh token is
// ErrReauthRequired with the server's description and the 7-day hint, not
// retried, and never shows the token.
func TestRefreshInvalidGrantCASE30(t *testing.T) {
	f, srv := newFakeAS(t, "google")
	c := f.client(srv.URL)
	_, err := c.Refresh(context.Background(), "1//0g-revoked-refresh-token")
	var te *TokenError
	if !errors.As(err, &te) || te.Code != "invalid_grant" ||
		te.Description != "Token has been expired or revoked." || te.Grant != "refresh_token" {
		t.Fatalf("Refresh = %#v, want invalid_grant with Google's description", err)
	}
	if !strings.Contains(err.Error(), "7 days") || !strings.Contains(err.Error(), "Testing") {
		t.Errorf("error %q lacks the Testing consent screen hint", err)
	}
	if f.calls != 1 {
		t.Errorf("token endpoint called %d times, want 1", f.calls)
	}
	mustNotContain(t, "error", err.Error(), "1//0g-revoked-refresh-token", testClientSecret)
}

// TestRefreshRetries5xx: a 5xx from the token endpoint is retried with
// backoff (CASE-30's other half).
func TestRefreshRetries5xx(t *testing.T) {
	f, srv := newFakeAS(t, "google")
	f.addRefresh("1//0g-good")
	f.fail5xx = 2
	c := f.client(srv.URL)
	var waits []time.Duration
	c.Sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	tok, err := c.Refresh(context.Background(), "1//0g-good")
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken != "1//0g-good" {
		t.Errorf("RefreshToken = %q, want the one given (Google does not rotate)", tok.RefreshToken)
	}
	if want := []time.Duration{500 * time.Millisecond, time.Second}; !equalDurations(waits, want) {
		t.Errorf("waits = %v, want %v", waits, want)
	}

	f.fail5xx = 5
	_, err = c.Refresh(context.Background(), "1//0g-good")
	var te *TokenError
	if !errors.As(err, &te) || !te.Temporary() || errors.Is(err, ErrReauthRequired) {
		t.Errorf("Refresh after 5 failures = %v, want a temporary TokenError", err)
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestGetAccessToken(t *testing.T) {
	f, srv := newFakeAS(t, "google")
	c := f.client(srv.URL)
	f.addCode("classic-code", "")
	ctx := context.Background()
	at, rt, life, err := c.GetAccessToken(ctx, "Google", "classic-code", false)
	if err != nil {
		t.Fatal(err)
	}
	if at != "ya29.a0AfB_test-access-1" || rt != "1//0gRT-1" || life != 3599*time.Second {
		t.Errorf("GetAccessToken(code) = %q, %q, %v; want ya29.a0AfB_test-access-1, 1//0gRT-1, 59m59s",
			at, rt, life)
	}
	at, rt2, life, err := c.GetAccessToken(ctx, "gmail", rt, true)
	if err != nil {
		t.Fatal(err)
	}
	if at != "ya29.a0AfB_test-access-2" || rt2 != rt || life != 3599*time.Second {
		t.Errorf("GetAccessToken(refresh) = %q, %q, %v", at, rt2, life)
	}
	if _, _, _, err := c.GetAccessToken(ctx, "Office365", rt, true); err == nil ||
		!strings.Contains(err.Error(), "does not match") {
		t.Errorf("GetAccessToken with the wrong service = %v, want mismatch error", err)
	}
	if _, _, _, err := c.GetAccessToken(ctx, "yahoo", rt, true); err == nil ||
		!strings.Contains(err.Error(), "unknown service") {
		t.Errorf("GetAccessToken with an unknown service = %v", err)
	}
	if _, _, _, err := c.GetAccessToken(ctx, "google", "classic-code", false); !errors.Is(err, ErrReauthRequired) {
		t.Errorf("reused code = %v, want ErrReauthRequired", err)
	}
}

func TestProviderByName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Google", "google"}, {"GOOGLE API", "google"}, {"gmail", "google"},
		{"Office365", "microsoft"}, {"outlook", "microsoft"}, {"Microsoft 365", "microsoft"},
		{"yahoo", ""},
	}
	for _, tt := range tests {
		p, ok := ProviderByName(tt.in)
		if p.Name != tt.want || ok != (tt.want != "") {
			t.Errorf("ProviderByName(%q) = %q, %v; want %q", tt.in, p.Name, ok, tt.want)
		}
	}
	if got := Microsoft("").TokenURL; got != "https://login.microsoftonline.com/common/oauth2/v2.0/token" {
		t.Errorf("Microsoft token URL = %q", got)
	}
}

func TestIsOAuthPassword(t *testing.T) {
	tests := []struct {
		in    string
		token string
		ok    bool
	}{
		{"[oauth]ya29.abc", "ya29.abc", true},
		{"[OAUTH]ya29.abc", "ya29.abc", true},
		{"[OAuth] ya29.abc ", "ya29.abc", true},
		{"[oauth]", "", true},
		{"oauth]ya29", "", false},
		{"secret", "", false},
		{"[oaut", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		tok, ok := IsOAuthPassword(tt.in)
		if tok != tt.token || ok != tt.ok {
			t.Errorf("IsOAuthPassword(%q) = %q, %v; want %q, %v", tt.in, tok, ok, tt.token, tt.ok)
		}
	}
}
