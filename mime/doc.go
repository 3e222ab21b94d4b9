// SPDX-License-Identifier: Apache-2.0

// Package mime implements the composition of mail messages as RFC 5322 /
// MIME bytes, written as a stream.
//
// A [Message] is a plain struct: addresses, subject, text and HTML bodies,
// attachments, inline parts and extra header fields. [Message.WriteTo]
// validates it, then writes it with CRLF line breaks only, choosing the
// MIME structure and a transfer encoding per part. Bodies and attachments
// may be readers; they are copied through fixed-size buffers, so a
// message with a 100 MiB attachment costs no more memory than a small one.
//
// Standards covered:
//   - RFC 5322: header fields, folding (lines of at most 78 characters
//     where possible, never over 998), Date, Message-ID, address lists
//   - RFC 2045, RFC 2046: MIME-Version, Content-Type, multipart/mixed,
//     multipart/alternative, quoted-printable ([QPWriter]) and base64
//     ([Base64Writer]) transfer encodings
//   - RFC 2387: multipart/related for inline parts with Content-ID
//   - RFC 2047: encoded words in unstructured fields and display names
//     ([EncodeHeader])
//   - RFC 2183, RFC 2231: Content-Disposition with UTF-8 file names
//   - RFC 5890 (IDNA 2008): Unicode domains written as A-labels
//   - RFC 6531, RFC 6532: UTF-8 local parts when the message allows
//     SMTPUTF8
//   - RFC 6152: [Message.Needs8BitMIME] tells the SMTP client whether
//     BODY=8BITMIME is needed
//
// # Addresses
//
// [ParseAddress] and [ParseAddressList] are strict: each input has one
// reading or is an error. See [ParseAddress] for the accepted subset.
//
// # Security
//
// Header injection is refused, never repaired: a CR, LF, NUL or other
// control character in any header name, value or display name, a field
// name outside RFC 5322 §2.2, a second From, Subject or other singleton
// field, and encoded words that decode to control characters all make
// [Message.Validate] and [Message.WriteTo] return an [*Error] before any
// byte is written. Text bodies have every lone CR and LF turned into CRLF,
// and a body line over 998 octets or a NUL octet is never sent as 7bit or
// 8bit. A local part starting with "-" is refused so that no address can
// pass for a sendmail option.
//
// # Writing twice
//
// DKIM signing of a stream writes the message twice, once to hash it and
// once to send it. Content given as a string, a []byte or an Open function
// can be read again; an io.Reader cannot, and a second WriteTo of such a
// message returns [ErrSourceConsumed]. The first write stores the Date and
// Message-ID it chose in the Message and keeps its MIME boundaries, so the
// second write gives the same bytes.
package mime
