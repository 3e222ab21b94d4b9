// SPDX-License-Identifier: Apache-2.0

package oauthgmail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Retry defaults shared by the API senders.
const (
	// DefaultMaxAttempts is how many times a send is tried in all.
	DefaultMaxAttempts = 4
	// DefaultMaxRetryAfter is the longest Retry-After a sender waits for;
	// a longer one is returned as an error for the caller to schedule.
	DefaultMaxRetryAfter = 2 * time.Minute
)

// RetryOptions tune how the API senders retry. The zero value uses the
// defaults.
type RetryOptions struct {
	// MaxAttempts is how many times a send is tried in all, the renewal
	// after a 401 not counted; 0 means [DefaultMaxAttempts].
	MaxAttempts int
	// MaxRetryAfter caps the wait a Retry-After header may ask for; 0
	// means [DefaultMaxRetryAfter].
	MaxRetryAfter time.Duration
	// Backoff is the first wait without Retry-After, doubled after each
	// attempt up to 32 times it; 0 means one second.
	Backoff time.Duration
	// Sleep waits; nil waits on a timer and returns early with ctx's error.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now reads the clock for HTTP-date Retry-After values; nil means
	// time.Now.
	Now func() time.Time
}

// caller performs one API request with the token, renewal and retry rules
// both senders share.
type caller struct {
	service string
	ts      oauth2.TokenSource
	hc      *http.Client
	trace   io.Writer
	retry   RetryOptions
	// scopes are named in a 403 scope error without WWW-Authenticate.
	scopes []string
}

// body gives a request body for each attempt. Replayable reports whether
// another attempt can get the same bytes again.
type body interface {
	open() (io.Reader, int64, error)
	replayable() bool
}

type request struct {
	method, url, contentType string
	body                     body
	expect                   bool
}

func (c *caller) do(ctx context.Context, rq *request) (*http.Response, error) {
	tok, err := tokenCtx(ctx, c.ts)
	if err != nil {
		return nil, fmt.Errorf("oauthgmail: %s: get token: %w", c.service, err)
	}
	renewed := false
	backoff := c.retry.Backoff
	if backoff == 0 {
		backoff = time.Second
	}
	for attempt := 1; ; attempt++ {
		resp, err := c.once(ctx, rq, tok)
		if err != nil {
			if ctx.Err() != nil || !rq.body.replayable() || attempt >= c.maxAttempts() {
				return nil, err
			}
			if err := c.sleep(ctx, backoff); err != nil {
				return nil, err
			}
			backoff = min(2*backoff, 32*time.Second)
			continue
		}
		if resp.StatusCode/100 == 2 {
			return resp, nil
		}
		apiErr := c.apiError(resp, tok.AccessToken)
		if resp.StatusCode == http.StatusUnauthorized && !renewed && rq.body.replayable() {
			renewed, attempt = true, attempt-1
			nt, ok, err := renewToken(ctx, c.ts, tok)
			if err != nil {
				return nil, fmt.Errorf("%v; renewing the token failed: %w", apiErr, err)
			}
			if !ok {
				return nil, apiErr
			}
			tok = nt
			continue
		}
		if !apiErr.Temporary() || !rq.body.replayable() || attempt >= c.maxAttempts() {
			return nil, apiErr
		}
		wait := backoff
		if apiErr.RetryAfter > 0 {
			if apiErr.RetryAfter > c.maxRetryAfter() {
				return nil, apiErr
			}
			wait = apiErr.RetryAfter
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, err
		}
		backoff = min(2*backoff, 32*time.Second)
	}
}

func (c *caller) once(ctx context.Context, rq *request, tok *oauth2.Token) (*http.Response, error) {
	r, n, err := rq.body.open()
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, rq.method, rq.url, io.NopCloser(r))
	if err != nil {
		return nil, fmt.Errorf("oauthgmail: %s: %v", c.service, err)
	}
	req.ContentLength = n
	if n == 0 {
		req.Body = http.NoBody
	}
	req.Header.Set("Content-Type", rq.contentType)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	if rq.expect {
		req.Header.Set("Expect", "100-continue")
	}
	c.traceRequest(req)
	resp, err := c.client().Do(req)
	if err != nil {
		var tl *tooLarge
		if errors.As(err, &tl) {
			return nil, fmt.Errorf("%w: more than %d bytes for %s", ErrMessageTooLarge, tl.max, c.service)
		}
		return nil, fmt.Errorf("oauthgmail: %s: %s", c.service, redact(err.Error(), tok.AccessToken))
	}
	c.traceResponse(resp)
	return resp, nil
}

func (c *caller) client() *http.Client {
	if c.hc != nil {
		return c.hc
	}
	return http.DefaultClient
}

func (c *caller) maxAttempts() int {
	if c.retry.MaxAttempts > 0 {
		return c.retry.MaxAttempts
	}
	return DefaultMaxAttempts
}

func (c *caller) maxRetryAfter() time.Duration {
	if c.retry.MaxRetryAfter > 0 {
		return c.retry.MaxRetryAfter
	}
	return DefaultMaxRetryAfter
}

func (c *caller) sleep(ctx context.Context, d time.Duration) error {
	if c.retry.Sleep != nil {
		return c.retry.Sleep(ctx, d)
	}
	return sleepCtx(ctx, d)
}

func (c *caller) now() time.Time {
	if c.retry.Now != nil {
		return c.retry.Now()
	}
	return time.Now()
}

// traceRequest writes the request line and headers, Authorization
// redacted (SEC-35). Bodies are not traced.
func (c *caller) traceRequest(req *http.Request) {
	if c.trace == nil {
		return
	}
	fmt.Fprintf(c.trace, "> %s %s\n", req.Method, req.URL.Redacted())
	keys := make([]string, 0, len(req.Header))
	for k := range req.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := strings.Join(req.Header[k], ", ")
		if k == "Authorization" {
			scheme, _, _ := strings.Cut(v, " ")
			v = scheme + " [redacted]"
		}
		fmt.Fprintf(c.trace, "> %s: %s\n", k, v)
	}
	if req.ContentLength > 0 {
		fmt.Fprintf(c.trace, "> Content-Length: %d\n", req.ContentLength)
	}
}

func (c *caller) traceResponse(resp *http.Response) {
	if c.trace == nil {
		return
	}
	fmt.Fprintf(c.trace, "< %s\n", resp.Status)
	for _, k := range []string{"Retry-After", "Www-Authenticate", "Request-Id"} {
		if v := resp.Header.Get(k); v != "" {
			fmt.Fprintf(c.trace, "< %s: %s\n", k, v)
		}
	}
}

// apiError reads an error answer in Google's or Graph's JSON form. The body
// is read up to 64 KiB; the token is removed from what the server says.
func (c *caller) apiError(resp *http.Response, token string) *APIError {
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	e := &APIError{Service: c.service, StatusCode: resp.StatusCode}
	var doc struct {
		Error struct {
			Code    json.RawMessage `json:"code"`
			Message string          `json:"message"`
			Status  string          `json:"status"`
			Errors  []struct {
				Reason string `json:"reason"`
			} `json:"errors"`
			Details []struct {
				Reason string `json:"reason"`
			} `json:"details"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &doc) == nil {
		e.Message = doc.Error.Message
		e.Status = doc.Error.Status
		var code string
		if json.Unmarshal(doc.Error.Code, &code) == nil && e.Status == "" {
			e.Status = code
		}
		if len(doc.Error.Errors) > 0 {
			e.Reason = doc.Error.Errors[0].Reason
		}
		for _, d := range doc.Error.Details {
			if d.Reason == "ACCESS_TOKEN_SCOPE_INSUFFICIENT" {
				e.Reason = d.Reason
			}
		}
	}
	if e.Message == "" && e.Status == "" {
		e.Message = strings.TrimSpace(string(data[:min(len(data), 200)]))
		if !isPrintable(e.Message) {
			e.Message = ""
		}
	}
	e.Message = redact(e.Message, token)
	e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), c.now())
	if resp.StatusCode == http.StatusForbidden {
		e.Scope = c.missingScope(resp.Header.Get("WWW-Authenticate"), e)
	}
	return e
}

// missingScope names the scope a 403 asks for, or nil when the 403 is not
// about scopes.
func (c *caller) missingScope(wwwAuth string, e *APIError) []string {
	params := bearerParams(wwwAuth)
	scopeErr := params["error"] == "insufficient_scope" ||
		e.Reason == "insufficientPermissions" || e.Reason == "ACCESS_TOKEN_SCOPE_INSUFFICIENT" ||
		strings.Contains(strings.ToLower(e.Message), "insufficient authentication scopes") ||
		e.Status == "ErrorAccessDenied"
	if !scopeErr {
		return nil
	}
	if s := strings.Fields(params["scope"]); len(s) > 0 {
		return s
	}
	return c.scopes
}

// bearerParams parses the auth-params of a Bearer challenge (RFC 6750 §3).
func bearerParams(h string) map[string]string {
	out := map[string]string{}
	scheme, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return out
	}
	for rest != "" {
		rest = strings.TrimLeft(rest, " ,")
		k, v, ok := strings.Cut(rest, "=")
		if !ok {
			break
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if strings.HasPrefix(v, `"`) {
			end := strings.IndexByte(v[1:], '"')
			if end < 0 {
				out[k] = v[1:]
				break
			}
			out[k], rest = v[1:1+end], v[2+end:]
			continue
		}
		v, rest, _ = strings.Cut(v, ",")
		out[k] = strings.TrimSpace(v)
	}
	return out
}

// retryAfter reads a Retry-After value: delay seconds or an HTTP date
// (RFC 9110 §10.2.3).
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(min(n, 86400)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now).Round(time.Second)
	}
	return 0
}

// redact removes a token from text a server or the network returned.
func redact(s, token string) string {
	if token == "" {
		return s
	}
	return strings.ReplaceAll(s, token, "[redacted]")
}

func isPrintable(s string) bool {
	for _, r := range s {
		if r < 0x20 && r != '\t' || r == 0x7f || r == 0xfffd {
			return false
		}
	}
	return true
}

// tooLarge is returned by a sizeReader once more than max bytes were read.
type tooLarge struct{ max int64 }

func (e *tooLarge) Error() string { return fmt.Sprintf("message larger than %d bytes", e.max) }

// sizeReader counts bytes and fails once more than max were read.
type sizeReader struct {
	r   io.Reader
	n   int64
	max int64
}

func (s *sizeReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if s.n+int64(n) > s.max {
		n = int(s.max - s.n)
		s.n = s.max + 1
		return n, &tooLarge{max: s.max}
	}
	s.n += int64(n)
	return n, err
}
