// SPDX-License-Identifier: Apache-2.0

package oauthgmail

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// Microsoft Graph endpoints and limits.
const (
	// GraphEndpoint is Microsoft Graph's base URL.
	GraphEndpoint = "https://graph.microsoft.com"
	// GraphMaxSize is the largest message sendMail takes in MIME form:
	// the request may hold 4 MB, and base64 makes 3 bytes into 4.
	GraphMaxSize = 3 << 20
)

// GraphOptions configure a [GraphSender]. The zero value sends as the
// token's own user to Microsoft.
type GraphOptions struct {
	// Endpoint is Graph's base URL; "" means [GraphEndpoint].
	Endpoint string
	// User is the user id or principal name to send as; "" means "me".
	User string
	// HTTPClient sends the requests; nil means http.DefaultClient.
	HTTPClient *http.Client
	// MaxSize is the largest message sent; 0 means [GraphMaxSize].
	MaxSize int64
	// Retry tunes retries of 429 and 5xx answers.
	Retry RetryOptions
	// Trace, when set, receives request and status lines with the
	// Authorization header redacted.
	Trace io.Writer
}

// GraphSender sends complete MIME messages through Microsoft Graph's
// sendMail, for Microsoft 365 accounts whose SMTP AUTH is switched off. It
// is safe for concurrent use.
type GraphSender struct {
	c       caller
	url     string
	maxSize int64
}

// NewGraphSender returns a sender that authenticates with tokens from ts,
// which need the Mail.Send scope. o may be nil.
func NewGraphSender(ts oauth2.TokenSource, o *GraphOptions) *GraphSender {
	if o == nil {
		o = &GraphOptions{}
	}
	ep := strings.TrimSuffix(o.Endpoint, "/")
	if ep == "" {
		ep = GraphEndpoint
	}
	path := "/v1.0/me/sendMail"
	if o.User != "" {
		path = "/v1.0/users/" + url.PathEscape(o.User) + "/sendMail"
	}
	s := &GraphSender{
		c: caller{service: "graph", ts: ts, hc: o.HTTPClient, trace: o.Trace, retry: o.Retry,
			scopes: []string{ScopeGraphMailSend}},
		url:     ep + path,
		maxSize: o.MaxSize,
	}
	if s.maxSize <= 0 {
		s.maxSize = GraphMaxSize
	}
	return s
}

// Send sends the message read from raw as base64-encoded MIME, the form
// sendMail takes with Content-Type text/plain. Graph takes the recipients
// from the headers and saves a copy in Sent Items. It answers 202 without
// a message id; SendResult.RequestID holds its request id.
func (s *GraphSender) Send(ctx context.Context, raw io.Reader) (*SendResult, error) {
	msg, err := io.ReadAll(io.LimitReader(raw, s.maxSize+1))
	if err != nil {
		return nil, fmt.Errorf("oauthgmail: graph: read message: %w", err)
	}
	if int64(len(msg)) > s.maxSize {
		return nil, fmt.Errorf("oauthgmail: graph: %w: more than %d bytes", ErrMessageTooLarge, s.maxSize)
	}
	enc := base64.StdEncoding
	rq := &request{method: http.MethodPost, url: s.url, contentType: "text/plain",
		body: &bytesBody{b: enc.AppendEncode(nil, msg)}}
	resp, err := s.c.do(ctx, rq)
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return &SendResult{RequestID: resp.Header.Get("request-id")}, nil
}

// BUG(mailwright): GraphSender sends MIME messages up to GraphMaxSize (3
// MiB before base64) only. Larger messages need Graph's upload session on a
// draft, which takes JSON attachments rather than MIME and is not
// implemented.
