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
//   - RFC 4954 SMTP AUTH with SCRAM-SHA-256, SCRAM-SHA-1, CRAM-MD5, NTLM,
//     PLAIN and LOGIN, the strongest the server offers first (or the
//     classic component's order with [ClassicAuthOrder]), and XOAUTH2 for a
//     Password of the form "[oauth]TOKEN" or a TokenSource, through saslmech;
//   - RFC 5322 messages with MIME (RFC 2045 to 2049) and RFC 2047 encoded
//     headers, through mime;
//   - RFC 6376 DKIM signatures, through dkim;
//   - RFC 6749 OAuth 2.0 tokens that renew themselves, and sending through
//     the Gmail API's users.messages.send or Microsoft Graph's sendMail,
//     through oauthgmail;
//   - RFC 8551 S/MIME signing and encryption and RFC 8550 certificate
//     checks, through smime.
//
// It is not a mail server and not a queue: it hands each message to the
// one server it is given (a submission server, typically), and retries
// nothing but the API answers that ask for it (429, 5xx); package
// mailsender/queue and module mailsender/jetstream add durable queueing
// with retries. It does no MX lookup and reads no mail.
//
// # Sending
//
// [Sender.Send] checks the settings and the message, composes the whole
// message, and only then connects: bad input gives an error naming the
// field ([FieldError]) and nothing is sent. [Sender.SendCertified] adds a
// DKIM signature. [Sender.Compose] writes the bytes Send would send,
// without sending them.
//
// # OAuth 2.0 and the HTTPS send APIs
//
// An access token is given either as a Password of the form
// "[oauth]TOKEN", which is used as it is, or as Sender.TokenSource, such
// as an *oauthgmail.TokenSource over a token file made with "mailwright
// token". SMTP then authenticates with XOAUTH2 (or OAUTHBEARER), Username
// being the account address. A TokenSource renews the token shortly
// before it expires; when the server still refuses it (535), it is
// renewed once and the connection made again, never more.
//
// A Host of "Google API", as the classic component names it, sends
// through the Gmail API instead of SMTP, and "Microsoft Graph" through
// Graph's sendMail, for Microsoft 365 accounts whose SMTP AUTH is switched
// off; [oauthgmail.APIHost] lists the names understood. The message is
// composed, and signed by SendCertified, exactly as for SMTP, and a Bcc
// field is added for the service, which takes the recipients from the
// header and removes that field ([Sender.Compose] writes the message
// without it). Gmail gets small messages as JSON and
// larger ones streamed from the spool; Graph takes messages up to 3 MiB.
// [Result] then carries the service's ids. A 401 answer renews the token
// once and tries again; 429 and 5xx answers are retried, honouring
// Retry-After; a 403 for a missing scope names the scope
// ([oauthgmail.ErrInsufficientScope]). Sender.API changes the endpoint and
// HTTP client. Port, TLS and the other SMTP settings do not apply, and
// Message.EnvelopeFrom is refused, since the APIs take the sender from
// From. An API host without a token is a [FieldError] before anything is
// sent. [Sender.Enqueue] queues for an API host too, naming the token
// store in [EnqueueOptions.Credential]; the agent delivers such entries
// with [queue.API] or [queue.Router].
//
// # Large messages and DKIM
//
// A DKIM signature goes in front of the message but depends on all of it.
// The message is therefore composed once into a spool, in memory up to
// 256 KiB and in a temporary file (mode 0600, removed afterwards) beyond,
// while the signer reads the same bytes; the signature and the spooled
// message are then streamed to the server. No message is ever held in
// memory as a whole, with or without S/MIME, and nothing is composed
// twice, so attachments given as readers work too. The spool file is
// unlinked as soon as it is created (on Unix), so a crash leaves no
// message behind.
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
// send Bcc recipients a separate message to keep them hidden. S/MIME
// streams like the rest of the pipeline: the canonical entity waits in
// SpoolDir, in a file encrypted under a key held only in memory, while it
// is signed and encrypted.
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
// payloads, the password or an OAuth token; with an API host the trace
// shows the HTTP requests with "Authorization: Bearer [redacted]". Each
// send uses its own connection, which is closed afterwards; a connection
// that saw a 421 is never reused (CASE-16).
package mailsender
