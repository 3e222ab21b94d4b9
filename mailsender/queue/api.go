// SPDX-License-Identifier: Apache-2.0

package queue

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"

	"github.com/mailwright/mailwright/oauthgmail"
)

// The HTTPS send APIs a [Profile] may name in its API field.
const (
	APIGmail = oauthgmail.ServiceGmail // Gmail API users.messages.send
	APIGraph = oauthgmail.ServiceGraph // Microsoft Graph sendMail
)

// API is the [Deliverer] for entries whose [Profile] names an HTTPS send
// API: the Gmail API or Microsoft Graph, through oauthgmail's senders. The
// service takes the recipients from the message header, so one request
// decides every recipient at once:
//
//   - a 2xx answer delivers them all, with the service's message id (Gmail)
//     or request id (Graph) in the reply;
//   - a 401 renews the token once, through [Secret.Tokens], and sends again
//     within the same attempt; a second 401, a token that cannot be
//     renewed, or a 403 for a missing scope leaves the recipients pending:
//     like an SMTP AUTH failure, the operator fixes the credential (see
//     "mailwright token") and the entry is retried until its lifetime ends;
//   - 408, 429 and 5xx leave them pending, and a Retry-After header sets
//     [Outcome.RetryAfter], the earliest next attempt;
//   - any other 4xx, and a message over the service's size limit, fail
//     them with the service's message;
//   - a request whose body was sent whole but that got no answer (a
//     dropped connection, a timeout) leaves them pending and sets
//     [Outcome.PossibleDuplicate].
//
// The message is read from the spool as it is sent: Gmail's media upload
// streams a large message, which is therefore not sent again after a 401
// that comes once its bytes have gone (Google answers a bad token before
// "100 Continue", so in practice it is). The zero value is usable: tokens
// come from [EnvSecret] and requests use http.DefaultTransport.
type API struct {
	// Secret resolves each profile's Credential; nil means [EnvSecret].
	// A profile needs a Credential: the APIs take only OAuth 2.0 tokens.
	Secret SecretFunc
	// HTTPClient sends the requests; nil means http.DefaultClient. Its
	// Timeout, if any, bounds each request.
	HTTPClient *http.Client
	// RawLimit is the largest message Gmail gets in the JSON "raw" form;
	// 0 means [oauthgmail.DefaultRawLimit].
	RawLimit int64
	// Trace, when set, receives request and status lines, Authorization
	// redacted; message bodies are not traced.
	Trace io.Writer
	// Timeout bounds one attempt, the token renewal included; 0 means
	// [DefaultAPITimeout]. A request that times out once its message was
	// sent is a possible duplicate.
	Timeout time.Duration
}

// DefaultAPITimeout bounds one attempt of [API] by default: the end-of-data
// timeout of RFC 5321 section 4.5.3.2, which the SMTP deliverer observes.
const DefaultAPITimeout = 10 * time.Minute

// Deliver sends msg as e's profile says and reports the same reply for
// every recipient in rcpts.
func (d *API) Deliver(ctx context.Context, e *Entry, rcpts []string, msg io.Reader) Outcome {
	timeout := d.Timeout
	if timeout <= 0 {
		timeout = DefaultAPITimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ts, err := d.tokens(ctx, &e.Profile)
	if err != nil {
		return Outcome{Err: err}
	}
	w := &watch{}
	snd, err := d.sender(&e.Profile, ts, w)
	if err != nil {
		return Outcome{Err: err, Permanent: true}
	}
	res, err := snd.Send(ctx, msg)
	if err != nil {
		return apiOutcome(err, w.unanswered.Load())
	}
	o := Outcome{Recipients: make(map[string]Reply, len(rcpts))}
	r := apiReply(e.Profile.API, res)
	for _, a := range rcpts {
		o.Recipients[a] = r
	}
	return o
}

// tokens returns the token source for profile p.
func (d *API) tokens(ctx context.Context, p *Profile) (oauth2.TokenSource, error) {
	if p.Credential == "" {
		return nil, fmt.Errorf("%w: profile for %s names no token store", ErrNoSecret, p.Host)
	}
	resolve := d.Secret
	if resolve == nil {
		resolve = EnvSecret
	}
	sec, err := resolve(ctx, p)
	switch {
	case err != nil:
		return nil, err
	case sec.Tokens != nil:
		return sec.Tokens, nil
	case sec.Token == "":
		return nil, fmt.Errorf("%w: %s needs an OAuth 2.0 token and the credential is a password",
			ErrNoSecret, p.Host)
	}
	return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: sec.Token, TokenType: "Bearer"}), nil
}

// sender returns oauthgmail's sender for p, on a client that watches
// whether a request went out unanswered. It sends once: the agent's
// backoff, not the sender, spaces the retries.
func (d *API) sender(p *Profile, ts oauth2.TokenSource, w *watch) (oauthgmail.APISender, error) {
	if p.Endpoint != "" && !oauthgmail.SecureEndpoint(p.Endpoint) {
		return nil, fmt.Errorf("queue: profile endpoint %q is not https, nor http to a loopback "+
			"address: the bearer token needs TLS (RFC 6750 section 5.3)", p.Endpoint)
	}
	hc := &http.Client{}
	if d.HTTPClient != nil {
		*hc = *d.HTTPClient
	}
	w.base = hc.Transport
	hc.Transport = w
	retry := oauthgmail.RetryOptions{MaxAttempts: 1}
	switch p.API {
	case APIGmail:
		return oauthgmail.NewGmailSender(ts, &oauthgmail.GmailOptions{Endpoint: p.Endpoint,
			User: p.APIUser, HTTPClient: hc, RawLimit: d.RawLimit, Retry: retry, Trace: d.Trace}), nil
	case APIGraph:
		return oauthgmail.NewGraphSender(ts, &oauthgmail.GraphOptions{Endpoint: p.Endpoint,
			User: p.APIUser, HTTPClient: hc, Retry: retry, Trace: d.Trace}), nil
	}
	return nil, fmt.Errorf("queue: profile API %q (want %s or %s)", p.API, APIGmail, APIGraph)
}

// apiOutcome maps a failed send onto the recipients' states.
func apiOutcome(err error, unanswered bool) Outcome {
	o := Outcome{Err: err}
	var ae *oauthgmail.APIError
	switch {
	case errors.As(err, &ae):
		o.RetryAfter = ae.RetryAfter
		credential := ae.StatusCode == http.StatusUnauthorized ||
			errors.Is(err, oauthgmail.ErrInsufficientScope)
		o.Permanent = !ae.Temporary() && !credential
	case errors.Is(err, oauthgmail.ErrMessageTooLarge):
		o.Permanent = true
	default:
		// No answer: the network, the token endpoint, the context.
		o.PossibleDuplicate = unanswered
	}
	return o
}

// apiReply is every recipient's reply to an accepted send: the HTTP
// status the service documents for success, and its ids.
func apiReply(service string, r *oauthgmail.SendResult) Reply {
	if service == APIGraph {
		text := "accepted by Microsoft Graph"
		if r.RequestID != "" {
			text += ", request-id " + r.RequestID
		}
		return Reply{Code: http.StatusAccepted, Text: text}
	}
	return Reply{Code: http.StatusOK, Text: fmt.Sprintf(
		"sent through the Gmail API as message %s in thread %s", r.ID, r.ThreadID)}
}

// watch is an http.RoundTripper that records whether the last request's
// body was sent whole without an answer coming back: the one case in
// which the service may have taken a message the agent has no record of.
type watch struct {
	base       http.RoundTripper
	unanswered atomic.Bool
}

func (w *watch) RoundTrip(req *http.Request) (*http.Response, error) {
	base := w.base
	if base == nil {
		base = http.DefaultTransport
	}
	var sent atomic.Bool
	if req.Body != nil && req.Body != http.NoBody {
		req.Body = &eofBody{ReadCloser: req.Body, eof: &sent}
	} else {
		sent.Store(true)
	}
	resp, err := base.RoundTrip(req)
	w.unanswered.Store(err != nil && sent.Load())
	return resp, err
}

// eofBody sets eof once the body was read to its end.
type eofBody struct {
	io.ReadCloser
	eof *atomic.Bool
}

func (b *eofBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.eof.Store(true)
	}
	return n, err
}
