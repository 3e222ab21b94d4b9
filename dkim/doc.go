// SPDX-License-Identifier: Apache-2.0

// Package dkim implements DomainKeys Identified Mail signatures: signing any
// message bytes in one streaming pass, and verifying them for tools and
// tests.
//
// Standards covered:
//
//   - RFC 6376: DKIM signatures, the simple and relaxed canonicalizations,
//     the DKIM-Signature header field and the DNS key record.
//   - RFC 8301: rsa-sha1 is refused by the verifier unless allowed, and RSA
//     keys shorter than 1024 bits fail.
//   - RFC 8463: ed25519-sha256 signatures and their raw key form.
//
// # Signing
//
// A [Signer] is an [io.WriteCloser]: write the message to it once, close it,
// then prepend [Signer.Signature] to the message. The header block is
// buffered (it is small); the body is canonicalized and hashed as it
// arrives and no copy of it is kept, so the memory used does not depend on
// the size of the body. Several signatures (for instance one RSA and one
// Ed25519) can be made in the same pass with [NewMultiSigner]. [Sign] wraps
// the whole exchange for a message that is in a reader.
//
// # Line endings
//
// DKIM is defined on CRLF lines. A message fed with bare LF or bare CR line
// endings, or a mix, is hashed as if each bare LF and each bare CR were a
// CRLF (RFC 6376 section 5.3). The caller must then send exactly those
// normalized bytes: [NewCRLFWriter] produces them, and [Sign] writes them.
//
// A header line longer than 998 octets is refused with [ErrLineTooLong]:
// a relay would have to fold it, which breaks the signature.
//
// # Verification
//
// [Verify] checks every DKIM-Signature field of a message and returns one
// [Verification] per signature. Keys are looked up through a [TXTResolver]:
// a [net.Resolver], or [TXTRecords] loaded from a file
// ([ParseTXTRecords]). Failures are reported as [*Error] values that say
// whether they are temporary. Following RFC 8301, RSA keys shorter than
// 1024 bits and rsa-sha1 signatures fail (the latter unless
// [VerifyOptions].AllowSHA1 is set); a signature whose h= does not name
// From as often as the message holds it fails too, so that a From added
// after signing cannot ride on it.
//
// # Keys
//
// [LoadKey] reads PEM (PKCS#1 and PKCS#8) and the RFC 8463 raw Ed25519
// seed, [LoadPKCS12] a .pfx/.p12 file. [Record] gives the DNS TXT record to
// publish for a public key.
//
// # Speed
//
// Body canonicalization is a streaming state machine. A kernel copies the
// body into a small buffer a block at a time (on amd64 thirty-two octets
// with AVX2 or sixteen with SSE2, collapsing runs of whitespace itself;
// eight octets in portable Go elsewhere) and stops only where the body
// must change; the buffer goes to the hash in 8 KiB pieces. On amd64, canonicalizing
// and hashing a body costs 1.1 to 1.5 times the time of SHA-256 alone
// over the same octets, whatever the text. The
// benchmarks in the tools/bench module compare signing with
// github.com/emersion/go-msgauth; see README.md for the figures.
package dkim
