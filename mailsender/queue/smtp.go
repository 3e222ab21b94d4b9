// SPDX-License-Identifier: Apache-2.0

package queue

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

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
	// Policy orders the SASL mechanisms tried for a password when a
	// profile names neither a mechanism nor an AuthPolicy; nil means the
	// facade's default, [saslmech.DefaultOrder]. A token always uses
	// XOAUTH2, then OAUTHBEARER.
	Policy saslmech.Policy
	// MaxConns bounds the connections per profile; zero means
	// smtpclient.DefaultPoolConns. While a pool retired for a stale token
	// finishes its deliveries, the new pool may open up to MaxConns more.
	MaxConns int
	// Now returns the current time, to tell when a token has expired; nil
	// means time.Now.
	Now func() time.Time

	mu     sync.Mutex
	pools  map[Profile]*pool
	closed bool
}

// pool is the connection pool of one profile. With a token credential it
// becomes stale when a token its sessions authenticated with expires or is
// rejected: the SMTP deliverer then retires it, ending its sessions, and
// starts a new one, so no session outlives its token.
type pool struct {
	*smtpclient.Pool
	mu    sync.Mutex
	stale time.Time // zero: never
}

// expires records that a session authenticated with a token valid until t.
func (pl *pool) expires(t time.Time) {
	if t.IsZero() {
		return
	}
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if pl.stale.IsZero() || t.Before(pl.stale) {
		pl.stale = t
	}
}

// retire makes the pool stale at once: a token was rejected.
func (pl *pool) retire() { pl.expires(time.Unix(1, 0)) }

func (pl *pool) staleAt(now time.Time) bool {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	return !pl.stale.IsZero() && !now.Before(pl.stale)
}

// ErrNotSMTP is wrapped by the error [SMTP.Deliver] reports, without
// connecting anywhere, for an entry whose profile names an HTTPS send API.
// The entry stays pending until an agent with [API] (or [Router]) takes it.
var ErrNotSMTP = errors.New("queue: entry is for an HTTPS send API; deliver it with queue.API or queue.Router")

// Deliver sends msg to rcpts as e's profile says and reports each
// recipient's reply. See [OutcomeOf] for how replies and errors map to
// delivery states.
func (d *SMTP) Deliver(ctx context.Context, e *Entry, rcpts []string, msg io.Reader) Outcome {
	if e.Profile.API != "" {
		// Not an SMTP server: the agent's operator adds an API deliverer.
		return Outcome{Err: fmt.Errorf("%w: %s", ErrNotSMTP, e.Profile.Host)}
	}
	p, err := d.pool(ctx, e.Profile)
	if err != nil {
		return Outcome{Err: err}
	}
	res, err := p.SendMail(ctx, e.From, rcpts, msg, nil)
	return OutcomeOf(res, err)
}

// pool returns the connection pool for profile p, replacing one that is
// stale.
func (d *SMTP) pool(ctx context.Context, p Profile) (*pool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil, smtpclient.ErrPoolClosed
	}
	if pl, ok := d.pools[p]; ok {
		if !pl.staleAt(d.now()) {
			return pl, nil
		}
		// Idle sessions say QUIT now; those in use close when returned.
		go pl.Close(context.WithoutCancel(ctx)) //nolint:errcheck // always nil
	}
	if d.pools == nil {
		d.pools = map[Profile]*pool{}
	}
	pl := &pool{}
	pl.Pool = &smtpclient.Pool{Dial: d.dialer(p, pl), MaxConns: d.MaxConns}
	d.pools[p] = pl
	return pl, nil
}

func (d *SMTP) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
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
