// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// tokenServer is a local token endpoint shaped like Google's: codes are
// single use and bound to their PKCE challenge.
type tokenServer struct {
	mu      sync.Mutex
	codes   map[string]string // code -> challenge
	refresh map[string]bool
	seq     int
}

func (s *tokenServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r.ParseForm()
	w.Header().Set("Content-Type", "application/json")
	if r.PostForm.Get("client_id") != "cli-client" || r.PostForm.Get("client_secret") != "cli-secret" {
		w.WriteHeader(401)
		fmt.Fprint(w, `{"error":"invalid_client"}`)
		return
	}
	bad := func() {
		w.WriteHeader(400)
		fmt.Fprint(w, `{"error":"invalid_grant","error_description":"Bad Request"}`)
	}
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		ch, ok := s.codes[r.PostForm.Get("code")]
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if !ok || ch != base64.RawURLEncoding.EncodeToString(sum[:]) {
			bad()
			return
		}
		delete(s.codes, r.PostForm.Get("code"))
		s.seq++
		s.refresh["1//0gCLI-refresh"] = true
		fmt.Fprintf(w, `{"access_token":"ya29.cli-access-%d","expires_in":3599,"token_type":"Bearer",`+
			`"scope":"https://mail.google.com/","refresh_token":"1//0gCLI-refresh"}`, s.seq)
	case "refresh_token":
		if !s.refresh[r.PostForm.Get("refresh_token")] {
			bad()
			return
		}
		s.seq++
		fmt.Fprintf(w, `{"access_token":"ya29.cli-access-%d","expires_in":3599,"token_type":"Bearer"}`, s.seq)
	}
}

func runCLI(t *testing.T, vars map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	ev := &env{stdout: &o, stderr: &e, stdin: strings.NewReader(""),
		getenv: func(k string) string { return vars[k] }}
	code = runMain(context.Background(), ev, args)
	return o.String(), e.String(), code
}

func TestTokenCommand(t *testing.T) {
	ts := &tokenServer{codes: map[string]string{}, refresh: map[string]bool{}}
	srv := httptest.NewServer(ts)
	defer srv.Close()
	store := filepath.Join(t.TempDir(), "tok", "gmail.json")
	secretEnv := map[string]string{"MAILWRIGHT_CLIENT_SECRET": "cli-secret"}

	out, errOut, code := runCLI(t, secretEnv, "token", "url", "--store", store, "--provider", "google",
		"--client-id", "cli-client", "--auth-url", srv.URL+"/auth", "--token-url", srv.URL+"/token",
		"--redirect-uri", "http://127.0.0.1:8765/")
	if code != 0 {
		t.Fatalf("token url: exit %d: %s", code, errOut)
	}
	u, err := url.Parse(strings.TrimSpace(out))
	if err != nil || u.Path != "/auth" {
		t.Fatalf("token url printed %q", out)
	}
	q := u.Query()
	for k, want := range map[string]string{"client_id": "cli-client", "access_type": "offline",
		"code_challenge_method": "S256", "redirect_uri": "http://127.0.0.1:8765/",
		"scope": "https://mail.google.com/"} {
		if q.Get(k) != want {
			t.Errorf("URL parameter %s = %q, want %q", k, q.Get(k), want)
		}
	}
	// The user consents; the server issues a code bound to the challenge.
	ts.mu.Lock()
	ts.codes["4/0code"] = q.Get("code_challenge")
	ts.mu.Unlock()

	out, errOut, code = runCLI(t, secretEnv, "token", "exchange", "--store", store, "--code", "4/0code")
	if code != 0 {
		t.Fatalf("token exchange: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"provider:      google", "refresh token: 1//0... (16 characters)",
		"access token:  ya29... (17 characters)", "scopes:        https://mail.google.com/"} {
		if !strings.Contains(out, want) {
			t.Errorf("exchange output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "ya29.cli-access-1") || strings.Contains(out, "1//0gCLI-refresh") {
		t.Errorf("exchange printed a token in clear:\n%s", out)
	}
	fi, err := os.Stat(store)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("store mode = %v, %v; want 0600", fi, err)
	}
	var rec map[string]any
	data, _ := os.ReadFile(store)
	json.Unmarshal(data, &rec)
	if rec["refresh_token"] != "1//0gCLI-refresh" || rec["pkce_verifier"] != nil {
		t.Errorf("store after exchange: %s", data)
	}

	_, errOut, code = runCLI(t, secretEnv, "token", "exchange", "--store", store, "--code", "4/0code")
	if code != 1 || !strings.Contains(errOut, "invalid_grant") || !strings.Contains(errOut, "works once") {
		t.Errorf("reused code: exit %d, %q; want exit 1 naming invalid_grant", code, errOut)
	}

	out, errOut, code = runCLI(t, nil, "token", "refresh", "--store", store)
	if code != 0 || !strings.Contains(out, "access token:  ya29... (17 characters)") {
		t.Fatalf("token refresh: exit %d: %s %s", code, out, errOut)
	}
	out, _, code = runCLI(t, nil, "token", "show", "--store", store, "--access-token")
	if code != 0 || strings.TrimSpace(out) != "ya29.cli-access-2" {
		t.Errorf("show --access-token = %q (exit %d), want ya29.cli-access-2", out, code)
	}
	out, _, code = runCLI(t, nil, "token", "show", "--store", store)
	if code != 0 || !strings.Contains(out, "expires:") || strings.Contains(out, "ya29.cli-access-2") {
		t.Errorf("show = exit %d:\n%s", code, out)
	}
}

func TestTokenCommandErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"token"}, 2, "missing action"},
		{[]string{"token", "show"}, 2, "--store is required"},
		{[]string{"token", "fly", "--store", "x"}, 2, "unknown action"},
		{[]string{"token", "show", "--store", filepath.Join(dir, "none.json")}, 1, "no token file"},
		{[]string{"token", "url", "--store", filepath.Join(dir, "a.json")}, 1, "--client-id is required"},
		{[]string{"token", "url", "--store", filepath.Join(dir, "a.json"), "--provider", "yahoo",
			"--client-id", "x"}, 1, "unknown provider"},
		{[]string{"token", "exchange", "--store", filepath.Join(dir, "a.json")}, 2, "--code is required"},
		{[]string{"token", "import", "--store", filepath.Join(dir, "a.json")}, 2, "--classic is required"},
	}
	for _, tt := range tests {
		_, errOut, code := runCLI(t, nil, tt.args...)
		if code != tt.code || !strings.Contains(errOut, tt.want) {
			t.Errorf("mailwright %v: exit %d, %q; want exit %d with %q", tt.args, code, errOut, tt.code, tt.want)
		}
	}
}

func TestTokenImport(t *testing.T) {
	dir := t.TempDir()
	classic := filepath.Join(dir, "token.txt")
	os.WriteFile(classic, []byte("ya29.classic-access\r\n1//0gClassicRefresh\r\n2030-01-02 03:04:05\r\n"), 0o600)
	store := filepath.Join(dir, "s", "gmail.json")
	out, errOut, code := runCLI(t, nil, "token", "import", "--store", store, "--classic", classic,
		"--provider", "google", "--client-id", "cid")
	if code != 0 {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "refresh token: 1//0... (19 characters)") ||
		!strings.Contains(out, "client id:     cid") {
		t.Errorf("import output:\n%s", out)
	}
	os.WriteFile(classic, []byte("abc\ndef\n2030-01-02 03:04:05\n"), 0o600)
	_, errOut, code = runCLI(t, nil, "token", "import", "--store", store, "--classic", classic)
	if code != 1 || !strings.Contains(errOut, classic) || !strings.Contains(errOut, "cannot be told apart") {
		t.Errorf("ambiguous import: exit %d, %q", code, errOut)
	}
}
