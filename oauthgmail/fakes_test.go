// SPDX-License-Identifier: Apache-2.0

package oauthgmail

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// fakeAS is an authorization server shaped like Google's or Microsoft's
// token endpoint: codes are single use and may carry a PKCE challenge,
// refresh tokens may rotate (Microsoft does, Google does not), and it
// answers invalid_grant as both document.
type fakeAS struct {
	mu        sync.Mutex
	shape     string // "google" or "microsoft"
	rotate    bool
	lifetime  int
	codes     map[string]string // code -> S256 challenge ("" = none)
	refresh   map[string]bool   // valid refresh tokens
	seq       int
	fail5xx   int // answer this many requests with 503 first
	calls     int
	refreshes int
	badGrants int
	lastForm  map[string]string
}

const (
	testClientID     = "client-123.apps.example"
	testClientSecret = "shh-client-secret"
)

func newFakeAS(t *testing.T, shape string) (*fakeAS, *httptest.Server) {
	t.Helper()
	f := &fakeAS{shape: shape, lifetime: 3599, codes: map[string]string{},
		refresh: map[string]bool{}}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeAS) addCode(code, challenge string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.codes[code] = challenge
}

func (f *fakeAS) addRefresh(rt string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refresh[rt] = true
}

func (f *fakeAS) validRefresh() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for k := range f.refresh {
		out = append(out, k)
	}
	return out
}

func (f *fakeAS) provider(url string) Provider {
	p := Google()
	if f.shape == "microsoft" {
		p = Microsoft("")
	}
	p.AuthURL, p.TokenURL = url+"/authorize", url+"/token"
	return p
}

func (f *fakeAS) client(url string) *Client {
	return &Client{Provider: f.provider(url), ClientID: testClientID,
		ClientSecret: testClientSecret, RedirectURL: "http://127.0.0.1:9/cb",
		Sleep: func(context.Context, time.Duration) error { return nil }}
}

func (f *fakeAS) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if f.fail5xx > 0 {
		f.fail5xx--
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, `{"error":"temporarily_unavailable"}`)
		return
	}
	if err := r.ParseForm(); err != nil || r.URL.Path != "/token" {
		http.Error(w, "bad", http.StatusBadRequest)
		return
	}
	f.lastForm = map[string]string{}
	for k := range r.PostForm {
		f.lastForm[k] = r.PostForm.Get(k)
	}
	if r.PostForm.Get("client_id") != testClientID || r.PostForm.Get("client_secret") != testClientSecret {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":"invalid_client","error_description":"The OAuth client was not found."}`)
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		f.exchange(w, r)
	case "refresh_token":
		f.refreshGrant(w, r)
	default:
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":"unsupported_grant_type"}`)
	}
}

func (f *fakeAS) exchange(w http.ResponseWriter, r *http.Request) {
	code := r.PostForm.Get("code")
	challenge, ok := f.codes[code]
	if !ok {
		f.invalidGrant(w, "code")
		return
	}
	delete(f.codes, code)
	if challenge != "" && Challenge(r.PostForm.Get("code_verifier")) != challenge {
		f.badGrants++
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":"invalid_grant","error_description":"Invalid code verifier."}`)
		return
	}
	f.issue(w, true)
}

func (f *fakeAS) refreshGrant(w http.ResponseWriter, r *http.Request) {
	rt := r.PostForm.Get("refresh_token")
	if !f.refresh[rt] {
		f.invalidGrant(w, "refresh")
		return
	}
	f.refreshes++
	if f.rotate {
		delete(f.refresh, rt)
	}
	f.issue(w, f.rotate)
}

func (f *fakeAS) invalidGrant(w http.ResponseWriter, what string) {
	f.badGrants++
	w.WriteHeader(http.StatusBadRequest)
	switch {
	case f.shape == "microsoft" && what == "refresh":
		fmt.Fprint(w, `{"error":"invalid_grant","error_description":"AADSTS700082: The refresh token has expired due to inactivity.","error_codes":[700082]}`)
	case f.shape == "microsoft":
		fmt.Fprint(w, `{"error":"invalid_grant","error_description":"AADSTS54005: OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.","error_codes":[54005]}`)
	case what == "code":
		fmt.Fprint(w, `{"error":"invalid_grant","error_description":"Bad Request"}`)
	default:
		fmt.Fprint(w, `{"error":"invalid_grant","error_description":"Token has been expired or revoked."}`)
	}
}

// issue writes a token answer; Google's access tokens start "ya29.",
// Microsoft's are JWT-shaped.
func (f *fakeAS) issue(w http.ResponseWriter, withRefresh bool) {
	f.seq++
	doc := map[string]any{"token_type": "Bearer", "expires_in": f.lifetime}
	if f.shape == "microsoft" {
		doc["access_token"] = fmt.Sprintf("eyJ0eXAiOiJKV1QifQ.eyJuIjo%d.sig%d", f.seq, f.seq)
		doc["scope"] = "https://outlook.office.com/SMTP.Send"
		doc["ext_expires_in"] = f.lifetime
	} else {
		doc["access_token"] = fmt.Sprintf("ya29.a0AfB_test-access-%d", f.seq)
		doc["scope"] = "https://mail.google.com/"
	}
	if withRefresh {
		rt := fmt.Sprintf("1//0gRT-%d", f.seq)
		if f.shape == "microsoft" {
			rt = fmt.Sprintf("M.C509_BAY.0.U.-RT-%d", f.seq)
		}
		f.refresh[rt] = true
		doc["refresh_token"] = rt
	}
	json.NewEncoder(w).Encode(doc)
}

// fixedClock is a settable clock for tests.
type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fixedClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// b64url is used by tests to decode what the Gmail fake received.
func b64url(s string) ([]byte, error) {
	return base64.URLEncoding.DecodeString(s)
}

// mustNotContain fails when any secret appears in s (SEC-35).
func mustNotContain(t *testing.T, where, s string, secrets ...string) {
	t.Helper()
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			t.Errorf("%s contains the secret %q:\n%s", where, sec, s)
		}
	}
}

type oauth2Token = oauth2.Token
