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
	// Signer is the signer's certificate.
	Signer *x509.Certificate
	// Chain is the path from Signer to a root, Signer first.
	Chain []*x509.Certificate
	// SigningTime is the signing-time attribute, or the zero time.
	SigningTime time.Time
	// Opaque is true for application/pkcs7-mime signed-data, false for
	// multipart/signed.
	Opaque bool
}

// Verify checks an S/MIME signed message or entity: multipart/signed
// (detached) or application/pkcs7-mime signed-data (opaque). msg may be a
// whole message; only its Content-* fields are read, and LF line ends
// are taken as CRLF. The signature must verify over the content, and the
// signer's certificate must chain to roots (nil: the system roots), be
// valid at o.Now and be allowed for email protection.
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

func (v *Verified) check(p7 *pkcs7.PKCS7, roots *x509.CertPool, o *VerifyOptions) error {
	v.Signer = signerCert(p7)
	if v.Signer == nil {
		return fmt.Errorf("%w: the signer's certificate is not in the message", ErrBadSignature)
	}
	var ct asn1.ObjectIdentifier
	if err := p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeContentType, &ct); err == nil &&
		!ct.Equal(pkcs7.OIDData) {
		return fmt.Errorf("%w: signed content type %v is not id-data", ErrBadSignature, ct)
	}
	if err := p7.Verify(); err != nil {
		return signatureError(v.Signer, err)
	}
	p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeSigningTime, &v.SigningTime)
	now := time.Now()
	if o != nil && o.Now != nil {
		now = o.Now()
	}
	chain, err := verifyChain(v.Signer, p7.Certificates, roots, now)
	v.Chain = chain
	return err
}

// signerCert finds the first signer's certificate by issuer and serial
// number.
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
