// SPDX-License-Identifier: Apache-2.0

// Package smime implements S/MIME version 4.0 signing and encryption of
// MIME entities, and the verification and decryption that tools and tests
// need.
//
// Standards covered:
//   - RFC 8551, S/MIME 4.0 message specification: multipart/signed
//     (§3.5.3), application/pkcs7-mime signed-data (§3.5.2) and
//     enveloped-data (§3.3), sign-then-encrypt (§3.6), canonicalization
//     (§3.1), the signing-time, SMIMECapabilities and
//     SMIMEEncryptionKeyPreference attributes (§2.5)
//   - RFC 8550, S/MIME 4.0 certificate handling: key usage and extended
//     key usage (§4.4)
//   - RFC 5652, Cryptographic Message Syntax: SignedData and
//     EnvelopedData written and read here, as streams (see the README for
//     why not through github.com/smallstep/pkcs7)
//   - RFC 5754 and RFC 5758, SHA-2 and ECDSA identifiers in CMS
//   - RFC 1847, multipart/signed
//   - RFC 3565, AES-CBC in CMS
//   - RFC 5083 and RFC 5084, AuthEnvelopedData with AES-GCM
//   - RFC 3560, RFC 4055 and RFC 8017, RSAES-OAEP key transport
//   - RFC 5753 and RFC 3394, ECDH key agreement and AES key wrap for EC
//     recipients
//   - RFC 7292, PKCS #12 (through software.sslmate.com/src/go-pkcs12)
//
// # Entities
//
// [Sign], [Encrypt] and [SignAndEncrypt] take a MIME entity: its Content-*
// header fields, an empty line and the body, such as
// "Content-Type: text/plain\r\n\r\nhello\r\n". They return an [*Entity]
// whose header fields a message builder puts in the message header in
// place of the entity's own Content-* fields, with MIME-Version: 1.0.
// [Protector] does that for a whole message (RFC 5322 header and body),
// as a sending pipeline needs between composing and DKIM-signing.
//
// The input is first brought into canonical form: CRLF line ends, every
// part 7-bit, 8-bit text re-encoded as quoted-printable and binary content
// as base64 in 76-column lines. What is signed is what is sent, so the
// signature survives relays and DKIM signing.
//
// # Errors
//
// A changed body gives [ErrDigestMismatch]; a signing, signer or recipient
// certificate that is expired, not for email protection or untrusted
// gives a [*CertificateError]; a message not encrypted for the
// certificate gives [ErrNotRecipient], a wrong key [ErrDecrypt]; input that
// is not a MIME entity gives a [*FormatError].
//
// # Security
//
// Encryption uses AES-256-CBC by default with RSA PKCS #1 v1.5 key
// transport, which Outlook, Thunderbird and OpenSSL all read. CBC content
// is not authenticated: sign before encrypting when integrity matters, or
// choose [AES256GCM] when the recipients' clients read authEnveloped-data.
// Decrypting uses implicit rejection for every RSA PKCS #1 v1.5 key
// transport step, and every failure after the recipient is found (RSA,
// CBC padding, GCM tag) is the one [ErrDecrypt], so a wrong key and a
// forged message look alike and decryption is no padding oracle.
//
// # Memory
//
// Signing and encrypting stream. The entity is read once, brought into
// canonical form and hashed on the way, and waits in memory up to 1 MiB
// and beyond that in a temporary file encrypted with AES-256-CTR under a
// key held only in memory ([Protector.TempDir]); the signature and the
// AES-CBC or AES-GCM encryption are then computed while the result is
// written. A part whose transfer encoding depends on all its content (an
// unencoded or quoted-printable part) waits the same way, 256 KiB of it
// in memory, while that is decided. [Protector.Protect] writes to a
// writer, so it holds the same amount for any size of message; [Sign],
// [Encrypt] and [SignAndEncrypt] return an [Entity] whose Body holds the
// result, and suit small entities.
//
// Reading streams too. [VerifyTo] hashes the signed entity as it reads
// it and keeps it the same way (1 MiB in memory, then an encrypted file
// in [VerifyOptions.TempDir]) until every signature verified, then writes
// it; [DecryptTo] decrypts the content as it reads it and keeps the
// plaintext until its padding or tag checks out. [Verify] and [Decrypt]
// return the result in memory.
package smime
