// SPDX-License-Identifier: Apache-2.0

package mailsender_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/mailwright/mailwright/mailsender"
	"github.com/mailwright/mailwright/oauthgmail"
)

// apiCall is one request the fake API received.
type apiCall struct {
	Method, Path, Query string
	ContentType, Auth   string
	Body                []byte
}

// apiAnswer is what the fake API answers to one request.
type apiAnswer struct {
	Status int
	Header map[string]string
	Body   string
}

// fakeAPI is a local HTTP server (127.0.0.1) shaped like the Gmail API and
// Microsoft Graph: it records each request and answers with what answer
// returns for the n-th request (from 0).
type fakeAPI struct {
	srv    *httptest.Server
	answer func(n int, c apiCall) apiAnswer

	mu    sync.Mutex
	calls []apiCall
}

func newFakeAPI(t *testing.T, answer func(n int, c apiCall) apiAnswer) *fakeAPI {
	t.Helper()
	f := &fakeAPI{answer: answer}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	c := apiCall{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		ContentType: r.Header.Get("Content-Type"), Auth: r.Header.Get("Authorization"), Body: body}
	f.mu.Lock()
	n := len(f.calls)
	f.calls = append(f.calls, c)
	f.mu.Unlock()
	a := f.answer(n, c)
	for k, v := range a.Header {
		w.Header().Set(k, v)
	}
	if a.Body != "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(a.Status)
	io.WriteString(w, a.Body)
}

func (f *fakeAPI) received() []apiCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]apiCall(nil), f.calls...)
}

// gmailOK answers like users.messages.send.
func gmailOK(int, apiCall) apiAnswer {
	return apiAnswer{Status: 200, Body: `{"id":"18c1f00d","threadId":"18c1f00e","labelIds":["SENT"]}`}
}

// fakeTokenEndpoint is a local OAuth 2.0 token endpoint that answers every
// refresh with access token "tok-N" (N from 2), and with a rotated refresh
// token when rotate is set.
type fakeTokenEndpoint struct {
	srv    *httptest.Server
	rotate bool

	mu        sync.Mutex
	refreshes int
}

func newFakeTokenEndpoint(t *testing.T, rotate bool) *fakeTokenEndpoint {
	t.Helper()
	f := &fakeTokenEndpoint{rotate: rotate}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeTokenEndpoint) serve(w http.ResponseWriter, r *http.Request) {
	if r.ParseForm() != nil || r.PostForm.Get("grant_type") != "refresh_token" {
		w.WriteHeader(400)
		io.WriteString(w, `{"error":"unsupported_grant_type"}`)
		return
	}
	f.mu.Lock()
	f.refreshes++
	n := f.refreshes
	f.mu.Unlock()
	ans := map[string]any{"access_token": fmt.Sprintf("tok-%d", n+1), "token_type": "Bearer",
		"expires_in": 3600}
	if f.rotate {
		ans["refresh_token"] = fmt.Sprintf("refresh-%d-SECRET", n+1)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(ans)
}

func (f *fakeTokenEndpoint) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refreshes
}

// tokenStore writes a token file holding access token "tok-1", valid for
// an hour, and refresh token "refresh-1-SECRET" renewed at te, and returns
// a TokenSource over it.
func tokenStore(t *testing.T, te *fakeTokenEndpoint) (*oauthgmail.TokenSource, *oauthgmail.Store) {
	t.Helper()
	st := &oauthgmail.Store{Path: filepath.Join(t.TempDir(), "token.json")}
	err := st.Save(&oauthgmail.Record{AccessToken: "tok-1", TokenType: "Bearer",
		RefreshToken: "refresh-1-SECRET", Expiry: time.Now().Add(time.Hour),
		TokenURL: te.srv.URL, ClientID: "client-id", ClientSecret: "client-SECRET"})
	if err != nil {
		t.Fatal(err)
	}
	return oauthgmail.NewTokenSource(st, nil), st
}

// apiSender returns a reproducible Sender for host that talks to api.
// Retries do not sleep; the waits asked for are recorded in *waits.
func apiSender(api *fakeAPI, host string, waits *[]time.Duration) *mailsender.Sender {
	return &mailsender.Sender{
		Host: host,
		Now:  func() time.Time { return fixedNow },
		Rand: seeded(),
		API: &mailsender.APIOptions{Endpoint: api.srv.URL, Retry: oauthgmail.RetryOptions{
			Sleep: func(_ context.Context, d time.Duration) error {
				if waits != nil {
					*waits = append(*waits, d)
				}
				return nil
			}}},
	}
}

// invalidGrant is a token endpoint that refuses every grant as Google
// does for a revoked refresh token (RFC 6749 §5.2).
type invalidGrant struct{}

func (invalidGrant) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(400)
	io.WriteString(w, `{"error":"invalid_grant","error_description":"Token has been expired or revoked."}`)
}
