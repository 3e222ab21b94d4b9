// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/mailwright/mailwright/tlsprofile"
)

// Dial connects to addr ("host:port"), reads the greeting, sends EHLO
// (HELO when the server does not know EHLO) and then STARTTLS with a
// second EHLO as o.TLSPolicy asks. A nil o means the defaults, under which
// TLS is required: a server that does not offer STARTTLS gets QUIT and the
// error is [ErrTLSRequired].
func Dial(ctx context.Context, addr string, o *Options) (*Client, error) {
	opts, host, err := prepare(addr, o)
	if err != nil {
		return nil, err
	}
	conn, err := connect(ctx, &opts, addr)
	if err != nil {
		return nil, err
	}
	return start(ctx, conn, host, opts)
}

// DialTLS connects to addr with implicit TLS (RFC 8314, usually port 465):
// the TLS handshake comes first, then the greeting and EHLO. STARTTLS is
// never sent.
func DialTLS(ctx context.Context, addr string, o *Options) (*Client, error) {
	opts, host, err := prepare(addr, o)
	if err != nil {
		return nil, err
	}
	if opts.TLSPolicy == tlsprofile.None {
		return nil, &ArgumentError{Field: "TLSPolicy", Reason: "policy none contradicts implicit TLS"}
	}
	conn, err := connect(ctx, &opts, addr)
	if err != nil {
		return nil, err
	}
	tc := tls.Client(conn, tlsConfig(opts.TLSConfig, host, opts.TLSPolicy))
	return start(ctx, tc, host, opts)
}

// NewClient runs the session start (greeting, EHLO and, on a connection
// that is not a *tls.Conn, STARTTLS as o.TLSPolicy asks) on an open
// connection. host is the server's name, used for TLS and for the
// loopback test of saslmech.Permit. A *tls.Conn is treated as implicit TLS:
// its handshake runs first. On error conn is closed.
func NewClient(ctx context.Context, conn net.Conn, host string, o *Options) (*Client, error) {
	opts := o.withDefaults()
	if err := opts.validate(); err != nil {
		conn.Close()
		return nil, err
	}
	return start(ctx, conn, hostOnly(host), opts)
}

// prepare defaults and checks the options and splits addr.
func prepare(addr string, o *Options) (Options, string, error) {
	opts := o.withDefaults()
	if err := opts.validate(); err != nil {
		return opts, "", err
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return opts, "", &ArgumentError{Field: "address", Reason: "want host:port"}
	}
	return opts, host, nil
}

// hostOnly strips a port and IPv6 brackets from a host name.
func hostOnly(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
}

// connect dials addr within the connect timeout.
func connect(ctx context.Context, o *Options, addr string) (net.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, o.ConnectTimeout)
	defer cancel()
	conn, err := o.Dialer.DialContext(dctx, "tcp", addr)
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("%w connecting to %s: %w", ErrTimeout, addr, err)
		}
		return nil, fmt.Errorf("smtpclient: connect to %s: %w", addr, err)
	}
	return conn, nil
}

// tlsConfig returns a clone of cfg for host under policy: ServerName
// defaults to host (CASE-22), Encrypt and May skip the certificate check,
// and the floor is TLS 1.2 unless the caller set one (RFC 8996).
func tlsConfig(cfg *tls.Config, host string, policy tlsprofile.Policy) *tls.Config {
	if cfg == nil {
		cfg = &tls.Config{}
	} else {
		cfg = cfg.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	if policy == tlsprofile.Encrypt || policy == tlsprofile.May {
		cfg.InsecureSkipVerify = true
	}
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	return cfg
}

// start runs the session start on conn and closes it on error.
func start(ctx context.Context, conn net.Conn, host string, o Options) (*Client, error) {
	c := newConn(conn, host, o)
	if err := c.open(ctx); err != nil {
		c.shut(err)
		return nil, err
	}
	return c, nil
}

// open runs the implicit TLS handshake (if any), the greeting, EHLO and
// STARTTLS as the policy asks.
func (c *Client) open(ctx context.Context) error {
	if tc, ok := c.conn.(*tls.Conn); ok {
		if err := c.handshake(ctx, tc, c.opts.ConnectTimeout); err != nil {
			return err
		}
	}
	if err := c.greet(ctx); err != nil {
		return err
	}
	policy := c.opts.TLSPolicy
	if err := c.hello(ctx, policy.Required() && !c.isTLS); err != nil {
		return err
	}
	if c.isTLS || policy == tlsprofile.None {
		return nil
	}
	if _, ok := c.ext["STARTTLS"]; !ok {
		if policy == tlsprofile.May {
			return nil
		}
		c.abandon(ctx)
		return fmt.Errorf("%w: STARTTLS not offered", ErrTLSRequired)
	}
	err := c.startTLS(ctx, tlsConfig(c.opts.TLSConfig, c.host, policy))
	if err != nil && policy == tlsprofile.May && !c.closed && errors.Is(err, ErrTLSRequired) {
		// Refused with a reply: the session is still in a clean state in
		// clear, and opportunistic TLS goes on without it.
		return nil
	}
	if err != nil && !c.closed {
		c.abandon(ctx)
	}
	return err
}

// handshake runs the TLS handshake on tc, within timeout.
func (c *Client) handshake(ctx context.Context, tc *tls.Conn, timeout time.Duration) error {
	end := c.begin(ctx, timeout)
	defer end()
	if err := tc.HandshakeContext(ctx); err != nil {
		var rh tls.RecordHeaderError
		if errors.As(err, &rh) && isSMTPGreeting(rh.RecordHeader[:]) {
			return fmt.Errorf("%w (CASE-23): %w", ErrServerNotTLS, &TLSError{Err: err})
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() && ctx.Err() == nil {
			return fmt.Errorf("%w during the TLS handshake: %w", ErrTimeout, &TLSError{Err: err})
		}
		return &TLSError{Err: err}
	}
	c.isTLS = true
	return nil
}

// isSMTPGreeting reports whether the first bytes of a "TLS record" are an
// SMTP reply code ("220 " or "220-"), as when implicit TLS meets a
// plain-text server.
func isSMTPGreeting(b []byte) bool {
	return len(b) >= 4 && b[0] >= '2' && b[0] <= '5' && isDigit(b[1]) && isDigit(b[2]) &&
		(b[3] == ' ' || b[3] == '-')
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// greet reads the greeting. 554 gets QUIT and is returned as a permanent
// error; 421 closes (SEC-44).
func (c *Client) greet(ctx context.Context) error {
	end := c.begin(ctx, c.opts.GreetingTimeout)
	r, err := readReply(c.br, c.trace, "", maxReplyLine)
	end()
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() && ctx.Err() == nil {
			return fmt.Errorf("%w: %w", ErrNoGreeting, classify(ctx, "greeting", err))
		}
		return classify(ctx, "greeting", err)
	}
	switch {
	case r.Code == 220:
		return nil
	case r.Code == 554:
		c.abandon(ctx)
		return r.err("")
	case r.Code >= 400:
		return r.err("")
	}
	return &ProtocolError{Reason: "greeting is not a 220 reply"}
}

// hello sends EHLO and falls back to HELO only when EHLO is not recognised
// (500 or 502; RFC 5321 section 3.2), and not at all when TLS is required
// on a connection still in clear (SEC-07: a server without EHLO cannot
// start TLS). A 421 is returned as it is (CASE-15).
func (c *Client) hello(ctx context.Context, tlsRequired bool) error {
	c.ext, c.mechs, c.sizeMax = nil, nil, 0
	r, err := c.cmd(ctx, c.opts.CommandTimeout, "EHLO", "EHLO "+c.opts.LocalName)
	if err != nil {
		return err
	}
	if r.Code == 250 {
		c.ext, c.mechs = parseEHLO(r.Message)
		c.sizeMax = parseSize(c.ext)
		return nil
	}
	if r.Code != 500 && r.Code != 502 {
		return c.expect(r, "EHLO", 250)
	}
	ehloErr := r.err("EHLO")
	if tlsRequired {
		c.abandon(ctx)
		return fmt.Errorf("%w: server does not speak ESMTP: %w", ErrTLSRequired, ehloErr)
	}
	r, err = c.cmd(ctx, c.opts.CommandTimeout, "HELO", "HELO "+c.opts.LocalName)
	if err == nil {
		err = c.expect(r, "HELO", 250)
	}
	if err != nil {
		return fmt.Errorf("%w (after %w)", err, ehloErr)
	}
	c.ext = map[string]string{}
	return nil
}

// abandon ends a session that cannot continue: QUIT, then close.
func (c *Client) abandon(ctx context.Context) {
	if !c.closed {
		c.Quit(ctx) //nolint:errcheck // the caller reports the real error
	}
}
