// SPDX-License-Identifier: Apache-2.0

package smime

import (
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
// key usage, an RSA key, and key usage keyEncipherment.
func checkRecipientCert(c *x509.Certificate, now time.Time) error {
	if err := checkValidity("recipient", c, now); err != nil {
		return err
	}
	if err := checkEmailEKU("recipient", c); err != nil {
		return err
	}
	if _, ok := c.PublicKey.(*rsa.PublicKey); !ok {
		return &CertificateError{Role: "recipient", Subject: subject(c), Problem: CertUnsupportedKey,
			Detail: "only RSA key transport is implemented"}
	}
	if c.KeyUsage != 0 && c.KeyUsage&x509.KeyUsageKeyEncipherment == 0 {
		return &CertificateError{Role: "recipient", Subject: subject(c), Problem: CertWrongUsage,
			Detail: "key usage lacks keyEncipherment"}
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
