// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"crypto/x509"
	"errors"
	"time"
)

// Check reports whether s can sign at time now, making the checks [Sign]
// makes before it signs: the private key belongs to the certificate, the
// certificate is valid at now and allowed for email protection and
// digital signatures (RFC 8550 §4.4), and an EncryptionCertificate, if
// set, can receive encrypted mail. The error is a [*CertificateError]
// for a certificate that cannot be used. A sending pipeline calls it to
// refuse a message before anything is composed.
func (s *Signer) Check(now time.Time) error {
	if s == nil || s.Certificate == nil || s.Key == nil {
		return errors.New("smime: Signer needs a Certificate and a Key")
	}
	if err := checkSigningCert(s.Certificate, now); err != nil {
		return err
	}
	if err := s.checkKey(); err != nil {
		return err
	}
	_, err := s.encryptionCert(now)
	return err
}

// CheckRecipient reports whether c can be encrypted for at time now,
// making the checks [Encrypt] makes for each recipient: the certificate
// is valid at now, allowed for email protection, and holds an RSA key
// allowed keyEncipherment or an EC key on P-256, P-384 or P-521 allowed
// keyAgreement. The error is a [*CertificateError].
func CheckRecipient(c *x509.Certificate, now time.Time) error {
	if c == nil {
		return errors.New("smime: nil recipient certificate")
	}
	return checkRecipientCert(c, now)
}
