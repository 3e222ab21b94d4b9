// SPDX-License-Identifier: Apache-2.0

package mailsender

import (
	"context"
	"strings"

	"github.com/mailwright/mailwright/mailsender/queue"
)

// EnqueueOptions are the choices for one Enqueue call. A nil
// *EnqueueOptions enqueues an unsigned message for a server without AUTH.
type EnqueueOptions struct {
	// Credential names the password or token store the delivery agent
	// uses to authenticate, such as "env:SMTP_PASSWORD" or
	// "file:/etc/mailwright/password" (see queue.EnvSecret). The queue
	// stores this name, never Sender.Password, so it is required whenever
	// Sender has a Password.
	Credential string
	// DKIM signs the message as SendCertified would; nil leaves it
	// unsigned, as Send does.
	DKIM *DKIM
}

// Enqueue composes m exactly as Send would (as SendCertified with
// o.DKIM), and stores it in q for a delivery agent, with its envelope and
// a delivery profile made from s: server, port, TLS mode and policy, AUTH
// mechanism or policy, user name and the name of the credential. It returns the
// entry's id once q holds the entry durably.
//
// When Host names an HTTPS send API ("Google API", "Microsoft Graph"),
// the entry is stored as that API takes it (with a Bcc field, which the
// service removes) and its profile holds the API, API.Endpoint, API.User
// and o.Credential, which is then required: the name of the token store
// ("tokenstore:PATH") or of an "[oauth]TOKEN" value; the agent delivers it
// with [queue.API] (or [queue.Router]), renewing the token on a 401.
//
// Nothing is stored when the settings or the message are invalid. The
// agent brings its own LocalName, Dialer, timeouts, trace and logger (and
// for the APIs its HTTP client and RawLimit); a Sender with RootCAs cannot
// be queued (use CAFile), nor one whose Password or TokenSource is set
// without o.Credential.
func (s *Sender) Enqueue(ctx context.Context, q queue.Enqueuer, m *Message, o *EnqueueOptions) (string, error) {
	if o == nil {
		o = &EnqueueOptions{}
	}
	if q == nil {
		return "", fieldErr("Enqueue", "was given a nil queue")
	}
	if err := s.queueableOAuth(o.Credential); err != nil { // token.go
		return "", err
	}
	if service, ok := s.isAPI(); ok {
		return s.enqueueAPI(ctx, q, m, o, service)
	}
	p, err := s.queueProfile(o.Credential)
	if err != nil {
		return "", err
	}
	from, rcpt, err := m.envelope()
	if err != nil {
		return "", err
	}
	sp := &spool{dir: s.SpoolDir}
	defer sp.Close()
	_, body, err := s.composed(m, o.DKIM, sp)
	if err != nil {
		return "", err
	}
	e := &queue.Entry{From: from, Profile: p}
	for _, r := range rcpt {
		e.Recipients = append(e.Recipients, queue.Recipient{Addr: r})
	}
	return q.Enqueue(ctx, e, body)
}

// queueProfile describes how the agent reaches the server, without the
// secret.
func (s *Sender) queueProfile(credential string) (queue.Profile, error) {
	if err := s.validate(); err != nil {
		return queue.Profile{}, err
	}
	switch {
	case s.Password != "" && credential == "":
		return queue.Profile{}, fieldErr("EnqueueOptions.Credential",
			"is empty but Sender.Password is set: a queue stores the name of a credential, never the secret")
	case s.Username != "" && credential == "":
		// The agent would deliver without AUTH, which Send never does
		// for a Sender with a Username.
		return queue.Profile{}, fieldErr("EnqueueOptions.Credential",
			"is empty but Sender.Username is set: name the credential the agent authenticates with")
	case s.RootCAs != nil:
		return queue.Profile{}, fieldErr("Sender.RootCAs", "cannot be queued; name the PEM file in CAFile")
	case hasCtl(credential):
		return queue.Profile{}, fieldErr("EnqueueOptions.Credential", "contains a control character")
	case !plainNames(s.AuthPolicy):
		return queue.Profile{}, fieldErr("Sender.AuthPolicy",
			"holds an empty mechanism name or one with a space or control character")
	}
	p := queue.Profile{Host: s.Host, Port: s.port(), Security: "none", TLSVersion: s.TLSVersion,
		CAFile: s.CAFile, ServerName: s.ServerName, Auth: s.AuthMechanism,
		AuthPolicy: strings.Join(s.AuthPolicy, " "), Username: s.Username, Credential: credential}
	if s.TLS || s.SSL {
		p.Security, p.TLSPolicy = "starttls", s.TLSPolicy.String()
		if s.SSL {
			p.Security = "tls"
		}
	}
	return p, nil
}

// enqueueAPI stores m for delivery through the HTTPS API service, in the
// form sendAPI sends it.
func (s *Sender) enqueueAPI(ctx context.Context, q queue.Enqueuer, m *Message, o *EnqueueOptions,
	service string) (string, error) {
	p, err := s.apiQueueProfile(o.Credential, service)
	if err != nil {
		return "", err
	}
	from, rcpt, err := apiEnvelope(m, service)
	if err != nil {
		return "", err
	}
	sp := &spool{dir: s.SpoolDir}
	defer sp.Close()
	_, sig, err := s.build(m, o.DKIM, sp)
	if err != nil {
		return "", err
	}
	e := &queue.Entry{From: from, Profile: p}
	for _, r := range rcpt {
		e.Recipients = append(e.Recipients, queue.Recipient{Addr: r})
	}
	return q.Enqueue(ctx, e, apiMessage(sig, m.Bcc, sp))
}

// apiQueueProfile checks the settings an API entry keeps and describes
// them, with the name of the credential and never a token.
func (s *Sender) apiQueueProfile(credential, service string) (queue.Profile, error) {
	var a APIOptions
	if s.API != nil {
		a = *s.API
	}
	switch {
	case credential == "":
		return queue.Profile{}, fieldErr("EnqueueOptions.Credential", "is empty: a queued message "+
			"for %s needs the name of its token store (\"tokenstore:PATH\")", apiName(service))
	case hasCtl(credential):
		return queue.Profile{}, fieldErr("EnqueueOptions.Credential", "contains a control character")
	case s.Password != "" && !isOAuth(s.Password):
		return queue.Profile{}, fieldErr("Sender.Password", "is not an OAuth 2.0 token (\"[oauth]TOKEN\")")
	}
	if err := s.API.check(); err != nil {
		return queue.Profile{}, err
	}
	return queue.Profile{Host: s.Host, API: service, Endpoint: a.Endpoint, APIUser: a.User,
		Credential: credential}, nil
}

// plainNames reports whether every mechanism name can be stored in a
// space-separated list.
func plainNames(names []string) bool {
	for _, n := range names {
		if n == "" || strings.ContainsAny(n, " \t") || hasCtl(n) {
			return false
		}
	}
	return true
}
