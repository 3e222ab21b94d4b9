// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/smallstep/pkcs7"
)

// VerifyOptions are the per-call settings of [Verify]. The zero value (or
// a nil pointer) checks the chain at the current time.
type VerifyOptions struct {
	// Now returns the time at which the signer's chain must be valid;
	// nil means time.Now.
	Now func() time.Time
}

// Verified is the result of a successful [Verify].
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
	m, err := readMessage(msg)
	if err != nil {
		return nil, err
	}
	if !m.contentType.Equal(pkcs7.OIDSignedData) {
		return nil, fmt.Errorf("%w: CMS content is %s", ErrNotSigned, contentTypeName(m.contentType))
	}
	p7, err := pkcs7.Parse(m.der)
	if err != nil {
		return nil, formatErrorf("CMS signed-data: %v", err)
	}
	if len(p7.Signers) == 0 {
		return nil, fmt.Errorf("%w: signed-data without signers", ErrNotSigned)
	}
	v := &Verified{Content: p7.Content, Opaque: m.detached == nil}
	if m.detached != nil {
		p7.Content = m.detached
		v.Content = m.detached
	}
	return v, v.check(p7, roots, o)
}

// check verifies every signer of p7, one at a time, so that an error
// names the signer it concerns.
func (v *Verified) check(p7 *pkcs7.PKCS7, roots *x509.CertPool, o *VerifyOptions) error {
	now := time.Now()
	if o != nil && o.Now != nil {
		now = o.Now()
	}
	n := len(p7.Signers)
	for i := range p7.Signers {
		one := *p7
		one.Signers = p7.Signers[i : i+1]
		s, err := checkSigner(&one, roots, now)
		if i == 0 {
			v.Signer, v.Chain, v.SigningTime = s.Certificate, s.Chain, s.SigningTime
		}
		if err != nil {
			if n > 1 {
				err = fmt.Errorf("%w (signer %d of %d)", err, i+1, n)
			}
			return err
		}
		v.Signers = append(v.Signers, s)
	}
	return nil
}

// checkSigner verifies the one signer of p7: its signature over the
// content, the content-type attribute, and its certificate's chain and
// usage at time now.
func checkSigner(p7 *pkcs7.PKCS7, roots *x509.CertPool, now time.Time) (VerifiedSigner, error) {
	var s VerifiedSigner
	s.Certificate = signerCert(p7)
	if s.Certificate == nil {
		return s, fmt.Errorf("%w: the signer's certificate is not in the message", ErrBadSignature)
	}
	var ct asn1.ObjectIdentifier
	if err := p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeContentType, &ct); err == nil &&
		!ct.Equal(pkcs7.OIDData) {
		return s, fmt.Errorf("%w: signed content type %v is not id-data", ErrBadSignature, ct)
	}
	if err := p7.Verify(); err != nil {
		return s, signatureError(s.Certificate, err)
	}
	p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeSigningTime, &s.SigningTime)
	chain, err := verifyChain(s.Certificate, p7.Certificates, roots, now)
	s.Chain = chain
	return s, err
}

// signerCert finds the certificate of p7's first signer by issuer and
// serial number.
func signerCert(p7 *pkcs7.PKCS7) *x509.Certificate {
	ias := p7.Signers[0].IssuerAndSerialNumber
	for _, c := range p7.Certificates {
		if c.SerialNumber.Cmp(ias.SerialNumber) == 0 && string(c.RawIssuer) == string(ias.IssuerName.FullBytes) {
			return c
		}
	}
	return nil
}

func signatureError(signer *x509.Certificate, err error) error {
	var mismatch *pkcs7.MessageDigestMismatchError
	var badTime *pkcs7.SigningTimeNotValidError
	switch {
	case errors.As(err, &mismatch):
		return ErrDigestMismatch
	case errors.As(err, &badTime):
		return &CertificateError{Role: "signer", Subject: subject(signer), Problem: CertExpired,
			Detail: "signing time " + badTime.SigningTime.UTC().Format(time.RFC3339) +
				" is outside the certificate's validity"}
	}
	return fmt.Errorf("%w: %v", ErrBadSignature, err)
}
