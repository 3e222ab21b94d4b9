// SPDX-License-Identifier: Apache-2.0

package oauthgmail

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// Gmail API limits and endpoints.
const (
	// GmailEndpoint is the Gmail API's base URL.
	GmailEndpoint = "https://gmail.googleapis.com"
	// GmailMaxSize is users.messages.send's documented upload limit:
	// 36700160 bytes (35 MB).
	GmailMaxSize = 36700160
	// DefaultRawLimit is the largest message sent in the JSON "raw" form;
	// larger ones use the media upload.
	DefaultRawLimit = 2 << 20
)

// GmailOptions configure a [GmailSender]. The zero value sends as the
// token's own user to Google.
type GmailOptions struct {
	// Endpoint is the API's base URL; "" means [GmailEndpoint]. The
	// upload URL is Endpoint + "/upload/gmail/v1/...".
	Endpoint string
	// User is the userId path parameter; "" means "me", the token's user.
	User string
	// HTTPClient sends the requests; nil means http.DefaultClient.
	HTTPClient *http.Client
	// RawLimit is the largest message sent as JSON "raw"; 0 means
	// [DefaultRawLimit].
	RawLimit int64
	// MaxSize is the largest message sent at all; 0 means [GmailMaxSize].
	MaxSize int64
	// Retry tunes retries of 429 and 5xx answers.
	Retry RetryOptions
	// Trace, when set, receives request and status lines with the
	// Authorization header redacted; message bodies are not traced.
	Trace io.Writer
}

// SendResult is what the service returned for a sent message.
type SendResult struct {
	// ID and ThreadID are Gmail's message and thread ids; empty for Graph,
	// whose sendMail returns none.
	ID       string   `json:"id"`
	ThreadID string   `json:"threadId"`
	LabelIDs []string `json:"labelIds,omitempty"`
	// RequestID is Graph's request-id header, for support requests.
	RequestID string `json:"-"`
}

// GmailSender sends complete RFC 5322 messages through the Gmail API's
// users.messages.send. It is safe for concurrent use.
type GmailSender struct {
	c        caller
	endpoint string
	user     string
	rawLimit int64
	maxSize  int64
}

// NewGmailSender returns a sender that authenticates with tokens from ts
// (a [*TokenSource] is renewed on 401; any oauth2.TokenSource works). The
// token needs one of the scopes gmail.send, gmail.compose, gmail.modify or
// https://mail.google.com/. o may be nil.
func NewGmailSender(ts oauth2.TokenSource, o *GmailOptions) *GmailSender {
	if o == nil {
		o = &GmailOptions{}
	}
	s := &GmailSender{
		c: caller{service: "gmail", ts: ts, hc: o.HTTPClient, trace: o.Trace, retry: o.Retry,
			scopes: []string{ScopeGmailSend, ScopeGoogleMail}},
		endpoint: strings.TrimSuffix(o.Endpoint, "/"),
		user:     o.User,
		rawLimit: o.RawLimit,
		maxSize:  o.MaxSize,
	}
	if s.endpoint == "" {
		s.endpoint = GmailEndpoint
	}
	if s.user == "" {
		s.user = "me"
	}
	if s.rawLimit <= 0 {
		s.rawLimit = DefaultRawLimit
	}
	if s.maxSize <= 0 {
		s.maxSize = GmailMaxSize
	}
	return s
}

// Send sends the message read from raw, which must be a complete message
// with From and recipient headers: Gmail takes the recipients from To, Cc
// and Bcc and removes Bcc. A message up to RawLimit bytes goes as JSON with
// the base64url "raw" field (RFC 4648 §5, CASE-29); a larger one is
// streamed as message/rfc822 with uploadType=media. A large message from a
// reader that is not an io.Seeker is not retried once its bytes were sent.
func (s *GmailSender) Send(ctx context.Context, raw io.Reader) (*SendResult, error) {
	b, small, err := prepareBody(raw, s.rawLimit, s.maxSize)
	if err != nil {
		return nil, fmt.Errorf("oauthgmail: gmail: %w", err)
	}
	user := url.PathEscape(s.user)
	rq := &request{method: http.MethodPost}
	if small != nil {
		rq.url = s.endpoint + "/gmail/v1/users/" + user + "/messages/send"
		rq.contentType = "application/json"
		rq.body = &bytesBody{b: rawJSON(small)}
	} else {
		rq.url = s.endpoint + "/upload/gmail/v1/users/" + user + "/messages/send?uploadType=media"
		rq.contentType = "message/rfc822"
		rq.body = b
		rq.expect = true
	}
	resp, err := s.c.do(ctx, rq)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var res SendResult
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&res); err != nil {
		return nil, fmt.Errorf("oauthgmail: gmail: HTTP %d with an unreadable answer: %v",
			resp.StatusCode, err)
	}
	return &res, nil
}

// rawJSON encodes {"raw":"<base64url>"}; base64url needs no JSON escaping.
func rawJSON(msg []byte) []byte {
	enc := base64.URLEncoding
	out := make([]byte, 0, enc.EncodedLen(len(msg))+10)
	out = append(out, `{"raw":"`...)
	out = enc.AppendEncode(out, msg)
	return append(out, `"}`...)
}

// prepareBody reads a small message whole, or sets up a large one for
// streaming. Small is nil for a large message.
func prepareBody(raw io.Reader, rawLimit, maxSize int64) (b body, small []byte, err error) {
	if sk, ok := raw.(io.ReadSeeker); ok {
		return prepareSeeker(sk, rawLimit, maxSize)
	}
	head, err := io.ReadAll(io.LimitReader(raw, rawLimit+1))
	if err != nil {
		return nil, nil, fmt.Errorf("read message: %w", err)
	}
	if int64(len(head)) <= rawLimit {
		return nil, head, nil
	}
	return &streamBody{r: &sizeReader{r: io.MultiReader(bytes.NewReader(head), raw), max: maxSize}}, nil, nil
}

func prepareSeeker(sk io.ReadSeeker, rawLimit, maxSize int64) (body, []byte, error) {
	start, err := sk.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, nil, fmt.Errorf("seek message: %w", err)
	}
	end, err := sk.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, nil, fmt.Errorf("seek message: %w", err)
	}
	size := end - start
	if size > maxSize {
		return nil, nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrMessageTooLarge, size, maxSize)
	}
	if _, err := sk.Seek(start, io.SeekStart); err != nil {
		return nil, nil, fmt.Errorf("seek message: %w", err)
	}
	if size <= rawLimit {
		small, err := io.ReadAll(io.LimitReader(sk, size))
		if err != nil {
			return nil, nil, fmt.Errorf("read message: %w", err)
		}
		return nil, small, nil
	}
	return &seekBody{s: sk, start: start, size: size}, nil, nil
}

// bytesBody is an in-memory body, always replayable.
type bytesBody struct{ b []byte }

func (b *bytesBody) open() (io.Reader, int64, error) {
	return bytes.NewReader(b.b), int64(len(b.b)), nil
}
func (b *bytesBody) replayable() bool { return true }

// seekBody streams a seekable message and rewinds it for each attempt.
type seekBody struct {
	s           io.ReadSeeker
	start, size int64
}

func (b *seekBody) open() (io.Reader, int64, error) {
	if _, err := b.s.Seek(b.start, io.SeekStart); err != nil {
		return nil, 0, fmt.Errorf("oauthgmail: rewind message: %w", err)
	}
	return io.LimitReader(b.s, b.size), b.size, nil
}
func (b *seekBody) replayable() bool { return true }

// streamBody streams a reader once. It stays replayable while no byte past
// the buffered head was read, as when the server answered before
// "100 Continue".
type streamBody struct {
	r      *sizeReader
	opened bool
}

func (b *streamBody) open() (io.Reader, int64, error) {
	b.opened = true
	if b.r.n == 0 {
		// Nothing consumed yet: start over from the buffered head.
		return b.r, -1, nil
	}
	return nil, 0, fmt.Errorf("oauthgmail: message stream already sent once and cannot be re-read")
}
func (b *streamBody) replayable() bool { return !b.opened || b.r.n == 0 }

// DecodeRaw decodes a Gmail API "raw" or attachment "data" value: base64url
// (RFC 4648 §5) with or without "=" padding, as the API returns raw padded
// and attachment data unpadded (CASE-29). The standard alphabet's "+" and
// "/" are refused, since the API never sends them.
func DecodeRaw(s string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, fmt.Errorf("oauthgmail: not base64url: %v", err)
	}
	if pad := len(s) - len(strings.TrimRight(s, "=")); pad > 0 && len(s)%4 != 0 {
		return nil, fmt.Errorf("oauthgmail: not base64url: %d padding characters leave %d characters",
			pad, len(s))
	}
	return b, nil
}
