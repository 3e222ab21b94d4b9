// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// Signer is a signing certificate with its private key and the
// certificates that lead to a root. The chain is sent in the signature so
// that receivers can build the path (RFC 8551 §2.5.2, RFC 8550 §3).
type Signer struct {
	// Certificate is the signer's end-entity certificate.
	Certificate *x509.Certificate
	// Key is the private key of Certificate (RSA or ECDSA).
	Key crypto.Signer
	// Chain holds further certificates to include: intermediates, and
	// the root if the caller wants it sent. Order does not matter.
	Chain []*x509.Certificate
	// EncryptionCertificate is the signer's own certificate for
	// encryption, when it is not Certificate. It is sent with the
	// signature and named in the SMIMEEncryptionKeyPreference attribute
	// (RFC 8551 §2.5.3) and in Microsoft's equivalent, so that Outlook
	// and Thunderbird encrypt replies to it. Nil: Certificate is named
	// when it can receive encrypted mail (RSA, keyEncipherment allowed),
	// and nothing otherwise.
	EncryptionCertificate *x509.Certificate
}

// encryptionCert returns the certificate to announce for encryption, or
// nil, and checks a given EncryptionCertificate at time now.
func (s *Signer) encryptionCert(now time.Time) (*x509.Certificate, error) {
	if s.EncryptionCertificate != nil {
		if err := checkRecipientCert(s.EncryptionCertificate, now); err != nil {
			return nil, err
		}
		return s.EncryptionCertificate, nil
	}
	if checkRecipientCert(s.Certificate, now) != nil {
		return nil, nil
	}
	return s.Certificate, nil
}

// NewSigner builds a Signer from PEM data. certPEM holds the end-entity
// certificate first, optionally followed by its chain; keyPEM holds the
// private key in PKCS#8, PKCS#1 or SEC 1 form, unencrypted.
func NewSigner(certPEM, keyPEM []byte) (*Signer, error) {
	certs, err := parseCertificatesPEM(certPEM)
	if err != nil {
		return nil, err
	}
	key, err := parseKeyPEM(keyPEM)
	if err != nil {
		return nil, err
	}
	s := &Signer{Certificate: certs[0], Key: key, Chain: certs[1:]}
	return s, s.checkKey()
}

// LoadPKCS12 builds a Signer from a PKCS#12 (.p12, .pfx) file protected by
// password. Both the OpenSSL 3 default format (AES-256-CBC, PBKDF2) and
// the legacy one (3DES, SHA-1 MAC) are read. The CA certificates in the
// file become the chain.
func LoadPKCS12(pfx []byte, password string) (*Signer, error) {
	key, cert, chain, err := pkcs12.DecodeChain(pfx, password)
	if err != nil {
		if errors.Is(err, pkcs12.ErrIncorrectPassword) {
			return nil, errors.New("smime: PKCS#12: wrong password")
		}
		return nil, fmt.Errorf("smime: PKCS#12: %v", err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("smime: PKCS#12: unsupported key type %T", key)
	}
	s := &Signer{Certificate: cert, Key: signer, Chain: chain}
	return s, s.checkKey()
}

// ParseCertificatesPEM returns every certificate in PEM data, in order. It
// is meant for recipient certificates and trust roots.
func ParseCertificatesPEM(data []byte) ([]*x509.Certificate, error) {
	return parseCertificatesPEM(data)
}

func parseCertificatesPEM(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("smime: certificate %d: %v", len(certs)+1, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("smime: no PEM certificate found")
	}
	return certs, nil
}

// ParsePrivateKeyPEM returns the first private key in PEM data (PKCS#8,
// PKCS#1 or SEC 1, unencrypted).
func ParsePrivateKeyPEM(data []byte) (crypto.Signer, error) {
	return parseKeyPEM(data)
}

func parseKeyPEM(data []byte) (crypto.Signer, error) {
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, errors.New("smime: no PEM private key found")
		}
		var key any
		var err error
		switch block.Type {
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(block.Bytes)
		case "ENCRYPTED PRIVATE KEY":
			return nil, errors.New("smime: encrypted PEM keys are not supported; use PKCS#12")
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("smime: private key: %v", err)
		}
		s, ok := key.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("smime: unsupported private key type %T", key)
		}
		return s, nil
	}
}

type publicKeyEqualer interface {
	Equal(crypto.PublicKey) bool
}

// checkKey makes sure the private key belongs to the certificate.
func (s *Signer) checkKey() error {
	pub, ok := s.Key.Public().(publicKeyEqualer)
	if !ok || !pub.Equal(s.Certificate.PublicKey) {
		return &CertificateError{Role: "signer", Subject: subject(s.Certificate),
			Problem: CertUnsupportedKey, Detail: "private key does not match the certificate"}
	}
	return nil
}

func subject(c *x509.Certificate) string {
	if len(c.EmailAddresses) > 0 {
		return c.EmailAddresses[0]
	}
	return c.Subject.String()
}
