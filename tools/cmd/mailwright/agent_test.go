// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailwright/mailwright/mailsender/queue"
	"github.com/mailwright/mailwright/oauthgmail"
)

// TestAgentTokenStoreRenews: a "tokenstore:" credential hands the agent
// the access token of an oauthgmail token file, renewed at the token
// endpoint (a loopback server here) when it has expired, and saved.
func TestAgentTokenStoreRenews(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if r.FormValue("grant_type") != "refresh_token" || r.FormValue("refresh_token") != "refresh-1" {
			http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"access_token":"fresh-token","token_type":"Bearer","expires_in":3600}`))
	}))
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "token.json")
	st := &oauthgmail.Store{Path: path}
	if err := st.Save(&oauthgmail.Record{AccessToken: "stale-token", TokenType: "Bearer",
		RefreshToken: "refresh-1", Expiry: time.Now().Add(-time.Hour), Provider: "test",
		TokenURL: srv.URL, ClientID: "client"}); err != nil {
		t.Fatal(err)
	}
	resolve := cliSecret(func(string) string { return "" })
	p := &queue.Profile{Credential: "tokenstore:" + path}
	for range 2 {
		sec, err := resolve(context.Background(), p)
		if err != nil || sec.Tokens == nil {
			t.Fatalf("secret = %+v, %v; want a token source", sec, err)
		}
		if tok, err := sec.Tokens.Token(); err != nil || tok.AccessToken != "fresh-token" {
			t.Fatalf("token = %v, %v; want the renewed token", tok, err)
		}
	}
	if calls != 1 {
		t.Errorf("token endpoint called %d times for two connections, want 1", calls)
	}
	r, err := st.Load()
	if err != nil || r.AccessToken != "fresh-token" {
		t.Errorf("token file holds %q (%v), want the renewed token saved", r.AccessToken, err)
	}
}

func TestAgentSecretFromEnvironment(t *testing.T) {
	resolve := cliSecret(func(k string) string {
		return map[string]string{"PW": "pw", "TOK": "[oauth]tok"}[k]
	})
	tests := []struct {
		cred string
		want queue.Secret
	}{
		{"env:PW", queue.Secret{Password: "pw"}},
		{"env:TOK", queue.Secret{Token: "tok"}},
	}
	for _, tc := range tests {
		got, err := resolve(context.Background(), &queue.Profile{Credential: tc.cred})
		if err != nil || got != tc.want {
			t.Errorf("secret(%q) = %+v, %v; want %+v", tc.cred, got, err, tc.want)
		}
	}
	if _, err := resolve(context.Background(), &queue.Profile{Credential: "env:UNSET"}); !errors.Is(err, queue.ErrNoSecret) {
		t.Errorf("secret(env:UNSET) error = %v, want ErrNoSecret", err)
	}
}
