// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/mailwright/mailwright/saslmech"
	"github.com/mailwright/mailwright/tlsprofile"
)

// Default timeouts. The greeting, command and end-of-data values are the
// minimums of RFC 5321 section 4.5.3.2; the connect timeout is Postfix's.
const (
	DefaultConnectTimeout  = 30 * time.Second
	DefaultGreetingTimeout = 5 * time.Minute
	DefaultCommandTimeout  = 5 * time.Minute
	DefaultDataTimeout     = 10 * time.Minute
)

// Dialer opens network connections. *net.Dialer implements it, and so does
// the dialer returned by [SOCKS5].
type Dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// Options configures a client. The zero value (or a nil *Options) is
// usable: EHLO as "localhost", TLS required and verified, the RFC 5321
// timeouts, no trace.
type Options struct {
	// LocalName is the name sent with EHLO or HELO. Empty means
	// "localhost". It may contain no spaces or control characters.
	LocalName string

	// TLSConfig is used for STARTTLS and implicit TLS. It is cloned, never
	// changed; an empty ServerName is filled with the host that was
	// dialled, without the port. Nil means a default config.
	TLSConfig *tls.Config

	// TLSPolicy governs STARTTLS in Dial and NewClient (RFC 3207). The zero
	// value, tlsprofile.Verify, requires STARTTLS and checks the server's
	// certificate; Encrypt requires it without the check; May uses it
	// when offered (without the check, as Postfix does) and continues in
	// clear when it is not offered or is refused with a reply (a failed
	// handshake still ends the session); None never sends STARTTLS. With DialTLS the TLS
	// is implicit and only Verify checks the certificate.
	TLSPolicy tlsprofile.Policy

	// Insecure is the caller's explicit choice about authenticating
	// without TLS, passed to saslmech.Permit. The zero value allows
	// authentication in clear only to a loopback address.
	Insecure saslmech.Insecure

	// Trace, when set, receives the dialogue as "C: " and "S: " lines,
	// with AUTH payloads replaced by [redacted]. Message bodies are not
	// traced, only their size.
	Trace io.Writer

	// TraceHandler, when set, receives the same dialogue, redacted the
	// same way, as one record per line at level Debug with the message
	// "smtp" and the attributes "dir" ("C" or "S") and "line". It may be
	// set together with Trace.
	TraceHandler slog.Handler

	// Dialer opens the connection in Dial and DialTLS. Nil means a
	// net.Dialer.
	Dialer Dialer

	// ConnectTimeout bounds connecting, including the TLS handshake of
	// DialTLS. Zero means DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// GreetingTimeout bounds the wait for the server's 220 greeting (RFC
	// 5321 section 4.5.3.2.1). Zero means DefaultGreetingTimeout.
	GreetingTimeout time.Duration
	// CommandTimeout bounds each command and its reply, and each write of
	// message data (RFC 5321 sections 4.5.3.2.2 to 4.5.3.2.5). Zero means
	// DefaultCommandTimeout.
	CommandTimeout time.Duration
	// DataTimeout bounds the wait for the reply after the end of a message
	// (RFC 5321 section 4.5.3.2.6). Zero means DefaultDataTimeout.
	DataTimeout time.Duration

	// RejectBareLineEnds makes a CR or LF that is not part of a CRLF in a
	// message an error instead of turning it into CRLF.
	RejectBareLineEnds bool

	// onTLSSwitch, when set by tests, sees the number of unread bytes at
	// the moment the connection switches to TLS.
	onTLSSwitch func(buffered int)
}

// withDefaults returns a copy of o with every zero field defaulted.
func (o *Options) withDefaults() Options {
	var v Options
	if o != nil {
		v = *o
	}
	if v.LocalName == "" {
		v.LocalName = "localhost"
	}
	if v.Dialer == nil {
		v.Dialer = &net.Dialer{}
	}
	def := func(d *time.Duration, val time.Duration) {
		if *d <= 0 {
			*d = val
		}
	}
	def(&v.ConnectTimeout, DefaultConnectTimeout)
	def(&v.GreetingTimeout, DefaultGreetingTimeout)
	def(&v.CommandTimeout, DefaultCommandTimeout)
	def(&v.DataTimeout, DefaultDataTimeout)
	return v
}

// validate checks the fields that end up on the wire.
func (o *Options) validate() error {
	if err := checkDomainArg("LocalName", o.LocalName); err != nil {
		return err
	}
	if o.TLSPolicy < tlsprofile.Verify || o.TLSPolicy > tlsprofile.None {
		return &ArgumentError{Field: "TLSPolicy", Reason: "unknown policy"}
	}
	return nil
}
