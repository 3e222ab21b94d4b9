// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"slices"
	"time"
)

// checkValidity reports a certificate used outside its validity period.
func checkValidity(role string, c *x509.Certificate, now time.Time) error {
	switch {
	case now.After(c.NotAfter):
		return &CertificateError{Role: role, Subject: subject(c), Problem: CertExpired,
			Detail: "not after " + c.NotAfter.UTC().Format(time.RFC3339)}
	case now.Before(c.NotBefore):
		return &CertificateError{Role: role, Subject: subject(c), Problem: CertNotYetValid,
			Detail: "not before " + c.NotBefore.UTC().Format(time.RFC3339)}
	}
	return nil
}

// checkEmailEKU requires emailProtection (or anyExtendedKeyUsage) when
// the certificate restricts its extended key usage (RFC 8550 §4.4.4).
func checkEmailEKU(role string, c *x509.Certificate) error {
	if len(c.ExtKeyUsage) == 0 && len(c.UnknownExtKeyUsage) == 0 {
		return nil
	}
	if slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageEmailProtection) ||
		slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageAny) {
		return nil
	}
	return &CertificateError{Role: role, Subject: subject(c), Problem: CertWrongUsage,
		Detail: "extended key usage lacks emailProtection"}
}

// checkSigningCert checks a signer's certificate at time now: validity,
// extended key usage, and key usage digitalSignature or nonRepudiation
// (RFC 8550 §4.4.2).
func checkSigningCert(c *x509.Certificate, now time.Time) error {
	if err := checkValidity("signer", c, now); err != nil {
		return err
	}
	if err := checkEmailEKU("signer", c); err != nil {
		return err
	}
	if c.KeyUsage != 0 && c.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return &CertificateError{Role: "signer", Subject: subject(c), Problem: CertWrongUsage,
			Detail: "key usage lacks digitalSignature"}
	}
	return nil
}

// checkRecipientCert checks a recipient's certificate: validity, extended
// key usage, and an RSA key allowed keyEncipherment or an EC key (P-256,
// P-384, P-521) allowed keyAgreement (RFC 8550 §4.4.2).
func checkRecipientCert(c *x509.Certificate, now time.Time) error {
	if err := checkValidity("recipient", c, now); err != nil {
		return err
	}
	if err := checkEmailEKU("recipient", c); err != nil {
		return err
	}
	usage, name := x509.KeyUsageKeyEncipherment, "keyEncipherment"
	switch pub := c.PublicKey.(type) {
	case *rsa.PublicKey:
	case *ecdsa.PublicKey:
		k, err := pub.ECDH()
		if _, ok := ecdhSchemes[k.Curve()]; err != nil || !ok {
			return &CertificateError{Role: "recipient", Subject: subject(c), Problem: CertUnsupportedKey,
				Detail: "EC keys must be on P-256, P-384 or P-521"}
		}
		usage, name = x509.KeyUsageKeyAgreement, "keyAgreement"
	default:
		return &CertificateError{Role: "recipient", Subject: subject(c), Problem: CertUnsupportedKey,
			Detail: "encryption needs an RSA or EC key"}
	}
	if c.KeyUsage != 0 && c.KeyUsage&usage == 0 {
		return &CertificateError{Role: "recipient", Subject: subject(c), Problem: CertWrongUsage,
			Detail: "key usage lacks " + name}
	}
	return nil
}

// verifyChain builds a path from the signer to roots at time now for
// email protection, and checks the signer's key usage.
func verifyChain(c *x509.Certificate, pool []*x509.Certificate, roots *x509.CertPool, now time.Time) ([]*x509.Certificate, error) {
	inter := x509.NewCertPool()
	for _, p := range pool {
		inter.AddCert(p)
	}
	chains, err := c.Verify(x509.VerifyOptions{
		Roots: roots, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
	})
	if err != nil {
		return nil, chainError(c, err)
	}
	if err := checkSigningCert(c, now); err != nil {
		return nil, err
	}
	return chains[0], nil
}

func chainError(c *x509.Certificate, err error) error {
	e := &CertificateError{Role: "signer", Subject: subject(c), Problem: CertUntrusted, Err: err}
	var inv x509.CertificateInvalidError
	if errors.As(err, &inv) {
		switch inv.Reason {
		case x509.Expired:
			e.Problem = CertExpired
		case x509.IncompatibleUsage:
			e.Problem = CertWrongUsage
		}
	}
	return e
}
