// SPDX-License-Identifier: Apache-2.0

package smime_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/mailwright/mailwright/smime"
)

// exampleSigner makes a self-signed S/MIME certificate for the examples;
// real signers come from smime.NewSigner or smime.LoadPKCS12.
func exampleSigner() (*smime.Signer, *x509.CertPool) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber:   big.NewInt(1),
		Subject:        pkix.Name{CommonName: "alice@example.test"},
		EmailAddresses: []string{"alice@example.test"},
		NotBefore:      time.Now().Add(-time.Hour),
		NotAfter:       time.Now().Add(time.Hour),
		KeyUsage:       x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:    []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
		IsCA:           true,

		BasicConstraintsValid: true,
	}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	cert, _ := x509.ParseCertificate(der)
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	return &smime.Signer{Certificate: cert, Key: key}, roots
}

// Signing an 8-bit text part: the result is multipart/signed, and the
// signed part was re-encoded as quoted-printable with CRLF line ends.
func ExampleSign() {
	signer, roots := exampleSigner()
	entity := "Content-Type: text/plain; charset=utf-8\n\nGrüße\n"
	zeros := bytes.NewReader(make([]byte, 15)) // fixed boundary for the example

	signed, err := smime.Sign(strings.NewReader(entity), signer, &smime.SignOptions{Rand: zeros})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(signed.Get("Content-Type"))

	v, err := smime.Verify(bytes.NewReader(signed.Bytes()), roots, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q\n", v.Content)
	// Output:
	// multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="----=_smime_000000000000000000000000000000"
	// "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe\r\n"
}

// A tampered body is reported as ErrDigestMismatch.
func ExampleVerify_tampered() {
	signer, roots := exampleSigner()
	signed, _ := smime.Sign(strings.NewReader("Content-Type: text/plain\r\n\r\nPay 100\r\n"), signer, nil)
	msg := bytes.Replace(signed.Bytes(), []byte("Pay 100"), []byte("Pay 900"), 1)

	_, err := smime.Verify(bytes.NewReader(msg), roots, nil)
	fmt.Println(err)
	// Output:
	// smime: content does not match the signature (message digest mismatch)
}

// Signing a whole message: the header fields that are not Content-* stay
// in the clear on top, and the signed entity follows.
func ExampleProtector() {
	signer, roots := exampleSigner()
	msg := "From: alice@example.test\r\nTo: bob@example.test\r\nSubject: Report\r\n" +
		"Content-Type: text/plain; charset=us-ascii\r\n\r\nAll done.\r\n"
	p := &smime.Protector{
		Signer:      signer,
		SignOptions: &smime.SignOptions{Rand: bytes.NewReader(make([]byte, 15))}, // fixed boundary
	}

	var out bytes.Buffer
	if err := p.Protect(&out, strings.NewReader(msg)); err != nil {
		fmt.Println(err)
		return
	}
	head, _, _ := strings.Cut(out.String(), "\r\n\r\n")
	fmt.Println(strings.ReplaceAll(head, "\r\n", "\n"))

	v, err := smime.Verify(&out, roots, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q\n", v.Content)
	// Output:
	// From: alice@example.test
	// To: bob@example.test
	// Subject: Report
	// MIME-Version: 1.0
	// Content-Type: multipart/signed; protocol="application/pkcs7-signature";
	// 	micalg=sha-256; boundary="----=_smime_000000000000000000000000000000"
	// "Content-Type: text/plain; charset=us-ascii\r\n\r\nAll done.\r\n"
}

// exampleRecipient makes a self-signed S/MIME certificate for an EC
// recipient, for the examples.
func exampleRecipient() (*x509.Certificate, *ecdsa.PrivateKey) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber:   big.NewInt(2),
		Subject:        pkix.Name{CommonName: "bob@example.test"},
		EmailAddresses: []string{"bob@example.test"},
		NotBefore:      time.Now().Add(-time.Hour),
		NotAfter:       time.Now().Add(time.Hour),
		KeyUsage:       x509.KeyUsageKeyAgreement,
		ExtKeyUsage:    []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
	}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	cert, _ := x509.ParseCertificate(der)
	return cert, key
}

// ExampleVerifyTo checks a signed message as a stream: in a program, the
// message would come from a file and the entity go to a file or
// os.Stdout, and a message of any size would take a few MiB of memory.
// Nothing is written unless every signature verifies and Accept agrees,
// here that a signer's certificate names the From address.
func ExampleVerifyTo() {
	signer, roots := exampleSigner()
	var signed bytes.Buffer
	msg := "From: alice@example.test\r\nSubject: Report\r\nContent-Type: text/plain\r\n\r\nAll done.\r\n"
	if err := (&smime.Protector{Signer: signer}).Protect(&signed, strings.NewReader(msg)); err != nil {
		fmt.Println(err)
		return
	}

	var entity bytes.Buffer
	_, err := smime.VerifyTo(&entity, &signed, roots, &smime.VerifyOptions{
		Accept: func(v *smime.Verified) error {
			if !v.SignedBy("alice@example.test") {
				return fmt.Errorf("not signed by the sender")
			}
			return nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q\n", entity.String())
	// Output:
	// "Content-Type: text/plain\r\n\r\nAll done.\r\n"
}

// ExampleDecryptTo decrypts as a stream; as with VerifyTo, a program would
// read a file and write to a file or os.Stdout, and nothing is written
// unless the whole message decrypts.
func ExampleDecryptTo() {
	cert, key := exampleRecipient()
	var enc bytes.Buffer
	msg := "From: alice@example.test\r\nTo: bob@example.test\r\nContent-Type: text/plain\r\n\r\nThe figures.\r\n"
	p := &smime.Protector{Recipients: []*x509.Certificate{cert}}
	if err := p.Protect(&enc, strings.NewReader(msg)); err != nil {
		fmt.Println(err)
		return
	}

	var entity bytes.Buffer
	if err := smime.DecryptTo(&entity, &enc, cert, key, nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q\n", entity.String())
	// Output:
	// "Content-Type: text/plain\r\n\r\nThe figures.\r\n"
}
