// SPDX-License-Identifier: Apache-2.0

// Package tlsprofile implements the TLS settings of a mail client: it turns
// TLS versions, cipher suites, a STARTTLS policy, extra roots, a public key
// pin and a client certificate into a *tls.Config, and describes what a
// connection negotiated.
//
// It covers:
//
//   - RFC 8446 (TLS 1.3) and RFC 5246 (TLS 1.2); TLS 1.0 and 1.1 only in
//     the [Legacy] profile, as RFC 8996 deprecates them
//   - RFC 9325 (recommendations for the secure use of TLS), which the
//     [Default] profile follows
//   - RFC 3207 (SMTP STARTTLS) and RFC 8314 (implicit TLS for submission)
//     as far as the [Policy] goes; the SMTP dialogue is smtpclient's
//   - RFC 6125 (checking a host name against a certificate) and RFC 6066
//     section 3 (the SNI name has no port; see [ForHost])
//   - RFC 7469 section 2.4 (the SHA-256 public key pin, here without HTTP)
//   - RFC 7292 (PKCS #12 files for client certificates)
//   - the IANA "TLS Cipher Suites" registry, for suite names and codes
//
// # Profiles and versions
//
// A [Profile] chooses versions and suites: [Modern] (TLS 1.3 only),
// [Default] (TLS 1.2 and 1.3) and [Legacy] (TLS 1.0 to 1.3 and RSA key
// exchange, for old servers, only when chosen). [Options] may override the
// versions with names such as "1.0" ([ParseVersion]) and the suites with
// IANA codes such as "009C" or names ([ParseSuite]). The classic TLSVersion
// property maps onto [Options.SetTLSVersion]: "1.0" forces TLS 1.0 for an
// old server, and "1.2", the classic default, is our default.
//
// # Legacy servers and Go 1.26
//
// crypto/tls in Go 1.26 no longer offers TLS 1.0 and 1.1 nor RSA key
// exchange by default, but both are still implemented. For a client,
// setting tls.Config.MinVersion to tls.VersionTLS10 enables the old
// versions, and listing RSA key exchange suites in tls.Config.CipherSuites
// enables them; the GODEBUG settings tls10server and tlsrsakex only change
// the defaults used when those fields are unset (tls10server concerns
// servers only). [Legacy] sets both fields, so it works without any
// GODEBUG setting, and since every profile sets its suite list, a
// process-wide GODEBUG=tlsrsakex=1 does not widen [Default] either.
//
// # Errors
//
// A refused server certificate is a *[CertificateError] whose [Reason]
// tells self-signed, unknown authority, wrong host name, expired, not yet
// valid and pin mismatch apart. [Client] also turns any other handshake
// failure into a *[HandshakeError] listing the versions and suites offered.
// Errors never contain keys or passwords.
//
// # Security
//
// Under [Verify] the config made by [Config] sets InsecureSkipVerify and
// verifies in VerifyConnection, so that the reason for a refusal can be
// reported and the pin applies under every policy. The verification is
// crypto/x509's, against the roots and the host name, as crypto/tls does
// it. Code that copies the config must keep VerifyConnection.
package tlsprofile

// BUG(mailwright): crypto/tls in Go 1.25 and later refuses SHA-1 signatures
// in the TLS 1.2 handshake unless the process sets GODEBUG=tlssha1=1, and
// no tls.Config field changes that; a TLS 1.2 server that can only sign
// with SHA-1 fails under every profile. TLS 1.0 and 1.1 are not affected.
// Under GODEBUG=fips140=only the Legacy suites and versions are refused.
