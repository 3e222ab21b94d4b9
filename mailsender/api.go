// SPDX-License-Identifier: Apache-2.0

package mailsender

import (
	"context"
	"fmt"
	"net/http"

	"golang.org/x/oauth2"

	"github.com/mailwright/mailwright/oauthgmail"
)

// APIOptions tune the HTTPS send APIs a [Sender] uses when its Host names
// one. The zero value talks to the service's public endpoint.
type APIOptions struct {
	// Endpoint is the service's base URL; empty means
	// [oauthgmail.GmailEndpoint] or [oauthgmail.GraphEndpoint]. It must be
	// https, or http to a loopback address: tests point it at a local
	// server.
	Endpoint string
	// HTTPClient sends the requests; nil means http.DefaultClient.
	HTTPClient *http.Client
	// User is the account to send as: Gmail's userId, Graph's user id or
	// principal name. Empty means "me", the token's own user.
	User string
	// RawLimit is the largest message Gmail gets in the JSON "raw" form;
	// a larger one is streamed as a media upload. Zero means
	// [oauthgmail.DefaultRawLimit].
	RawLimit int64
	// Retry tunes how 429 and 5xx answers are retried; the zero value
	// uses oauthgmail's defaults, honouring Retry-After.
	Retry oauthgmail.RetryOptions
}

// isAPI reports whether s.Host names an HTTPS send API, and which.
func (s *Sender) isAPI() (service string, ok bool) { return oauthgmail.APIHost(s.Host) }

// sendAPI sends m through the HTTPS API named by s.Host. Like the SMTP
// path it checks everything and composes the whole message before the
// first request.
func (s *Sender) sendAPI(ctx context.Context, m *Message, d *DKIM, service string) (*Result, error) {
	ts, err := s.validateAPI(service)
	if err != nil {
		return nil, err
	}
	_, rcpt, err := apiEnvelope(m, service)
	if err != nil {
		return nil, err
	}
	sp := &spool{dir: s.SpoolDir}
	defer sp.Close()
	id, sig, err := s.build(m, d, sp)
	if err != nil {
		return nil, err
	}
	msg := apiMessage(sig, m.Bcc, sp)

	timeout := s.Timeout
	if timeout == 0 {
		timeout = defaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	sr, err := s.apiSender(service, ts).Send(ctx, msg)
	var res *Result
	if err == nil {
		res = apiResult(service, sr, id, rcpt)
	} else {
		err = &SendError{Err: err}
	}
	s.logAPI(ctx, service, len(rcpt), res, err)
	return res, err
}

// validateAPI checks the settings that matter to the API modes and
// returns the token source. Port, TLS, SSL and the other SMTP settings
// are ignored: the APIs are reached over HTTPS with the system's roots.
func (s *Sender) validateAPI(service string) (oauth2.TokenSource, error) {
	switch {
	case hasCtl(s.Username):
		return nil, fieldErr("Sender.Username", "contains a control character")
	case hasCtl(s.Password):
		return nil, fieldErr("Sender.Password", "contains a control character")
	case s.Timeout < 0:
		return nil, fieldErr("Sender.Timeout", "is negative")
	}
	if err := s.API.check(); err != nil {
		return nil, err
	}
	ts, err := s.tokens()
	if err != nil {
		return nil, err
	}
	if ts == nil {
		return nil, fieldErr("Sender.TokenSource", "is nil and Sender.Password holds no \"[oauth]\" "+
			"token: %s needs an OAuth 2.0 access token", apiName(service))
	}
	return ts, nil
}

// check refuses an endpoint a bearer token must not be sent to and a
// user name a request cannot carry. A nil *APIOptions is valid.
func (a *APIOptions) check() error {
	switch {
	case a == nil:
		return nil
	case a.Endpoint != "" && !oauthgmail.SecureEndpoint(a.Endpoint):
		return fieldErr("Sender.API.Endpoint", "is not an https URL, nor an http URL "+
			"of a loopback address: the bearer token needs TLS (RFC 6750 §5.3)")
	case hasCtl(a.User):
		return fieldErr("Sender.API.User", "contains a control character")
	}
	return nil
}

// apiEnvelope checks m for an API send or entry and returns its envelope:
// the APIs take the sender from From, so EnvelopeFrom cannot be honoured.
func apiEnvelope(m *Message, service string) (from string, rcpt []string, err error) {
	if m == nil {
		return "", nil, fieldErr("Message", "is nil")
	}
	if m.EnvelopeFrom != "" {
		return "", nil, fieldErr("Message.EnvelopeFrom", "cannot be set when sending through %s: "+
			"the API takes the sender from From", apiName(service))
	}
	return m.envelope()
}

// apiSender returns oauthgmail's sender for service.
func (s *Sender) apiSender(service string, ts oauth2.TokenSource) oauthgmail.APISender {
	var o APIOptions
	if s.API != nil {
		o = *s.API
	}
	if service == oauthgmail.ServiceGraph {
		return oauthgmail.NewGraphSender(ts, &oauthgmail.GraphOptions{Endpoint: o.Endpoint,
			User: o.User, HTTPClient: o.HTTPClient, Retry: o.Retry, Trace: s.Trace})
	}
	return oauthgmail.NewGmailSender(ts, &oauthgmail.GmailOptions{Endpoint: o.Endpoint,
		User: o.User, HTTPClient: o.HTTPClient, RawLimit: o.RawLimit, Retry: o.Retry,
		Trace: s.Trace})
}

// apiResult describes an accepted API send. The service takes every
// recipient from the header, so all of them count as accepted.
func apiResult(service string, sr *oauthgmail.SendResult, id string, rcpt []string) *Result {
	res := &Result{MessageID: id, Accepted: rcpt, API: service, APIMessageID: sr.ID,
		ThreadID: sr.ThreadID, RequestID: sr.RequestID}
	switch {
	case service == oauthgmail.ServiceGmail:
		res.Reply = fmt.Sprintf("sent through the Gmail API as message %s in thread %s",
			sr.ID, sr.ThreadID)
	case sr.RequestID != "":
		res.Reply = "accepted by Microsoft Graph, request-id " + sr.RequestID
	default:
		res.Reply = "accepted by Microsoft Graph"
	}
	return res
}

// apiName is the service's name for messages.
func apiName(service string) string {
	if service == oauthgmail.ServiceGraph {
		return "Microsoft Graph"
	}
	return "the Gmail API"
}

// logAPI writes one record to s.Logger, if there is one.
func (s *Sender) logAPI(ctx context.Context, service string, n int, res *Result, err error) {
	if s.Logger == nil {
		return
	}
	attrs := []any{"api", service, "recipients", n}
	if res != nil {
		attrs = append(attrs, "reply", res.Reply, "message_id", res.MessageID)
	}
	if err != nil {
		attrs = append(attrs, "error", err.Error())
		s.Logger.ErrorContext(ctx, "mailsender: send failed", attrs...)
		return
	}
	s.Logger.InfoContext(ctx, "mailsender: sent", attrs...)
}
