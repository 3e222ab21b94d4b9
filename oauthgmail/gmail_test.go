// SPDX-License-Identifier: Apache-2.0

package oauthgmail

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

const testAccess = "ya29.a0AfB_static-secret-token"

func onlyToken(tok string) func(string) bool { return func(s string) bool { return s == tok } }

func gmailSender(url string, ts oauth2.TokenSource, sl *sleeps) *GmailSender {
	o := &GmailOptions{Endpoint: url}
	if sl != nil {
		o.Retry.Sleep = sl.sleep
	}
	return NewGmailSender(ts, o)
}

// TestGmailRawCASE29: a small message goes as {"raw": base64url}, exactly
// the bytes CASE-29 checked, and the message id and thread id come back.
func TestGmailRawCASE29(t *testing.T) {
	v := loadVectors(t)
	f, srv := newFakeAPI(t, "gmail", onlyToken(testAccess))
	res, err := gmailSender(srv.URL, staticSource{testAccess}, nil).
		Send(context.Background(), strings.NewReader(v.GmailRaw.Message))
	if err != nil {
		t.Fatal(err)
	}
	if res.ID != "18c1f3a9b2e4d5f6" || res.ThreadID != "18c1f3a9b2e4d5f0" ||
		len(res.LabelIDs) != 1 || res.LabelIDs[0] != "SENT" {
		t.Errorf("result = %+v", res)
	}
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.method != "POST" || r.path != "/gmail/v1/users/me/messages/send" || r.query != "" ||
		r.contentType != "application/json" || r.auth != "Bearer "+testAccess {
		t.Errorf("request = %s %s?%s %s %s", r.method, r.path, r.query, r.contentType, r.auth)
	}
	if string(r.body) != v.GmailRaw.RequestBody {
		t.Errorf("body = %s, want %s", r.body, v.GmailRaw.RequestBody)
	}
	if strings.Contains(string(r.body), v.GmailRaw.StdBase64) {
		t.Errorf("body uses the standard alphabet")
	}
	raw := strings.TrimSuffix(strings.TrimPrefix(string(r.body), `{"raw":"`), `"}`)
	back, err := b64url(raw)
	if err != nil || string(back) != v.GmailRaw.Message {
		t.Errorf("raw decodes to %q, %v; want %q", back, err, v.GmailRaw.Message)
	}
}

func bigMessage(n int) []byte {
	var b bytes.Buffer
	b.WriteString("From: a@example.test\r\nTo: b@example.test\r\nSubject: big\r\n\r\n")
	for i := 0; b.Len() < n; i++ {
		b.WriteString("0123456789abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ\r\n")
	}
	return b.Bytes()[:n]
}

// onlyReader hides any Seek method.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// TestGmailMediaUpload: a message above RawLimit is streamed as
// message/rfc822 with uploadType=media, byte for byte.
func TestGmailMediaUpload(t *testing.T) {
	msg := bigMessage(3 << 20)
	tests := []struct {
		name    string
		r       io.Reader
		wantLen int64
	}{
		{"seeker", bytes.NewReader(msg), int64(len(msg))},
		{"stream", onlyReader{bytes.NewReader(msg)}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFakeAPI(t, "gmail", onlyToken(testAccess))
			res, err := gmailSender(srv.URL, staticSource{testAccess}, nil).Send(context.Background(), tt.r)
			if err != nil {
				t.Fatal(err)
			}
			if res.ID != "18c1f3a9b2e4d5f6" {
				t.Errorf("ID = %q", res.ID)
			}
			r := f.requests()[0]
			if r.path != "/upload/gmail/v1/users/me/messages/send" || r.query != "uploadType=media" ||
				r.contentType != "message/rfc822" {
				t.Errorf("request = %s?%s %s", r.path, r.query, r.contentType)
			}
			if !bytes.Equal(r.body, msg) {
				t.Errorf("server got %d bytes, not the %d of the message", len(r.body), len(msg))
			}
			if r.contentLength != tt.wantLen {
				t.Errorf("Content-Length = %d, want %d", r.contentLength, tt.wantLen)
			}
		})
	}
}

func TestGmailTooLarge(t *testing.T) {
	msg := bigMessage(1001)
	for _, r := range []io.Reader{bytes.NewReader(msg), onlyReader{bytes.NewReader(msg)}} {
		f, srv := newFakeAPI(t, "gmail", onlyToken(testAccess))
		s := NewGmailSender(staticSource{testAccess}, &GmailOptions{Endpoint: srv.URL,
			RawLimit: 100, MaxSize: 1000})
		_, err := s.Send(context.Background(), r)
		if !errors.Is(err, ErrMessageTooLarge) {
			t.Errorf("Send of 1001 bytes with MaxSize 1000 = %v, want ErrMessageTooLarge", err)
		}
		for _, rq := range f.requests() {
			if len(rq.body) >= 1001 {
				t.Errorf("the whole oversized message reached the server")
			}
		}
	}
	if GmailMaxSize != 36700160 {
		t.Errorf("GmailMaxSize = %d, want Gmail's documented 36700160", GmailMaxSize)
	}
}

// TestGmail401Renews: a rejected access token is renewed once through the
// store, and the same bytes are sent again with the new token.
func TestGmail401Renews(t *testing.T) {
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	as, ts, _ := newSource(t, "google", "1//0g-rt", now.Add(time.Hour))
	accept := func(tok string) bool { return strings.HasPrefix(tok, "ya29.a0AfB_test-access-") }
	f, srv := newFakeAPI(t, "gmail", accept)
	msg := bigMessage(3 << 20)
	for _, r := range []io.Reader{strings.NewReader("Subject: x\r\n\r\nhi\r\n"), bytes.NewReader(msg)} {
		if _, err := gmailSender(srv.URL, ts, nil).Send(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	reqs := f.requests()
	if len(reqs) != 3 || as.refreshes != 1 {
		t.Fatalf("%d requests and %d refreshes, want 3 and 1", len(reqs), as.refreshes)
	}
	if reqs[0].auth != "Bearer old-access" || reqs[1].auth != "Bearer ya29.a0AfB_test-access-1" ||
		!bytes.Equal(reqs[0].body, reqs[1].body) {
		t.Errorf("retry after 401: auth %q then %q, same body %v", reqs[0].auth, reqs[1].auth,
			bytes.Equal(reqs[0].body, reqs[1].body))
	}
	if !bytes.Equal(reqs[2].body, msg) {
		t.Errorf("large message altered")
	}
	r, _ := ts.Store.Load()
	if r.AccessToken != "ya29.a0AfB_test-access-1" {
		t.Errorf("renewed token not saved: %q", r.AccessToken)
	}
}

// TestGmail401Twice: a source that cannot renew gives the 401 as an error
// after one try; a renewed token that is rejected again is not renewed
// again.
func TestGmail401Twice(t *testing.T) {
	f, srv := newFakeAPI(t, "gmail", func(string) bool { return false })
	_, err := gmailSender(srv.URL, staticSource{testAccess}, nil).
		Send(context.Background(), strings.NewReader("Subject: x\r\n\r\nhi\r\n"))
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != 401 || ae.Status != "UNAUTHENTICATED" ||
		!strings.Contains(err.Error(), "invalid authentication credentials") {
		t.Fatalf("Send = %v, want the 401 with Google's message", err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}

	_, ts, _ := newSource(t, "google", "1//0g-rt", time.Now().Add(time.Hour))
	f2, srv2 := newFakeAPI(t, "gmail", func(string) bool { return false })
	_, err = gmailSender(srv2.URL, ts, nil).Send(context.Background(), strings.NewReader("x"))
	if !errors.As(err, &ae) || ae.StatusCode != 401 || len(f2.requests()) != 2 {
		t.Errorf("Send = %v after %d requests, want 401 after 2", err, len(f2.requests()))
	}
}

func TestGmail403NamesScope(t *testing.T) {
	tests := []struct {
		name   string
		header map[string]string
		want   string
	}{
		{"www-authenticate", map[string]string{"WWW-Authenticate": `Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="https://www.googleapis.com/auth/gmail.send"`},
			"lacks the scope https://www.googleapis.com/auth/gmail.send"},
		{"body only", nil,
			"lacks the scope https://www.googleapis.com/auth/gmail.send or https://mail.google.com/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFakeAPI(t, "gmail", nil, reply{403, tt.header, google403})
			sl := &sleeps{}
			_, err := gmailSender(srv.URL, staticSource{testAccess}, sl).
				Send(context.Background(), strings.NewReader("x"))
			if !errors.Is(err, ErrInsufficientScope) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Send = %v, want ErrInsufficientScope naming %q", err, tt.want)
			}
			var ae *APIError
			if !errors.As(err, &ae) || !ae.Permanent() || ae.Reason != "ACCESS_TOKEN_SCOPE_INSUFFICIENT" {
				t.Errorf("APIError = %+v", ae)
			}
			if len(f.requests()) != 1 || len(sl.get()) != 0 {
				t.Errorf("403 retried")
			}
		})
	}
}

func TestGmailRetries(t *testing.T) {
	dateIn9s := time.Date(2026, 12, 4, 10, 0, 9, 0, time.UTC).Format(http.TimeFormat)
	tests := []struct {
		name      string
		script    []reply
		wantWaits []time.Duration
		wantErr   int // HTTP status of the final error; 0 for success
		wantReqs  int
	}{
		{"429 retry-after seconds", []reply{{429, map[string]string{"Retry-After": "7"}, google429}},
			[]time.Duration{7 * time.Second}, 0, 2},
		{"429 retry-after date", []reply{{429, map[string]string{"Retry-After": dateIn9s}, google429}},
			[]time.Duration{9 * time.Second}, 0, 2},
		{"5xx backoff", []reply{{500, nil, google500}, {503, nil, google500}},
			[]time.Duration{time.Second, 2 * time.Second}, 0, 3},
		{"5xx gives up", []reply{{500, nil, google500}, {502, nil, ""}, {503, nil, google500}, {500, nil, google500}},
			[]time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, 500, 4},
		{"retry-after too long", []reply{{429, map[string]string{"Retry-After": "3600"}, google429}},
			nil, 429, 1},
		{"400 permanent", []reply{{400, nil, google400}}, nil, 400, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFakeAPI(t, "gmail", nil, tt.script...)
			sl := &sleeps{}
			s := NewGmailSender(staticSource{testAccess}, &GmailOptions{Endpoint: srv.URL,
				Retry: RetryOptions{Sleep: sl.sleep,
					Now: func() time.Time { return time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC) }}})
			res, err := s.Send(context.Background(), strings.NewReader("Subject: x\r\n\r\nhi\r\n"))
			if tt.wantErr == 0 && (err != nil || res.ID == "") {
				t.Errorf("Send = %v, %v; want success", res, err)
			}
			var ae *APIError
			if tt.wantErr != 0 && (!errors.As(err, &ae) || ae.StatusCode != tt.wantErr) {
				t.Errorf("Send = %v, want HTTP %d", err, tt.wantErr)
			}
			if !equalDurations(sl.get(), tt.wantWaits) {
				t.Errorf("waits = %v, want %v", sl.get(), tt.wantWaits)
			}
			if n := len(f.requests()); n != tt.wantReqs {
				t.Errorf("%d requests, want %d", n, tt.wantReqs)
			}
		})
	}
}

func TestGmailPermanentMessage(t *testing.T) {
	_, srv := newFakeAPI(t, "gmail", nil, reply{400, nil, google400})
	_, err := gmailSender(srv.URL, staticSource{testAccess}, nil).Send(context.Background(), strings.NewReader("x"))
	want := "oauthgmail: gmail: HTTP 400 INVALID_ARGUMENT: Invalid To header"
	if err == nil || err.Error() != want {
		t.Errorf("Send = %v, want %q", err, want)
	}
}

// TestGmailLargeStreamRetry: a large message from a plain reader is sent
// once; a large one from a seeker is rewound for the retry.
func TestGmailLargeRetry(t *testing.T) {
	msg := bigMessage(3 << 20)
	f, srv := newFakeAPI(t, "gmail", nil, reply{503, nil, google500})
	sl := &sleeps{}
	if _, err := gmailSender(srv.URL, staticSource{testAccess}, sl).
		Send(context.Background(), bytes.NewReader(msg)); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 2 || !bytes.Equal(reqs[1].body, msg) {
		t.Errorf("%d requests; retry body intact: %v", len(reqs), len(reqs) == 2 && bytes.Equal(reqs[1].body, msg))
	}

	f, srv = newFakeAPI(t, "gmail", nil, reply{503, nil, google500})
	_, err := gmailSender(srv.URL, staticSource{testAccess}, sl).
		Send(context.Background(), onlyReader{bytes.NewReader(msg)})
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != 503 || len(f.requests()) != 1 {
		t.Errorf("stream after 503: %v after %d requests, want the 503 after 1", err, len(f.requests()))
	}
}

// TestTokenNeverLeaksSEC35 runs every failure with a trace and checks that
// neither the access token nor the refresh token appears in any error or in
// the trace, even when the server echoes the token back.
func TestTokenNeverLeaksSEC35(t *testing.T) {
	echo := `{"error":{"code":400,"message":"bad header Authorization: Bearer ` + testAccess + `","status":"INVALID_ARGUMENT"}}`
	scripts := [][]reply{
		{{401, nil, google401}},
		{{403, nil, google403}},
		{{429, map[string]string{"Retry-After": "1"}, google429}, {500, nil, google500}, {500, nil, google500}, {500, nil, google500}},
		{{400, nil, echo}},
		{{400, nil, testAccess}},
		nil,
	}
	var trace bytes.Buffer
	var texts []string
	for _, sc := range scripts {
		_, srv := newFakeAPI(t, "gmail", nil, sc...)
		s := NewGmailSender(staticSource{testAccess}, &GmailOptions{Endpoint: srv.URL, Trace: &trace,
			Retry: RetryOptions{Sleep: (&sleeps{}).sleep}})
		if _, err := s.Send(context.Background(), strings.NewReader("Subject: x\r\n\r\nhi\r\n")); err != nil {
			texts = append(texts, err.Error(), fmtErr(err))
		}
		_, gsrv := newFakeAPI(t, "graph", nil, sc...)
		g := NewGraphSender(staticSource{testAccess}, &GraphOptions{Endpoint: gsrv.URL, Trace: &trace,
			Retry: RetryOptions{Sleep: (&sleeps{}).sleep}})
		if _, err := g.Send(context.Background(), strings.NewReader("Subject: x\r\n\r\nhi\r\n")); err != nil {
			texts = append(texts, err.Error(), fmtErr(err))
		}
	}
	// A network failure.
	s := NewGmailSender(staticSource{testAccess}, &GmailOptions{Endpoint: "http://127.0.0.1:1",
		Trace: &trace, Retry: RetryOptions{Sleep: (&sleeps{}).sleep}})
	if _, err := s.Send(context.Background(), strings.NewReader("x")); err != nil {
		texts = append(texts, err.Error(), fmtErr(err))
	}
	// Token endpoint failures.
	f, srv := newFakeAS(t, "google")
	_, err := f.client(srv.URL).Refresh(context.Background(), "1//0g-secret-refresh")
	texts = append(texts, err.Error(), fmtErr(err))

	if len(texts) < 12 {
		t.Fatalf("only %d error texts collected", len(texts))
	}
	all := strings.Join(texts, "\n")
	mustNotContain(t, "errors", all, testAccess, "1//0g-secret-refresh", testClientSecret)
	mustNotContain(t, "trace", trace.String(), testAccess)
	if !strings.Contains(trace.String(), "> Authorization: Bearer [redacted]") {
		t.Errorf("trace lacks the redacted Authorization line:\n%s", trace.String())
	}
	if !strings.Contains(all, "bad header Authorization: Bearer [redacted]") {
		t.Errorf("echoed token not replaced by [redacted]:\n%s", all)
	}
}

func fmtErr(err error) string { return strings.TrimSpace(strings.ReplaceAll(fmtV(err), "\n", " ")) }

func fmtV(err error) string { return (&bytes.Buffer{}).String() + sprintfV(err) }

// TestDecodeRawCASE29: the read side takes base64url with and without
// padding and refuses the standard alphabet and broken padding.
func TestDecodeRawCASE29(t *testing.T) {
	v := loadVectors(t)
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{strings.TrimSuffix(strings.TrimPrefix(v.GmailRaw.RequestBody, `{"raw":"`), `"}`), v.GmailRaw.Message, false},
		{v.GmailRaw.Unpadded, v.GmailRaw.Message, false},
		{"", "", false},
		{"YQ", "a", false},
		{"YQ==", "a", false},
		{v.GmailRaw.StdBase64, "", true},
		{"YQ=", "", true},
		{"YQ===", "", true},
		{"Y", "", true},
		{"YQ==YQ==", "", true},
	}
	for _, tt := range tests {
		got, err := DecodeRaw(tt.in)
		if tt.wantErr {
			if err == nil || !strings.HasPrefix(err.Error(), "oauthgmail: ") {
				t.Errorf("DecodeRaw(%q) = %q, %v, want an oauthgmail error", tt.in, got, err)
			}
			continue
		}
		if err != nil || string(got) != tt.want {
			t.Errorf("DecodeRaw(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
}
