// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"crypto/x509"
	"io"
	"time"
)

// VerifyOptions are the per-call settings of [Verify] and [VerifyTo]. The
// zero value (or a nil pointer) checks the chain at the current time.
type VerifyOptions struct {
	// Now returns the time at which the signer's chain must be valid;
	// nil means time.Now.
	Now func() time.Time

	// TempDir is where [VerifyTo] keeps a signed entity larger than
	// 1 MiB while its signatures are checked, in a file encrypted under
	// a key held only in memory; "" means os.TempDir().
	TempDir string

	// Accept, when set, is called by [VerifyTo] after every signature
	// verified and before any content is written; an error it returns
	// stops VerifyTo, which returns it. A receiving agent checks here
	// that a signer's certificate names the From address (RFC 8550 §3;
	// see [Verified.SignedBy]).
	Accept func(*Verified) error
}

// Verified is the result of [Verify] or [VerifyTo]. With an error, a
// non-nil Verified holds what was found before the failure (the first
// signer, when its certificate was found): it is not a verdict.
type Verified struct {
	// Content is the signed MIME entity, exactly the bytes that were
	// signed (CRLF line ends).
	Content []byte
	// Signer is the signer's certificate (the first signer's, when the
	// message has several; see Signers).
	Signer *x509.Certificate
	// Chain is the path from Signer to a root, Signer first.
	Chain []*x509.Certificate
	// SigningTime is Signer's signing-time attribute, or the zero time.
	SigningTime time.Time
	// Opaque is true for application/pkcs7-mime signed-data, false for
	// multipart/signed.
	Opaque bool
	// Signers lists every signer of the message, in the order of its
	// SignerInfos (RFC 5652 §5.3), each verified; Signers[0] holds the
	// same values as Signer, Chain and SigningTime.
	Signers []VerifiedSigner
}

// VerifiedSigner is one signer of a message that [Verify] accepted.
type VerifiedSigner struct {
	// Certificate is the signer's certificate.
	Certificate *x509.Certificate
	// Chain is the path from Certificate to a root, Certificate first.
	Chain []*x509.Certificate
	// SigningTime is the signer's signing-time attribute, or the zero
	// time.
	SigningTime time.Time
}

// Verify checks an S/MIME signed message or entity: multipart/signed
// (detached) or application/pkcs7-mime signed-data (opaque). msg may be a
// whole message; only its Content-* fields are read, and LF line ends
// are taken as CRLF. Every signature must verify over the content, and
// every signer's certificate must chain to roots (nil: the system roots),
// be valid at o.Now and be allowed for email protection; each signer is
// reported in [Verified.Signers]. With several signers, an error says
// which one failed, as in "... (signer 2 of 2)".
//
// Errors: [ErrDigestMismatch] when the content was changed,
// [ErrBadSignature] for a signature that does not verify,
// [*CertificateError] for an expired, wrong-usage or untrusted signer,
// [ErrNotSigned] for anything not signed (an encrypted message must be
// decrypted first), [*FormatError] for malformed input.
func Verify(msg io.Reader, roots *x509.CertPool, o *VerifyOptions) (*Verified, error) {
	var content bytes.Buffer
	v, err := VerifyTo(&content, msg, roots, o)
	if err != nil {
		return v, err
	}
	v.Content = content.Bytes()
	return v, nil
}
