// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"
)

// Pool defaults.
const (
	DefaultPoolConns = 4
	DefaultIdleCheck = 5 * time.Second
	DefaultIdleLimit = 60 * time.Second
)

// ErrPoolClosed is returned by a Pool after Close.
var ErrPoolClosed = errors.New("smtpclient: pool closed")

// Pool lets many goroutines send through a bounded set of reused
// connections. Set Dial and use the zero value of the rest. A connection
// the server closed while idle (a 421, EOF, or a failed NOOP) is replaced;
// a message whose connection failed is retried once on a fresh connection,
// but only when the server had accepted nothing of it yet (not even MAIL
// FROM) and it came from reuse (CASE-16). A connection that saw a 421 is
// never handed out again.
type Pool struct {
	// Dial opens and prepares one session: Dial or DialTLS, then Auth if
	// needed. It is required.
	Dial func(ctx context.Context) (*Client, error)
	// MaxConns bounds the number of open connections. Zero means
	// DefaultPoolConns.
	MaxConns int
	// IdleCheck is how long a connection may sit idle before it is checked
	// with NOOP on reuse. Zero means DefaultIdleCheck.
	IdleCheck time.Duration
	// IdleLimit is how long a connection may sit idle before it is closed
	// instead of reused. Zero means DefaultIdleLimit; servers drop idle
	// clients after a few minutes (RFC 5321 section 4.5.3.2.7).
	IdleLimit time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time

	once   sync.Once
	sem    chan struct{}
	mu     sync.Mutex
	idle   []idleConn
	closed bool
}

type idleConn struct {
	c     *Client
	since time.Time
}

func (p *Pool) init() {
	p.once.Do(func() {
		n := p.MaxConns
		if n <= 0 {
			n = DefaultPoolConns
		}
		p.sem = make(chan struct{}, n)
	})
}

func (p *Pool) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// SendMail sends one message like [Client.SendMail], on a pooled
// connection.
func (p *Pool) SendMail(ctx context.Context, from string, to []string, msg io.Reader, o *SendOptions) (*SendResult, error) {
	p.init()
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-p.sem }()
	c, reused, err := p.get(ctx)
	if err != nil {
		return nil, err
	}
	src, err := c.readFirst(msg)
	if err != nil {
		p.put(c)
		return nil, err
	}
	res, started, err := c.send(ctx, from, to, src, o)
	if err != nil && reused && !started && c.closed && !src.started && ctx.Err() == nil {
		// The reused connection was dead (CASE-16): one fresh attempt.
		// src.first points into the dead client's buffer, which moves to
		// the new client with the message.
		block := c.block
		if c, err = p.dial(ctx); err != nil {
			return nil, err
		}
		c.block = block
		res, _, err = c.send(ctx, from, to, src, o)
	}
	p.put(c)
	return res, err
}

// get returns an idle connection that still works, or a new one.
func (p *Pool) get(ctx context.Context) (*Client, bool, error) {
	check, limit := p.IdleCheck, p.IdleLimit
	if check <= 0 {
		check = DefaultIdleCheck
	}
	if limit <= 0 {
		limit = DefaultIdleLimit
	}
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return nil, false, ErrPoolClosed
		}
		if len(p.idle) == 0 {
			p.mu.Unlock()
			c, err := p.dial(ctx)
			return c, false, err
		}
		ic := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		p.mu.Unlock()
		idle := p.now().Sub(ic.since)
		switch {
		case idle > limit:
			ic.c.Quit(ctx) //nolint:errcheck // replaced anyway
		case ic.c.closed:
		case idle > check && ic.c.Noop(ctx) != nil:
			ic.c.Close()
		default:
			return ic.c, true, nil
		}
	}
}

func (p *Pool) dial(ctx context.Context) (*Client, error) {
	if p.Dial == nil {
		return nil, &ArgumentError{Field: "Pool.Dial", Reason: "is nil"}
	}
	return p.Dial(ctx)
}

// put returns c to the pool unless it is closed or the pool is.
func (p *Pool) put(c *Client) {
	if c.closed {
		return
	}
	if c.inMail {
		c.shut(errors.New("smtpclient: transaction left open"))
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		c.Close()
		return
	}
	p.idle = append(p.idle, idleConn{c: c, since: p.now()})
}

// Close sends QUIT on every idle connection and closes the pool.
// Connections in use are closed when they are returned.
func (p *Pool) Close(ctx context.Context) error {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	for _, ic := range idle {
		ic.c.Quit(ctx) //nolint:errcheck // closing anyway
	}
	return nil
}
