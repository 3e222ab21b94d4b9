// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"errors"
	"strconv"
	"strings"
)

// Error is a reply in which the server refused or deferred a command.
type Error struct {
	// Command names what was refused: "MAIL FROM", "RCPT TO", "DATA",
	// "EHLO" and so on. It is empty for the greeting, and "idle" for a
	// reply that came while no command was pending (typically a 421 sent
	// to a connection left idle, RFC 5321 section 3.8).
	Command string
	// Code is the three-digit reply code (RFC 5321 section 4.2).
	Code int
	// EnhancedCode is the RFC 3463 status code; zero when the reply had
	// none.
	EnhancedCode EnhancedCode
	// Message is the server's text without the codes; the lines of a
	// multi-line reply are joined with "\n".
	Message string
}

// Error reads like "RCPT TO rejected: 550 5.7.1 Relaying denied".
func (e *Error) Error() string {
	var b strings.Builder
	switch e.Command {
	case "":
		b.WriteString("server refused the connection: ")
	case idleCommand:
		b.WriteString("server ended the idle connection: ")
	default:
		b.WriteString(e.Command)
		b.WriteString(" rejected: ")
	}
	b.WriteString(strconv.Itoa(e.Code))
	if e.EnhancedCode != (EnhancedCode{}) {
		b.WriteByte(' ')
		b.WriteString(e.EnhancedCode.String())
	}
	if e.Message != "" {
		b.WriteByte(' ')
		b.WriteString(strings.ReplaceAll(e.Message, "\n", " "))
	}
	return b.String()
}

// idleCommand is Error.Command for a reply nobody asked for.
const idleCommand = "idle"

// Temporary reports whether the reply was a transient failure (4xx): the
// same command may succeed later.
func (e *Error) Temporary() bool { return e.Code/100 == 4 }

// Permanent reports whether the reply was a permanent failure (5xx).
func (e *Error) Permanent() bool { return e.Code/100 == 5 }

// ProtocolError reports a server that broke the SMTP grammar or sequence: a
// malformed or oversized reply, an unexpected reply code, or bytes where
// none may be. The connection is closed; a queue should retry later.
type ProtocolError struct {
	// Command is the command whose reply was bad ("" for the greeting).
	Command string
	// Reason says what was wrong, without quoting the server's bytes.
	Reason string
}

// Error reads like "smtpclient: protocol error after DATA: reply code changed".
func (e *ProtocolError) Error() string {
	if e.Command == "" {
		return "smtpclient: protocol error in greeting: " + e.Reason
	}
	return "smtpclient: protocol error after " + e.Command + ": " + e.Reason
}

// Temporary reports true: a protocol error is worth a later retry.
func (e *ProtocolError) Temporary() bool { return true }

// TLSError reports a failed TLS handshake, for example an untrusted, expired
// or mismatched certificate. Err is the error from crypto/tls, so
// errors.As finds [x509.UnknownAuthorityError] and its kin.
type TLSError struct {
	// Err is the handshake error from crypto/tls.
	Err error
}

// Error names the handshake failure and the crypto/tls reason.
func (e *TLSError) Error() string { return "smtpclient: TLS handshake failed: " + e.Err.Error() }

// Unwrap returns the underlying crypto/tls error.
func (e *TLSError) Unwrap() error { return e.Err }

// ArgumentError reports a caller-supplied value that cannot go on the wire:
// an address outside the RFC 5321 grammar, or a CR, LF, NUL or other control
// character in a command argument. Nothing was sent. The error names the
// field, never the value, so that it is safe to log.
type ArgumentError struct {
	// Field names the argument, such as "recipient address".
	Field string
	// Reason says what was wrong with it.
	Reason string
}

// Error names the field and the reason, never the value.
func (e *ArgumentError) Error() string {
	return "smtpclient: invalid " + e.Field + ": " + e.Reason
}

// ExtensionError reports that a message or option needs an SMTP extension
// the server did not offer. Nothing of the transaction was sent.
type ExtensionError struct {
	// Extension is the EHLO keyword that was missing, such as "8BITMIME".
	Extension string
	// Reason says what needed it.
	Reason string
}

// Error names the missing extension and what needed it.
func (e *ExtensionError) Error() string {
	return "smtpclient: server does not offer " + e.Extension + ", needed for " + e.Reason
}

// SizeError reports a message larger than the server's SIZE limit (RFC
// 1870). When its size was known in advance (from MailOptions.Size, a
// message under 64 KiB, or a reader with a Len or Seek method) nothing of
// it was sent. Otherwise Partial is set: the stream passed the limit while
// it was being sent, and the transaction was aborted by closing the
// connection.
type SizeError struct {
	// Size is the message size, or with Partial the octets counted when
	// the limit was passed.
	Size int64
	// Limit is the server's SIZE limit.
	Limit int64
	// Partial reports that part of the message had been sent.
	Partial bool
}

// Error gives the size and the server's limit.
func (e *SizeError) Error() string {
	if e.Partial {
		return "smtpclient: message exceeds the server's SIZE limit of " +
			strconv.FormatInt(e.Limit, 10) + " octets; transaction aborted"
	}
	return "smtpclient: message of " + strconv.FormatInt(e.Size, 10) +
		" octets exceeds the server's SIZE limit of " + strconv.FormatInt(e.Limit, 10)
}

// BodyError reports message content that cannot be sent as it is: a line
// longer than 998 octets, a NUL, or a bare CR or LF when
// [Options.RejectBareLineEnds] is set. When it is found in the first block
// of the message nothing is sent; later, the transaction is aborted by
// closing the connection, so that the server discards it.
type BodyError struct {
	// Offset is the position in the message of the offending line.
	Offset int64
	// Reason says what was wrong.
	Reason string
}

// Error gives the offset of the line and the reason.
func (e *BodyError) Error() string {
	return "smtpclient: message line at offset " + strconv.FormatInt(e.Offset, 10) + ": " + e.Reason
}

var (
	// ErrTLSRequired reports that TLS was required (tlsprofile.Verify or
	// Encrypt) but the server did not offer STARTTLS, refused it, or does
	// not speak ESMTP. No AUTH, MAIL or message byte was sent. When the
	// server refused STARTTLS, the error also wraps its *Error, whose
	// Temporary method tells a 454 from a 502.
	ErrTLSRequired = errors.New("smtpclient: TLS required but the server does not offer it")

	// ErrTimeout is wrapped by every error caused by a deadline from the
	// Options timeouts. A deadline from the caller's context yields the
	// context's error instead.
	ErrTimeout = errors.New("smtpclient: timeout")

	// ErrPossibleDuplicate reports that the whole message was sent but the
	// server's reply to its end never came (RFC 5321 section 6.1): the
	// message may have been delivered. A queue retries it later and notes
	// that the recipient may see it twice.
	ErrPossibleDuplicate = errors.New("smtpclient: no reply after the end of the message; it may have been delivered")

	// ErrClosed reports a call on a client whose connection is closed, by
	// Close or Quit or after a fatal error (a 421 reply, a protocol error,
	// a timeout).
	ErrClosed = errors.New("smtpclient: connection closed")

	// ErrAuthUnsupported reports that the server does not offer AUTH or
	// the requested mechanism. Nothing was sent.
	ErrAuthUnsupported = errors.New("smtpclient: server does not offer this authentication mechanism")

	// ErrServerNotTLS reports that implicit TLS was used but the server
	// answered with a plain-text SMTP greeting: it expects STARTTLS
	// (usually port 587 or 25), so use Dial instead of DialTLS.
	ErrServerNotTLS = errors.New("smtpclient: server speaks plain-text SMTP, not implicit TLS; use STARTTLS (Dial) on this port")

	// ErrNoGreeting reports that the server sent no greeting in time. A
	// server on port 465 waits for a TLS handshake: use DialTLS there.
	ErrNoGreeting = errors.New("smtpclient: no greeting from server; if it expects implicit TLS (port 465), use DialTLS")
)
