// SPDX-License-Identifier: Apache-2.0

package queue

import (
	"context"
	"io"
	"sync"

	"github.com/mailwright/mailwright/saslmech"
	"github.com/mailwright/mailwright/smtpclient"
)

// SMTP is the [Deliverer] that sends entries to their server with
// smtpclient. It keeps one [smtpclient.Pool] of authenticated connections
// per distinct [Profile], so an agent's workers reuse sessions to the same
// server. The zero value is usable: credentials come from [EnvSecret] and
// connections use the smtpclient defaults. Call Close when done.
type SMTP struct {
	// Secret resolves each profile's Credential; nil means [EnvSecret]. A
	// profile with an empty Credential does not authenticate.
	Secret SecretFunc
	// Options is the base of every connection: LocalName, Trace, Dialer,
	// Insecure and the timeouts. TLSConfig, when set, is cloned and
	// refined by each profile; TLSPolicy is taken from the profile. Nil
	// means the smtpclient defaults.
	Options *smtpclient.Options
	// Policy orders the SASL mechanisms tried when a profile names none;
	// nil means the facade's order: CRAM-MD5, NTLM, LOGIN, PLAIN for a
	// password, XOAUTH2, OAUTHBEARER for a token.
	Policy saslmech.Policy
	// MaxConns bounds the connections per profile; zero means
	// smtpclient.DefaultPoolConns.
	MaxConns int

	mu     sync.Mutex
	pools  map[Profile]*smtpclient.Pool
	closed bool
}

// Deliver sends msg to rcpts as e's profile says and reports each
// recipient's reply. See [OutcomeOf] for how replies and errors map to
// delivery states.
func (d *SMTP) Deliver(ctx context.Context, e *Entry, rcpts []string, msg io.Reader) Outcome {
	p, err := d.pool(e.Profile)
	if err != nil {
		return Outcome{Err: err}
	}
	res, err := p.SendMail(ctx, e.From, rcpts, msg, nil)
	return OutcomeOf(res, err)
}

// pool returns the connection pool for profile p.
func (d *SMTP) pool(p Profile) (*smtpclient.Pool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil, smtpclient.ErrPoolClosed
	}
	if pl, ok := d.pools[p]; ok {
		return pl, nil
	}
	if d.pools == nil {
		d.pools = map[Profile]*smtpclient.Pool{}
	}
	pl := &smtpclient.Pool{Dial: d.dialer(p), MaxConns: d.MaxConns}
	d.pools[p] = pl
	return pl, nil
}

// Close ends every idle session with QUIT. Sessions in use are closed when
// their delivery ends; Deliver fails from then on.
func (d *SMTP) Close(ctx context.Context) error {
	d.mu.Lock()
	pools := d.pools
	d.pools, d.closed = nil, true
	d.mu.Unlock()
	for _, p := range pools {
		p.Close(ctx) //nolint:errcheck // Pool.Close always returns nil
	}
	return nil
}
