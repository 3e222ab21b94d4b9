// SPDX-License-Identifier: Apache-2.0

package queue

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mailwright/mailwright/oauthgmail"
)

// apiAnswer is one scripted answer of the fake API: a status, headers and
// a JSON body, or drop to close the connection after reading the request.
type apiAnswer struct {
	status int
	header map[string]string
	body   string
	drop   bool
	stall  bool // answer after the client gave up
}

// fakeAPI is a loopback HTTP server shaped like the Gmail API and
// Microsoft Graph (the forms of oauthgmail's own fakes): it records each
// request's path, bearer token and decoded message, and plays its script.
type fakeAPI struct {
	srv    *httptest.Server
	script []apiAnswer

	mu    sync.Mutex
	paths []string
	auths []string
	msgs  []string
}

func newFakeAPI(t *testing.T, script ...apiAnswer) *fakeAPI {
	f := &fakeAPI{script: script}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	data, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	n := len(f.paths)
	f.paths = append(f.paths, r.URL.Path)
	f.auths = append(f.auths, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	f.msgs = append(f.msgs, decodeAPIBody(r.Header.Get("Content-Type"), data))
	f.mu.Unlock()
	a := apiAnswer{status: 200, body: `{"id":"m1","threadId":"t1"}`}
	if n < len(f.script) {
		a = f.script[n]
	}
	if a.stall {
		<-r.Context().Done()
		return
	}
	if a.drop {
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
		return
	}
	for k, v := range a.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(a.status)
	io.WriteString(w, a.body)
}

// decodeAPIBody returns the message a request carried: Gmail's JSON raw
// (base64url), Graph's base64 text, or an upload's bytes.
func decodeAPIBody(ctype string, data []byte) string {
	switch ctype {
	case "application/json":
		var v struct{ Raw string }
		json.Unmarshal(data, &v)
		b, _ := oauthgmail.DecodeRaw(v.Raw)
		return string(b)
	case "text/plain":
		b, _ := base64.StdEncoding.DecodeString(string(data))
		return string(b)
	}
	return string(data)
}

func (f *fakeAPI) calls() (paths, auths, msgs []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.paths...), append([]string(nil), f.auths...),
		append([]string(nil), f.msgs...)
}

func apiEntry(f *fakeAPI, api string, rcpts ...string) *Entry {
	e := &Entry{From: "a@s.test", Profile: Profile{Host: "Google API", API: api,
		Endpoint: f.srv.URL, Credential: "tokenstore:/unused"}}
	for _, r := range rcpts {
		e.Recipients = append(e.Recipients, Recipient{Addr: r, State: Pending})
	}
	return e
}

const apiBody = "From: a@s.test\r\nTo: x@r.test\r\nBcc: y@r.test\r\nSubject: hi\r\n\r\nHello\r\n"

// TestAPIOutcome checks how each answer of the Gmail API or Microsoft
// Graph maps onto the recipients: 2xx delivers every one, 401 renews the
// token once within the attempt, 429 and 5xx defer with Retry-After as the
// earliest next attempt, other 4xx fail with the service's message, and a
// request sent whole but never answered is a possible duplicate.
func TestAPIOutcome(t *testing.T) {
	gmailErr := func(code int, status, msg string) string {
		return `{"error":{"code":` + strconv.Itoa(code) +
			`,"message":"` + msg + `","status":"` + status + `"}}`
	}
	ok := apiAnswer{status: 200, body: `{"id":"m1","threadId":"t1"}`}
	tests := []struct {
		name      string
		api       string
		script    []apiAnswer
		wantReply *Reply // every recipient's reply; nil: undecided
		perm, dup bool
		retry     time.Duration
		errHas    string
		tokens    []string // bearer tokens the API saw
	}{
		{name: "gmail 200", api: APIGmail, script: []apiAnswer{ok},
			wantReply: &Reply{Code: 200, Text: "sent through the Gmail API as message m1 in thread t1"},
			tokens:    []string{"tok1"}},
		{name: "graph 202", api: APIGraph,
			script:    []apiAnswer{{status: 202, header: map[string]string{"request-id": "r-9"}}},
			wantReply: &Reply{Code: 202, Text: "accepted by Microsoft Graph, request-id r-9"},
			tokens:    []string{"tok1"}},
		{name: "401 renewed", api: APIGmail,
			script: []apiAnswer{{status: 401, body: gmailErr(401, "UNAUTHENTICATED",
				"Request had invalid authentication credentials.")}, ok},
			wantReply: &Reply{Code: 200, Text: "sent through the Gmail API as message m1 in thread t1"},
			tokens:    []string{"tok1", "tok2"}},
		{name: "401 twice", api: APIGraph,
			script: []apiAnswer{{status: 401, body: `{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired."}}`},
				{status: 401, body: `{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired."}}`}},
			errHas: "Access token has expired", tokens: []string{"tok1", "tok2"}},
		{name: "429 retry-after", api: APIGmail,
			script: []apiAnswer{{status: 429, header: map[string]string{"Retry-After": "120"},
				body: gmailErr(429, "RESOURCE_EXHAUSTED", "User-rate limit exceeded.")}},
			retry: 2 * time.Minute, errHas: "User-rate limit exceeded", tokens: []string{"tok1"}},
		{name: "503", api: APIGraph,
			script: []apiAnswer{{status: 503, body: `{"error":{"code":"ServiceUnavailable","message":"Service unavailable."}}`}},
			errHas: "Service unavailable", tokens: []string{"tok1"}},
		{name: "400 permanent", api: APIGmail,
			script: []apiAnswer{{status: 400, body: gmailErr(400, "INVALID_ARGUMENT",
				"Invalid To header")}},
			perm: true, errHas: "Invalid To header", tokens: []string{"tok1"}},
		{name: "403 scope", api: APIGmail,
			script: []apiAnswer{{status: 403, header: map[string]string{"WWW-Authenticate": `Bearer error="insufficient_scope", scope="https://www.googleapis.com/auth/gmail.send"`},
				body: gmailErr(403, "PERMISSION_DENIED", "Request had insufficient authentication scopes.")}},
			errHas: "gmail.send", tokens: []string{"tok1"}},
		{name: "no answer", api: APIGmail, script: []apiAnswer{{drop: true}},
			dup: true, errHas: "oauthgmail: gmail", tokens: []string{"tok1"}},
		{name: "timeout", api: APIGraph, script: []apiAnswer{{stall: true}},
			dup: true, errHas: "deadline", tokens: []string{"tok1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, tt.script...)
			ts := &renewer{toks: []string{"tok1", "tok2"}}
			d := &API{Timeout: time.Second, Secret: func(context.Context, *Profile) (Secret, error) {
				return Secret{Tokens: ts}, nil
			}}
			e := apiEntry(f, tt.api, "x@r.test", "y@r.test")
			o := d.Deliver(context.Background(), e, e.Pending(), strings.NewReader(apiBody))

			var want map[string]Reply
			if tt.wantReply != nil {
				want = map[string]Reply{"x@r.test": *tt.wantReply, "y@r.test": *tt.wantReply}
			}
			if diff := cmp.Diff(want, o.Recipients, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("replies (-want +got):\n%s", diff)
			}
			if o.Permanent != tt.perm || o.PossibleDuplicate != tt.dup || o.RetryAfter != tt.retry {
				t.Errorf("permanent %v, duplicate %v, retry after %v; want %v, %v, %v",
					o.Permanent, o.PossibleDuplicate, o.RetryAfter, tt.perm, tt.dup, tt.retry)
			}
			if (tt.errHas == "") != (o.Err == nil) || o.Err != nil && !strings.Contains(o.Err.Error(), tt.errHas) {
				t.Errorf("Err = %v, want one containing %q", o.Err, tt.errHas)
			}
			paths, auths, msgs := f.calls()
			if diff := cmp.Diff(tt.tokens, auths); diff != "" {
				t.Errorf("bearer tokens (-want +got):\n%s", diff)
			}
			for i, m := range msgs {
				if m != apiBody {
					t.Errorf("request %d to %s carried %q, want %q", i, paths[i], m, apiBody)
				}
			}
		})
	}
}

// TestAPIPaths checks the request path of each service, with and without
// a user to send as.
func TestAPIPaths(t *testing.T) {
	tests := []struct{ api, user, want string }{
		{APIGmail, "", "/gmail/v1/users/me/messages/send"},
		{APIGmail, "ann@example.com", "/gmail/v1/users/ann@example.com/messages/send"},
		{APIGraph, "", "/v1.0/me/sendMail"},
		{APIGraph, "ann@example.com", "/v1.0/users/ann@example.com/sendMail"},
	}
	for _, tt := range tests {
		f := newFakeAPI(t, apiAnswer{status: 202, body: `{"id":"m1","threadId":"t1"}`})
		e := apiEntry(f, tt.api, "x@r.test")
		e.Profile.APIUser = tt.user
		d := &API{Secret: func(context.Context, *Profile) (Secret, error) {
			return ParseSecret("[oauth]tok"), nil
		}}
		if o := d.Deliver(context.Background(), e, e.Pending(), strings.NewReader(apiBody)); o.Err != nil {
			t.Fatalf("%s %q: %v", tt.api, tt.user, o.Err)
		}
		if paths, _, _ := f.calls(); len(paths) != 1 || paths[0] != tt.want {
			t.Errorf("%s %q: paths %q, want [%q]", tt.api, tt.user, paths, tt.want)
		}
	}
}

// TestAPIRefusesBadProfiles: an endpoint in clear off loopback, an
// unknown API, a profile without credential and a password credential
// send nothing.
func TestAPIRefusesBadProfiles(t *testing.T) {
	f := newFakeAPI(t)
	tests := []struct {
		name string
		edit func(p *Profile)
		sec  Secret
		perm bool
		is   error
	}{
		{"clear endpoint", func(p *Profile) { p.Endpoint = "http://api.example.com" },
			ParseSecret("[oauth]tok"), true, nil},
		{"unknown api", func(p *Profile) { p.API = "yahoo" }, ParseSecret("[oauth]tok"), true, nil},
		{"no credential", func(p *Profile) { p.Credential = "" }, ParseSecret("[oauth]tok"), false, ErrNoSecret},
		{"password", func(*Profile) {}, ParseSecret("hunter2"), false, ErrNoSecret},
	}
	for _, tt := range tests {
		e := apiEntry(f, APIGmail, "x@r.test")
		tt.edit(&e.Profile)
		d := &API{Secret: func(context.Context, *Profile) (Secret, error) { return tt.sec, nil }}
		o := d.Deliver(context.Background(), e, e.Pending(), strings.NewReader(apiBody))
		if o.Err == nil || o.Permanent != tt.perm || tt.is != nil && !errors.Is(o.Err, tt.is) {
			t.Errorf("%s: Deliver = %+v, want an error, permanent %v", tt.name, o, tt.perm)
		}
	}
	if paths, _, _ := f.calls(); len(paths) != 0 {
		t.Errorf("requests sent: %q", paths)
	}
}

// TestApplyRetryAfter: a Retry-After longer than the backoff delay sets
// the next attempt; a shorter one leaves the backoff's; one past the
// lifetime fails the entry.
func TestApplyRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	b := &Backoff{Min: time.Minute, Jitter: -1, Lifetime: time.Hour}
	tests := []struct {
		retry    time.Duration
		wantNext time.Duration
		done     bool
	}{
		{0, time.Minute, false},
		{30 * time.Second, time.Minute, false},
		{10 * time.Minute, 10 * time.Minute, false},
		{2 * time.Hour, 0, true},
	}
	for _, tt := range tests {
		e := &Entry{Created: now, Expires: now.Add(time.Hour),
			Recipients: []Recipient{{Addr: "x@r.test", State: Pending}}}
		done := e.Apply(Outcome{Err: errors.New("429"), RetryAfter: tt.retry}, now, b)
		if done != tt.done || !done && !e.Next.Equal(now.Add(tt.wantNext)) {
			t.Errorf("RetryAfter %v: done %v, next %v; want %v, %v", tt.retry, done,
				e.Next.Sub(now), tt.done, tt.wantNext)
		}
	}
}

// TestRouter sends SMTP and API entries through one deliverer; the SMTP
// deliverer alone leaves an API entry pending without connecting.
func TestRouter(t *testing.T) {
	k := startFaultSink(t)
	f := newFakeAPI(t)
	r := &Router{SMTP: fastSMTP(), API: &API{Secret: func(context.Context, *Profile) (Secret, error) {
		return ParseSecret("[oauth]tok"), nil
	}}}
	defer r.Close(context.Background())
	se := sinkEntry(k, "ok-1@s.test", "ok-a@r.test")
	ae := apiEntry(f, APIGmail, "x@r.test")
	for _, e := range []*Entry{se, ae} {
		if o := r.Deliver(context.Background(), e, e.Pending(), strings.NewReader(apiBody)); o.Err != nil {
			t.Fatalf("%s: %v", e.Profile.Host, o.Err)
		}
	}
	if o := r.SMTP.Deliver(context.Background(), ae, ae.Pending(), strings.NewReader(apiBody)); !errors.Is(o.Err, ErrNotSMTP) || o.Permanent {
		t.Errorf("SMTP given an API entry: %+v, want a temporary ErrNotSMTP", o)
	}
	paths, _, _ := f.calls()
	if k.count("ok-1@s.test", "ok-a@r.test") != 1 || len(paths) != 1 {
		t.Errorf("SMTP copies %d, API requests %d; want 1 and 1",
			k.count("ok-1@s.test", "ok-a@r.test"), len(paths))
	}
}

// TestAPIGmailUploadFromSpool: a message over RawLimit goes to Gmail's
// media upload, streamed from the spool file by the agent. The 401 to the
// first token comes before "100 Continue", so no byte of the message was
// sent yet and the upload is made again with the renewed token.
func TestAPIGmailUploadFromSpool(t *testing.T) {
	var mu sync.Mutex
	var got []string // "token path content-type bytes"
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if tok != "tok2" { // refuse before reading: Go's server sends no 100 Continue
			mu.Lock()
			got = append(got, tok+" "+r.URL.Path)
			mu.Unlock()
			w.WriteHeader(401)
			io.WriteString(w, `{"error":{"code":401,"message":"Invalid Credentials","status":"UNAUTHENTICATED"}}`)
			return
		}
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, body = append(got, tok+" "+r.URL.Path+" "+r.Header.Get("Content-Type")), b
		mu.Unlock()
		io.WriteString(w, `{"id":"big","threadId":"big"}`)
	}))
	defer srv.Close()

	s, _ := newSpool(t)
	msg := "From: a@s.test\r\nTo: x@r.test\r\nSubject: big\r\n\r\n" +
		strings.Repeat("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n", 2000)
	e := &Entry{From: "a@s.test", Recipients: []Recipient{{Addr: "x@r.test"}},
		Profile: Profile{Host: "Google API", API: APIGmail, Endpoint: srv.URL, Credential: "tokenstore:/unused"}}
	if _, err := s.Enqueue(context.Background(), e, strings.NewReader(msg)); err != nil {
		t.Fatal(err)
	}
	ts := &renewer{toks: []string{"tok1", "tok2"}}
	d := &API{RawLimit: 1024, Secret: func(context.Context, *Profile) (Secret, error) {
		return Secret{Tokens: ts}, nil
	}}
	var done *Entry
	a := &Agent{Spool: s, Deliver: d, Finished: func(e *Entry) { done = e }}
	if n := a.RunOnce(context.Background()); n != 1 {
		t.Fatalf("RunOnce attempted %d entries", n)
	}
	const upload = "/upload/gmail/v1/users/me/messages/send"
	want := []string{"tok1 " + upload, "tok2 " + upload + " message/rfc822"}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if string(body) != msg {
		t.Errorf("uploaded %d bytes, want the %d of the spooled message", len(body), len(msg))
	}
	if done == nil || done.Recipients[0].State != Delivered {
		t.Errorf("entry not delivered: %+v", done)
	}
}
