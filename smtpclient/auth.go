// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"

	"github.com/mailwright/mailwright/saslmech"
)

// maxAuthRounds bounds the number of 334 challenges in one exchange, so
// that a server cannot keep a client answering forever.
const maxAuthRounds = 16

// maxCommandLine is the longest command line, CRLF excluded (RFC 5321
// section 4.5.3.1.4); an initial response that would not fit waits for the
// first 334 instead (RFC 4954 section 4).
const maxCommandLine = 510

// Auth authenticates with m (RFC 4954). First saslmech.Permit decides, from
// the real TLS state and the host name, whether m may run at all; if not,
// nothing is written. The server must have offered m. A failure reply is
// an *Error (535 bad credentials, 534 mechanism too weak, 454 temporary);
// when the mechanism fails mid-exchange the client cancels with "*".
func (c *Client) Auth(ctx context.Context, m saslmech.Mechanism) error {
	if err := c.usable(); err != nil {
		return err
	}
	info := &saslmech.ServerInfo{Host: c.host, TLS: c.isTLS, Mechanisms: c.AuthMechanisms(),
		Insecure: c.opts.Insecure}
	if err := saslmech.Permit(m, info); err != nil {
		return err
	}
	name := m.Name()
	if !isMechanismName([]byte(name)) {
		return &ArgumentError{Field: "mechanism name", Reason: "is not a SASL mechanism name"}
	}
	if !slices.Contains(c.mechs, strings.ToUpper(name)) {
		return fmt.Errorf("%w: %s", ErrAuthUnsupported, name)
	}
	ir, err := m.Start(info)
	if err != nil {
		return err
	}
	end := c.begin(ctx, c.opts.CommandTimeout)
	defer end()
	return c.authExchange(ctx, m, "AUTH "+name, ir)
}

// authExchange runs the command and its challenges.
func (c *Client) authExchange(ctx context.Context, m saslmech.Mechanism, line string, ir []byte) error {
	if ir != nil {
		if enc := encodeResponse(ir, true); len(line)+1+len(enc) <= maxCommandLine {
			line, ir = line+" "+string(enc), nil
		}
	}
	if err := c.sendLine(ctx, "AUTH", line); err != nil {
		return err
	}
	for round := 0; ; round++ {
		r, err := c.read(ctx, "AUTH", maxAuthLine)
		if err != nil {
			return err
		}
		switch {
		case r.Code == 235:
			return finish(m)
		case r.Code != 334:
			return c.expect(r, "AUTH", 235)
		case round >= maxAuthRounds:
			return c.fail(ctx, "AUTH", &ProtocolError{Command: "AUTH", Reason: "too many challenges"})
		}
		resp := ir
		if ir == nil {
			var done bool
			if resp, done, err = c.answer(ctx, m, r.Message, round); done {
				return err
			}
		}
		ir = nil
		if err := c.sendLine(ctx, "AUTH", string(encodeResponse(resp, false))); err != nil {
			return err
		}
	}
}

// answer computes the response to one challenge. When the exchange is over
// (done), err is what Auth returns.
func (c *Client) answer(ctx context.Context, m saslmech.Mechanism, msg string, round int) (resp []byte, done bool, err error) {
	ch, derr := base64.StdEncoding.DecodeString(strings.TrimSpace(msg))
	if derr != nil && round == 0 && strings.EqualFold(m.Name(), "NTLM") {
		// MS-SMTPNTLM section 2.2.1.2: to "AUTH NTLM" without an initial
		// response, Exchange answers "334 NTLM supported", text that has
		// no bearing on the exchange; the negotiate message follows.
		ch, derr = nil, nil
	}
	if derr != nil {
		// Cancel politely, then close: a protocol error ends the session.
		err := c.cancel(ctx, &ProtocolError{Command: "AUTH", Reason: "challenge is not base64"})
		c.shut(err)
		return nil, true, err
	}
	resp, merr := m.Next(ch)
	switch {
	case merr == nil:
		return resp, false, nil
	case resp == nil:
		return nil, true, c.cancel(ctx, merr)
	}
	// The mechanism answers its failure with a last response (XOAUTH2's
	// empty line, CASE-14) and the server's final reply follows.
	if err := c.sendLine(ctx, "AUTH", string(encodeResponse(resp, false))); err != nil {
		return nil, true, err
	}
	r, err := c.read(ctx, "AUTH", maxAuthLine)
	if err != nil {
		return nil, true, err
	}
	if r.Code == 334 {
		return nil, true, c.cancel(ctx, merr)
	}
	if e := c.expect(r, "AUTH", 235); e != nil {
		return nil, true, fmt.Errorf("%w: %w", e, merr)
	}
	return nil, true, merr
}

// cancel sends "*" and reads the server's reply (501), then returns why.
func (c *Client) cancel(ctx context.Context, why error) error {
	if err := c.sendLine(ctx, "AUTH", "*"); err != nil {
		return err
	}
	if _, err := c.read(ctx, "AUTH", maxAuthLine); err != nil {
		return err
	}
	return why
}

// sendLine writes one line and flushes it.
func (c *Client) sendLine(ctx context.Context, command, line string) error {
	if err := c.writeLine(line); err != nil {
		return err
	}
	if err := c.bw.Flush(); err != nil {
		return c.fail(ctx, command, err)
	}
	return nil
}

// finish lets a mechanism that verifies the server fail a success.
func finish(m saslmech.Mechanism) error {
	if f, ok := m.(saslmech.Finisher); ok {
		if err := f.Finish(); err != nil {
			return fmt.Errorf("smtpclient: AUTH %s succeeded but the server was not verified: %w", m.Name(), err)
		}
	}
	return nil
}

// encodeResponse is the base64 form of a response; an empty initial
// response is "=" (RFC 4954 section 4), an empty later response "".
func encodeResponse(b []byte, initial bool) []byte {
	if len(b) == 0 {
		if initial {
			return []byte("=")
		}
		return nil
	}
	return base64.StdEncoding.AppendEncode(nil, b)
}
