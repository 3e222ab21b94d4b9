// SPDX-License-Identifier: Apache-2.0

package oauthgmail

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// reply is one scripted answer of a fake API.
type reply struct {
	status int
	header map[string]string
	body   string
}

// gotRequest is what a fake API received.
type gotRequest struct {
	method, path, query, contentType, auth string
	contentLength                          int64
	body                                   []byte
}

// fakeAPI answers like the Gmail API or Graph: scripted replies first,
// then success; a token it does not accept gets the service's 401.
type fakeAPI struct {
	mu      sync.Mutex
	service string
	accept  func(token string) bool
	script  []reply
	reqs    []gotRequest
}

const (
	google401 = `{"error":{"code":401,"message":"Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.","errors":[{"message":"Invalid Credentials","domain":"global","reason":"authError","location":"Authorization","locationType":"header"}],"status":"UNAUTHENTICATED"}}`
	google403 = `{"error":{"code":403,"message":"Request had insufficient authentication scopes.","errors":[{"message":"Insufficient Permission","domain":"global","reason":"insufficientPermissions"}],"status":"PERMISSION_DENIED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"ACCESS_TOKEN_SCOPE_INSUFFICIENT","domain":"googleapis.com","metadata":{"service":"gmail.googleapis.com","method":"caribou.api.proto.MailboxService.SendMessage"}}]}}`
	google429 = `{"error":{"code":429,"message":"User-rate limit exceeded.  Retry after 2026-12-04T10:00:07.000Z","errors":[{"message":"User-rate limit exceeded.","domain":"usageLimits","reason":"rateLimitExceeded"}],"status":"RESOURCE_EXHAUSTED"}}`
	google500 = `{"error":{"code":500,"message":"Internal error encountered.","errors":[{"message":"Internal error encountered.","domain":"global","reason":"backendError"}],"status":"INTERNAL"}}`
	google400 = `{"error":{"code":400,"message":"Invalid To header","errors":[{"message":"Invalid To header","domain":"global","reason":"invalidArgument"}],"status":"INVALID_ARGUMENT"}}`
	gmailOK   = `{"id":"18c1f3a9b2e4d5f6","threadId":"18c1f3a9b2e4d5f0","labelIds":["SENT"]}`
	graph401  = `{"error":{"code":"InvalidAuthenticationToken","message":"Lifetime validation failed, the token is expired.","innerError":{"date":"2026-12-04T10:00:00","request-id":"r-1"}}}`
	graph403  = `{"error":{"code":"ErrorAccessDenied","message":"Access is denied. Check credentials and try again."}}`
	graph429  = `{"error":{"code":"ApplicationThrottled","message":"Application is over its MailboxConcurrency limit."}}`
)

func newFakeAPI(t *testing.T, service string, accept func(string) bool, script ...reply) (*fakeAPI, *httptest.Server) {
	t.Helper()
	f := &fakeAPI{service: service, accept: accept, script: script}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	f.reqs = append(f.reqs, gotRequest{method: r.Method, path: r.URL.Path, query: r.URL.RawQuery,
		contentType: r.Header.Get("Content-Type"), auth: r.Header.Get("Authorization"),
		contentLength: r.ContentLength, body: body})
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if f.accept != nil && !f.accept(tok) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="https://accounts.google.com/", error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, map[string]string{"gmail": google401, "graph": graph401}[f.service])
		return
	}
	if len(f.script) > 0 {
		rp := f.script[0]
		f.script = f.script[1:]
		for k, v := range rp.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(rp.status)
		fmt.Fprint(w, rp.body)
		return
	}
	if f.service == "graph" {
		w.Header().Set("request-id", "b3a7c9e1-0000-4000-8000-000000000001")
		w.WriteHeader(http.StatusAccepted)
		return
	}
	fmt.Fprint(w, gmailOK)
}

func (f *fakeAPI) requests() []gotRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]gotRequest(nil), f.reqs...)
}

// staticSource is a plain oauth2.TokenSource that is not a Renewer.
type staticSource struct{ tok string }

func (s staticSource) Token() (*oauth2Token, error) {
	return &oauth2Token{AccessToken: s.tok, TokenType: "Bearer"}, nil
}

// sleeps records the waits of a sender.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(_ context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return nil
}

func (s *sleeps) get() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

func sprintfV(err error) string { return fmt.Sprintf("%+v %#v", err, err) }
