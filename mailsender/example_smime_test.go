// SPDX-License-Identifier: Apache-2.0

package mailsender_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"log"
	"math/big"
	"strings"
	"time"

	"github.com/mailwright/mailwright/mailsender"
	"github.com/mailwright/mailwright/smime"
)

// exampleSMIMESigner makes a self-signed S/MIME certificate for the
// example; real ones come from SMIME.CertFile and KeyFile, or PFXFile.
func exampleSMIMESigner() (*smime.Signer, *x509.CertPool) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "Alice"},
		EmailAddresses:        []string{"alice@example.com"},
		NotBefore:             time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	cert, _ := x509.ParseCertificate(der)
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	return &smime.Signer{Certificate: cert, Key: key}, roots
}

// Sender.SMIME signs every message (and encrypts it when recipient
// certificates are given) before it is DKIM-signed and sent. The message
// header stays in the clear; the body becomes multipart/signed.
func ExampleSMIME() {
	signer, roots := exampleSMIMESigner()
	now := time.Date(2026, 12, 4, 17, 0, 0, 0, time.UTC)
	s := &mailsender.Sender{
		Host:  "smtp.example.com",
		SMIME: &mailsender.SMIME{Signer: signer}, // or CertFile+KeyFile, or PFXFile+PFXPassword
		Now:   func() time.Time { return now },
		Rand:  strings.NewReader(strings.Repeat("x", 64)),
	}
	var b bytes.Buffer
	err := s.Compose(&b, &mailsender.Message{
		From: "Alice <alice@example.com>", To: []string{"bob@example.org"},
		Subject: "Signed", Body: "Hi Bob!\n", MessageID: "2@example.com",
	}, nil)
	if err != nil {
		log.Fatal(err) // a *FieldError: expired certificate, wrong key, ...
	}
	head, _, _ := strings.Cut(b.String(), "\r\n\r\n")
	head = strings.ReplaceAll(head, "\r\n\t", " ") // unfold
	fmt.Println(strings.ReplaceAll(head, "\r\n", "\n"))

	v, err := smime.Verify(&b, roots, &smime.VerifyOptions{Now: s.Now})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("signed by %s: %q\n", v.Signer.EmailAddresses[0], v.Content)
	// Output:
	// Date: Fri, 04 Dec 2026 17:00:00 +0000
	// From: Alice <alice@example.com>
	// To: bob@example.org
	// Message-ID: <2@example.com>
	// Subject: Signed
	// MIME-Version: 1.0
	// Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="----=_smime_787878787878787878787878787878"
	// signed by alice@example.com: "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\nHi Bob!\r\n"
}
