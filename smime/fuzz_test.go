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
		e, err := Encrypt(strings.NewReader(testEntities["ascii"]), []*x509.Certificate{p.recipient, p.recipientEC},
			&EncryptOptions{Cipher: c})
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
		Decrypt(bytes.NewReader(msg), p.recipientEC, p.recipECKey)
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

// FuzzProtect: for any input, Protect either fails and writes nothing,
// or writes a message that Decrypt opens and Verify accepts, giving back
// the canonical form of the message's entity.
func FuzzProtect(f *testing.F) {
	p := getPKI(f)
	f.Add([]byte(testMessage))
	f.Add([]byte("Subject: x\r\n\r\nbody"))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b--\n"))
	pr := &Protector{Signer: p.signer, Recipients: []*x509.Certificate{p.recipient}}
	f.Fuzz(func(t *testing.T, msg []byte) {
		var out bytes.Buffer
		if err := pr.Protect(&out, bytes.NewReader(msg)); err != nil {
			if out.Len() != 0 {
				t.Fatalf("Protect(%q) failed (%v) after writing %d bytes", msg, err, out.Len())
			}
			return
		}
		_, entity, err := splitMessage(bytes.Clone(msg))
		if err != nil {
			t.Fatal(err)
		}
		want, err := canonicalize(entity)
		if err != nil {
			t.Fatal(err)
		}
		signed, err := Decrypt(bytes.NewReader(out.Bytes()), p.recipient, p.recipientKey)
		if err != nil {
			t.Fatalf("Decrypt(Protect(%q)): %v", msg, err)
		}
		v, err := Verify(bytes.NewReader(signed), p.roots(), nil)
		if err != nil {
			t.Fatalf("Verify(Protect(%q)): %v", msg, err)
		}
		if !bytes.Equal(v.Content, want) {
			t.Fatalf("Verify(Protect(%q)) content %q, want %q", msg, v.Content, want)
		}
	})
}
