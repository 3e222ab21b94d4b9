// SPDX-License-Identifier: Apache-2.0

package oauthgmail

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// startStub runs the project's peers/oauth2-stub.py on a free loopback
// port and returns its base URL; it skips when python3 or the script is
// missing, and fails then under MAILPEERS=1.
func startStub(t *testing.T) string {
	t.Helper()
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		if os.Getenv("MAILPEERS") == "1" {
			t.Fatalf("MAILPEERS=1 but %s is missing", py)
		}
		t.Skipf("%s missing: the python OAuth2 stub cannot run", py)
	}
	script, err := filepath.Abs("../peers/oauth2-stub.py")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(script); err != nil {
		if os.Getenv("MAILPEERS") == "1" {
			t.Fatalf("MAILPEERS=1 but the project's OAuth2 stub is missing: %v", err)
		}
		t.Skipf("the project's peers/oauth2-stub.py is missing: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(py, script, port)
	cmd.Env = append(os.Environ(), "OAUTH_CLIENT_ID=test-client", "OAUTH_CLIENT_SECRET=test-secret",
		"OAUTH_TOKEN_TTL=3600", "OAUTH_TEST_CODE=test-code", "OAUTH_TEST_REFRESH=test-refresh-token")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; ; i++ {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		if i > 100 {
			t.Fatalf("stub did not start on %s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return "http://" + addr
}

func stubClient(base string, style oauth2.AuthStyle) *Client {
	return &Client{
		Provider: Provider{Name: "stub", AuthURL: base + "/authorize", TokenURL: base + "/token",
			SMTPScopes: []string{ScopeGoogleMail}, AuthStyle: style},
		ClientID: "test-client", ClientSecret: "test-secret", RedirectURL: "http://127.0.0.1:1/cb",
	}
}

// authorize follows the stub's consent: it reads the code and the state
// from the redirect without following it.
func authorize(t *testing.T, authURL string) (code, state string) {
	t.Helper()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	resp, err := hc.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil {
		t.Fatalf("authorize: %s, Location %q", resp.Status, resp.Header.Get("Location"))
	}
	return loc.Query().Get("code"), loc.Query().Get("state")
}

func introspect(t *testing.T, base, token string) map[string]any {
	t.Helper()
	resp, err := http.PostForm(base+"/introspect", url.Values{"token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestStubFlow runs the whole authorization code flow with PKCE against the
// python stub, then refresh, reuse of the code (CASE-30) and the token
// store.
func TestStubFlow(t *testing.T) {
	base := startStub(t)
	ctx := context.Background()
	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInParams, oauth2.AuthStyleInHeader} {
		c := stubClient(base, style)
		ar, err := c.AuthCodeURL()
		if err != nil {
			t.Fatal(err)
		}
		code, state := authorize(t, ar.URL)
		if state != ar.State || !strings.HasPrefix(code, "code-") {
			t.Fatalf("redirect carried code %q state %q, want state %q", code, state, ar.State)
		}
		tok, err := c.Exchange(ctx, code, ar.Verifier)
		if err != nil {
			t.Fatalf("Exchange (auth style %d): %v", style, err)
		}
		if tok.RefreshToken == "" || tok.ExpiresIn != 3600 {
			t.Errorf("token = %+v", tok)
		}
		if doc := introspect(t, base, tok.AccessToken); doc["active"] != true || doc["email"] != "user@example.test" {
			t.Errorf("introspect = %v, want active for user@example.test", doc)
		}
		_, err = c.Exchange(ctx, code, ar.Verifier)
		if !errors.Is(err, ErrReauthRequired) || !strings.Contains(err.Error(), "invalid_grant") {
			t.Errorf("reused code = %v, want invalid_grant (CASE-30)", err)
		}

		ar2, _ := c.AuthCodeURL()
		code2, _ := authorize(t, ar2.URL)
		if _, err := c.Exchange(ctx, code2, ar.Verifier); !errors.Is(err, ErrReauthRequired) ||
			!strings.Contains(err.Error(), "PKCE mismatch") {
			t.Errorf("wrong verifier = %v, want invalid_grant PKCE mismatch", err)
		}

		s := &Store{Path: filepath.Join(t.TempDir(), "stub.json")}
		rec := &Record{}
		rec.SetClient(c)
		rec.SetToken(tok)
		if err := s.Save(rec); err != nil {
			t.Fatal(err)
		}
		ts := &TokenSource{Store: s}
		nt, err := ts.Renew(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		if nt.AccessToken == tok.AccessToken || nt.RefreshToken != tok.RefreshToken {
			t.Errorf("renewed token %+v", nt)
		}
		if doc := introspect(t, base, nt.AccessToken); doc["active"] != true {
			t.Errorf("renewed token not active: %v", doc)
		}
	}
	if doc := introspect(t, base, "at-made-up"); doc["active"] != false {
		t.Errorf("made-up token active: %v", doc)
	}
}

func TestStubClassicShape(t *testing.T) {
	base := startStub(t)
	c := stubClient(base, oauth2.AuthStyleInParams)
	ctx := context.Background()
	at, rt, life, err := c.GetAccessToken(ctx, "", "test-code", false)
	if err != nil || !strings.HasPrefix(at, "at-") || !strings.HasPrefix(rt, "rt-") || life != time.Hour {
		t.Fatalf("GetAccessToken(code) = %q, %q, %v, %v", at, rt, life, err)
	}
	at2, rt2, life, err := c.GetAccessToken(ctx, "", rt, true)
	if err != nil || at2 == at || rt2 != rt || life != time.Hour {
		t.Errorf("GetAccessToken(refresh) = %q, %q, %v, %v", at2, rt2, life, err)
	}
	_, _, _, err = c.GetAccessToken(ctx, "", "rt-unknown", true)
	if !errors.Is(err, ErrReauthRequired) || !strings.Contains(err.Error(), "unknown refresh token") {
		t.Errorf("unknown refresh token = %v", err)
	}
	bad := stubClient(base, oauth2.AuthStyleInParams)
	bad.ClientSecret = "wrong"
	_, err = bad.Refresh(ctx, rt)
	var te *TokenError
	if !errors.As(err, &te) || te.Code != "invalid_client" || te.StatusCode != 401 {
		t.Errorf("wrong client secret = %v, want invalid_client 401", err)
	}
}

// TestPeerStubIntrospect uses the stub that postfix-start.sh runs for
// Dovecot on 127.0.0.1:$OAUTH_STUB_PORT (2580): a token it issues must be
// active there, which is what Dovecot's XOAUTH2 check asks. It skips when
// the peer is not running, and fails then under MAILPEERS=1.
func TestPeerStubIntrospect(t *testing.T) {
	port := os.Getenv("OAUTH_STUB_PORT")
	if port == "" {
		port = "2580"
	}
	addr := net.JoinHostPort("127.0.0.1", port)
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		if os.Getenv("MAILPEERS") == "1" {
			t.Fatalf("MAILPEERS=1 but the OAuth2 stub is not running on %s: %v", addr, err)
		}
		t.Skipf("OAuth2 stub not running on %s (start it with postfix-start.sh): %v", addr, err)
	}
	conn.Close()
	base := "http://" + addr
	c := stubClient(base, oauth2.AuthStyleInParams)
	if id := os.Getenv("OAUTH_CLIENT_ID"); id != "" {
		c.ClientID = id
	}
	if sec := os.Getenv("OAUTH_CLIENT_SECRET"); sec != "" {
		c.ClientSecret = sec
	}
	rt := os.Getenv("OAUTH_TEST_REFRESH")
	if rt == "" {
		rt = "test-refresh-token"
	}
	at, _, _, err := c.GetAccessToken(context.Background(), "", rt, true)
	if err != nil {
		t.Fatal(err)
	}
	if doc := introspect(t, base, at); doc["active"] != true {
		t.Errorf("introspect(%s) = %v, want active", base, doc)
	}
}
