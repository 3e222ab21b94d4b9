// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"context"
	"crypto/tls"
	"fmt"

	"github.com/mailwright/mailwright/tlsprofile"
)

// StartTLS upgrades the connection with STARTTLS (RFC 3207) and sends EHLO
// again. cfg is cloned; an empty ServerName becomes the server's host name
// and nil means a default, verifying config. Dial already does this as
// Options.TLSPolicy asks; StartTLS is for clients made with a policy of
// None.
//
// Only an exact single-line 220 reply starts the handshake, and only when
// the server has sent nothing after it: any byte already received would be
// injected into the TLS session (SEC-01, SEC-02), so the session is
// aborted instead. After the handshake every capability learned before it
// is forgotten. A refusal wraps [ErrTLSRequired] and the server's *Error;
// any other failure closes the connection.
func (c *Client) StartTLS(ctx context.Context, cfg *tls.Config) error {
	if c.isTLS {
		return &ArgumentError{Field: "StartTLS", Reason: "connection already uses TLS"}
	}
	if _, ok := c.ext["STARTTLS"]; !ok {
		return fmt.Errorf("%w: STARTTLS not offered", ErrTLSRequired)
	}
	return c.startTLS(ctx, tlsConfig(cfg, c.host, tlsprofile.Verify))
}

func (c *Client) startTLS(ctx context.Context, cfg *tls.Config) error {
	r, err := c.cmd(ctx, c.opts.CommandTimeout, "STARTTLS", "STARTTLS")
	if err != nil {
		return err
	}
	if r.Code >= 400 {
		return fmt.Errorf("%w: %w", ErrTLSRequired, r.err("STARTTLS"))
	}
	if r.Code != 220 || r.multi {
		return c.fail(ctx, "STARTTLS", &ProtocolError{Command: "STARTTLS",
			Reason: "reply is not a single-line 220"})
	}
	n := c.br.Buffered()
	if c.opts.onTLSSwitch != nil {
		c.opts.onTLSSwitch(n)
	}
	if n != 0 {
		return c.fail(ctx, "STARTTLS", &ProtocolError{Command: "STARTTLS",
			Reason: "server sent data after its 220 reply, before the TLS handshake"})
	}
	tc := tls.Client(c.conn, cfg)
	c.conn = tc
	c.br.Reset(tc)
	c.bw.Reset(tc)
	c.ext, c.mechs, c.sizeMax = nil, nil, 0
	if err := c.handshake(ctx, tc, c.opts.CommandTimeout); err != nil {
		c.shut(err)
		return err
	}
	if err := c.hello(ctx, false); err != nil {
		c.shut(err)
		return err
	}
	return nil
}
