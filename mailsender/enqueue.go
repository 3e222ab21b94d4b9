// SPDX-License-Identifier: Apache-2.0

package mailsender

import (
	"context"

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
// mechanism, user name and the name of the credential. It returns the
// entry's id once q holds the entry durably.
//
// Nothing is stored when the settings or the message are invalid. The
// agent brings its own LocalName, Dialer, timeouts, trace and logger; a
// Sender with RootCAs cannot be queued (use CAFile), nor one whose
// Password is set without o.Credential.
func (s *Sender) Enqueue(ctx context.Context, q queue.Enqueuer, m *Message, o *EnqueueOptions) (string, error) {
	if o == nil {
		o = &EnqueueOptions{}
	}
	if q == nil {
		return "", fieldErr("Enqueue", "was given a nil queue")
	}
	if err := s.queueableOAuth(o.Credential); err != nil { // api.go, token.go: issue #9
		return "", err
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
	case s.RootCAs != nil:
		return queue.Profile{}, fieldErr("Sender.RootCAs", "cannot be queued; name the PEM file in CAFile")
	case hasCtl(credential):
		return queue.Profile{}, fieldErr("EnqueueOptions.Credential", "contains a control character")
	}
	p := queue.Profile{Host: s.Host, Port: s.port(), Security: "none", TLSVersion: s.TLSVersion,
		CAFile: s.CAFile, ServerName: s.ServerName, Auth: s.AuthMechanism,
		Username: s.Username, Credential: credential}
	if s.TLS || s.SSL {
		p.Security, p.TLSPolicy = "starttls", s.TLSPolicy.String()
		if s.SSL {
			p.Security = "tls"
		}
	}
	return p, nil
}
