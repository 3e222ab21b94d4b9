// SPDX-License-Identifier: Apache-2.0

// Package mailsender implements the mailwright facade: compose a message,
// DKIM-sign it if asked, and send it over SMTP with TLS and AUTH, in one
// call. Its vocabulary is that of the classic mail components it replaces
// (Host, Port, Username, Password, TLS, SSL, TLSVersion, From, FromName,
// AddAddress, AddCC, AddBCC, AddReplyTo, Subject, Body, IsHTML,
// AddAttachment, EncodeHeader, Send, SendCertified), with Go shapes: a
// [Sender] holding the settings, a [Message] value, and Send(ctx, msg).
//
// It builds on the other mailwright modules and covers, through them:
//
//   - RFC 5321 SMTP, RFC 6409 message submission, RFC 8314 implicit TLS
//     (SSL) and RFC 3207 STARTTLS (TLS), through smtpclient;
//   - RFC 4954 SMTP AUTH with PLAIN, LOGIN and CRAM-MD5, negotiated in the
//     classic order, and XOAUTH2 for a Password of the form "[oauth]TOKEN",
//     through saslmech;
//   - RFC 5322 messages with MIME (RFC 2045 to 2049) and RFC 2047 encoded
//     headers, through mime;
//   - RFC 6376 DKIM signatures, through dkim;
//   - RFC 8551 S/MIME signing and encryption and RFC 8550 certificate
//     checks, through smime.
//
// It is not a mail server and not a queue: it hands each message to the
// one server it is given (a submission server, typically), and retries
// nothing; package mailsender/queue and module mailsender/jetstream add
// durable queueing with retries. It does no MX lookup and reads no mail.
//
// # Sending
//
// [Sender.Send] checks the settings and the message, composes the whole
// message, and only then connects: bad input gives an error naming the
// field ([FieldError]) and nothing is sent. [Sender.SendCertified] adds a
// DKIM signature. [Sender.Compose] writes the bytes Send would send,
// without sending them.
//
// # Large messages and DKIM
//
// A DKIM signature goes in front of the message but depends on all of it.
// The message is therefore composed once into a spool, in memory up to
// 256 KiB and in a temporary file (mode 0600, removed afterwards) beyond,
// while the signer reads the same bytes; the signature and the spooled
// message are then streamed to the server. Without S/MIME, no message is
// ever held in memory as a whole, and nothing is composed twice, so
// attachments given as readers work too.
//
// # S/MIME
//
// With Sender.SMIME set, every message Send, SendCertified, Compose and
// Enqueue make is signed (a certificate and key from PEM files, a .pfx
// file with its password, or an [smime.Signer]; the chain is sent along),
// encrypted for one or more recipient certificates, or signed and then
// encrypted (RFC 8551 §3.6). This happens after composing and before DKIM
// signing, so DKIM signs the final message, and the queue stores it. Only
// the MIME entity is protected: From, To, Cc, Subject, Date and
// Message-ID stay in the clear above it, as RFC 8551 messages have them.
//
// Every certificate is checked before the message is composed: an
// expired one, one without the emailProtection usage, a key that does not
// belong to its certificate, a signing certificate that does not name the
// From address, or a recipient (To, Cc or Bcc) that no recipient
// certificate names gives a [FieldError] naming the setting, with the
// *smime.CertificateError or [ErrNoRecipientCertificate] inside, and
// nothing is sent or queued. Encrypting for a Bcc recipient puts a
// reference to their certificate into the message every recipient gets;
// send Bcc recipients a separate message to keep them hidden. Unlike the
// rest of the pipeline, S/MIME holds the message in memory once while it
// protects it (see the BUG note).
//
// # Errors
//
// A send that fails returns a *[SendError]. It holds the failure of the
// transaction (connection, TLS, AUTH, MAIL FROM, DATA) and one
// *[RecipientError] per refused recipient, and implements Unwrap() []error
// so that errors.As finds the server's *smtpclient.Error. When some
// recipients were accepted and others refused, Send returns both a
// [Result] and a *SendError with Delivered set. Error texts keep the
// server's code, enhanced code and text, and say what to change for the
// refusals users meet most ("turn on TLS", "give a user name and
// password").
//
// # Security
//
// TLS and SSL verify the server certificate unless TLSPolicy says
// otherwise. Credentials never cross a connection without TLS, except to
// a loopback address or under the explicit choice in Sender.Insecure.
// The trace (Sender.Trace) and the log (Sender.Logger) never contain AUTH
// payloads or the password. Each send uses its own connection, which is
// closed afterwards; a connection that saw a 421 is never reused (CASE-16).
package mailsender
