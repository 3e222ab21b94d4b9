// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"crypto/x509"
	"strings"
	"testing"
)

// FuzzVerifyDecrypt feeds arbitrary messages to Verify and Decrypt, which
// must return an error or a result, never panic.
func FuzzVerifyDecrypt(f *testing.F) {
	p := getPKI(f)
	signed := signOrFail2(f, p, &SignOptions{})
	opaque := signOrFail2(f, p, &SignOptions{Opaque: true})
	for _, c := range []Cipher{AES256CBC, AES128GCM} {
		e, err := Encrypt(strings.NewReader(testEntities["ascii"]), []*x509.Certificate{p.recipient}, &EncryptOptions{Cipher: c})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(e.Bytes())
	}
	f.Add(signed)
	f.Add(opaque)
	f.Fuzz(func(t *testing.T, msg []byte) {
		Verify(bytes.NewReader(msg), p.roots(), nil)
		Decrypt(bytes.NewReader(msg), p.recipient, p.recipientKey)
	})
}

func signOrFail2(f *testing.F, p *testPKI, o *SignOptions) []byte {
	e, err := Sign(strings.NewReader(testEntities["ascii"]), p.signer, o)
	if err != nil {
		f.Fatal(err)
	}
	return e.Bytes()
}

// FuzzCMS feeds arbitrary CMS objects (the DER inside the MIME wrapping)
// to Verify and Decrypt.
func FuzzCMS(f *testing.F) {
	p := getPKI(f)
	seeds := [][]byte{signOrFail2(f, p, &SignOptions{Opaque: true})}
	for _, c := range []Cipher{AES256CBC, AES128GCM} {
		e, err := Encrypt(strings.NewReader(testEntities["ascii"]), []*x509.Certificate{p.recipient}, &EncryptOptions{Cipher: c})
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, e.Bytes())
	}
	for _, s := range seeds {
		m, err := readMessage(bytes.NewReader(s))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(m.der)
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		msg := pkcs7MIME("signed-data", der).Bytes()
		Verify(bytes.NewReader(msg), p.roots(), nil)
		Decrypt(bytes.NewReader(msg), p.recipient, p.recipientKey)
	})
}
