// SPDX-License-Identifier: Apache-2.0

// Package smtpclient implements an SMTP client that streams messages, keeps
// round trips to the minimum the server allows, and distrusts the server.
//
// It covers:
//   - RFC 5321: SMTP, with the HELO fallback of section 3.2, dot-stuffing
//     (section 4.5.2) and the timeouts of section 4.5.3.2
//   - RFC 3207: STARTTLS; RFC 8314: implicit TLS (DialTLS)
//   - RFC 4954: AUTH, driving any saslmech.Mechanism
//   - RFC 2920: PIPELINING; RFC 3030: CHUNKING (BDAT)
//   - RFC 1870: SIZE; RFC 6152: 8BITMIME; RFC 6531: SMTPUTF8
//   - RFC 3461: DSN parameters (RET, ENVID, NOTIFY, ORCPT)
//   - RFC 8689: REQUIRETLS
//   - RFC 2034 and RFC 3463: enhanced status codes
//   - RFC 1928 and RFC 1929: SOCKS5 proxies ([SOCKS5])
//
// [Dial], [DialTLS] and [NewClient] return a [Client] ready for
// [Client.SendMail], which sends a whole message, or for the single steps
// [Client.Mail], [Client.Rcpt] and [Client.Data]. A [Pool] shares clients
// between goroutines.
//
// # Round trips
//
// SendMail waits for the server as seldom as the server allows. With
// PIPELINING, MAIL FROM, every RCPT TO and DATA go out in one write and
// the message in a second: two round trips. With PIPELINING and CHUNKING a
// message under 64 KiB goes out with its envelope in one BDAT LAST: one
// round trip. net/smtp needs four. Messages are streamed, never held in
// memory: a message of any size costs a 64 KiB block and a 128 KiB chunk
// buffer, both reused from one message to the next on a connection.
//
// A message larger than the server's SIZE limit is refused before any byte
// of it is sent when its size is known (MailOptions.Size, a message under
// 64 KiB, or a reader with a Len or Seek method); a stream of unknown size
// is cut off when it passes the limit. 8-bit content for a server without
// 8BITMIME is an [*ExtensionError]: re-encode it and send again.
//
// # Timeouts
//
// Every call takes a context. Each exchange also gets an absolute deadline
// from [Options]: ConnectTimeout, GreetingTimeout, CommandTimeout and
// DataTimeout, defaulting to the values of RFC 5321 section 4.5.3.2. A
// server that trickles a reply one byte at a time still hits the deadline.
// Errors caused by these deadlines wrap [ErrTimeout].
//
// # Errors
//
// A refusal by the server is an [*Error] with the command, the reply code,
// the enhanced code and the text; Temporary and Permanent tell 4xx from
// 5xx. A broken reply is a [*ProtocolError], a failed handshake a
// [*TLSError], a value that may not go on the wire an [*ArgumentError],
// a missing extension an [*ExtensionError]. SendMail reports refused
// recipients in a [*RecipientError]. When the server stays silent after the
// end of a message, the error wraps [ErrPossibleDuplicate].
//
// After a 421 reply, a protocol error or a timeout the connection is
// closed, and the client returns [ErrClosed] from then on.
//
// # Security
//
// TLS is required by default: under [tlsprofile.Verify] (the zero
// [Options.TLSPolicy]) Dial refuses a server that does not offer STARTTLS
// with [ErrTLSRequired], before anything but EHLO and QUIT is sent. A
// STARTTLS reply followed by any further byte aborts the session (response
// injection), and after the handshake all earlier capabilities are
// forgotten. AUTH runs only when saslmech.Permit allows it for the real TLS
// state and host.
//
// Nothing reaches the wire that could end a command or the message early:
// addresses follow the RFC 5321 grammar and may hold no control
// characters; message lines end in CRLF only (a bare CR or LF becomes CRLF,
// or is refused with [Options.RejectBareLineEnds]); lines over 998 octets
// and NUL are refused. Replies are bounded in line length, line count and
// size, and every line of a multi-line reply must carry the same code.
//
// The optional [Options.Trace] writer and [Options.TraceHandler] (a
// slog.Handler) receive the dialogue with every AUTH payload replaced by
// [redacted]; the package logs nothing else.
package smtpclient
