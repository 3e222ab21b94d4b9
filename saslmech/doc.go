// SPDX-License-Identifier: Apache-2.0

// Package saslmech implements the client side of the SASL mechanisms used by
// SMTP AUTH (RFC 4954), behind one small [Mechanism] interface, and a safe
// way to choose among them.
//
// Mechanisms and the documents they follow:
//
//   - PLAIN: RFC 4616, with an optional authorization identity ([NewPlain]).
//   - LOGIN: draft-murchison-sasl-login and Microsoft MS-XLOGIN; the prompt
//     text is never examined ([NewLogin], [NewLoginInitialResponse]).
//   - CRAM-MD5: RFC 2195 ([NewCRAMMD5]).
//   - SCRAM-SHA-1 and SCRAM-SHA-256: RFC 5802 and RFC 7677, with SASLprep
//     (RFC 4013) and a check of the server's signature ([SCRAM]).
//   - NTLM: MS-NLMP and MS-SMTPNTLM, NTLMv2 only, through
//     github.com/Azure/go-ntlmssp ([NewNTLM]).
//   - XOAUTH2: Google's and Microsoft's format ([NewXOAUTH2]).
//   - OAUTHBEARER: RFC 7628 ([NewOAuthBearer]).
//
// # Driving a mechanism
//
// A protocol client calls [Mechanism.Start] for the initial response, then
// [Mechanism.Next] once per server challenge, and [Finisher.Finish] after
// the server's success reply; the [Mechanism] documentation gives the exact
// contract, including how a token error is answered. [NetSMTPAuth] plugs a
// mechanism into the standard library's net/smtp. [Client] adapts one to
// the Start/Next shape of github.com/emersion/go-sasl without importing it.
//
// # Choosing a mechanism
//
// [Select] takes the first mechanism of a [Policy] that the server offers,
// that the [Credentials] can serve and that may run on the connection.
// [DefaultOrder] prefers SCRAM, then CRAM-MD5 and NTLM, then the token
// mechanisms, then PLAIN and LOGIN; [ClassicOrder] reproduces the order of
// older mail components (CRAM-MD5, NTLM, LOGIN).
//
// # Security
//
// Every mechanism's Start calls [Permit]: on a connection without TLS to a
// host that is not a loopback address, nothing runs unless the caller said
// so in [ServerInfo.Insecure], and PLAIN, LOGIN, XOAUTH2 and OAUTHBEARER,
// which send the secret itself, need their own stronger choice. [ForHost]
// and [NetSMTPAuth] bind credentials to one server name. A credential that
// a mechanism cannot carry, such as a NUL in a PLAIN password or any control
// byte in a username, is a [*CredentialError] before anything is sent. A
// SCRAM server that cannot prove it knows the password fails the exchange
// with [ErrServerSignature], even after it accepted the client.
//
// # Errors
//
// Errors created here start with "saslmech:". [*CredentialError] names the
// field, never its value; [*ProtocolError] reports a server message that
// breaks the mechanism; [*OAuthError] carries the decoded status of a
// refused token so that the caller can fetch a new one and retry once;
// [ErrNoTLS], [ErrWrongHost], [ErrNoMechanism] and [ErrServerSignature] are
// wrapped where callers branch on them.
package saslmech
