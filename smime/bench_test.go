// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"io"
	"strings"
	"testing"
)

// benchEntity returns a text/plain entity of about n bytes in lines of 72
// ASCII characters with CRLF ends, already in canonical form.
func benchEntity(n int) []byte {
	line := strings.Repeat("abcdefghi ", 7) + "xy\r\n"
	var b bytes.Buffer
	b.WriteString("Content-Type: text/plain; charset=us-ascii\r\n\r\n")
	for b.Len() < n {
		b.WriteString(line)
	}
	return b.Bytes()
}

var benchSizes = []int{10 << 10, 1 << 20, 10 << 20}

func sizeName(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%dMiB", n>>20)
	}
	return fmt.Sprintf("%dKiB", n>>10)
}

// BenchmarkSign: detached RSA-2048 SHA-256 signature of an entity, the
// message written out.
func BenchmarkSign(b *testing.B) {
	p := getPKI(b)
	for _, n := range benchSizes {
		entity := benchEntity(n)
		b.Run(sizeName(n), func(b *testing.B) {
			b.SetBytes(int64(len(entity)))
			b.ReportAllocs()
			for b.Loop() {
				e, err := Sign(bytes.NewReader(entity), p.signer, nil)
				if err != nil {
					b.Fatal(err)
				}
				e.WriteTo(io.Discard)
			}
		})
	}
}

// BenchmarkEncrypt: AES-256-CBC and AES-256-GCM for one RSA recipient.
func BenchmarkEncrypt(b *testing.B) {
	p := getPKI(b)
	recips := []*x509.Certificate{p.recipient}
	for _, c := range []Cipher{AES256CBC, AES256GCM} {
		for _, n := range benchSizes[:2] {
			entity := benchEntity(n)
			b.Run(c.String()+"/"+sizeName(n), func(b *testing.B) {
				b.SetBytes(int64(len(entity)))
				b.ReportAllocs()
				for b.Loop() {
					e, err := Encrypt(bytes.NewReader(entity), recips, &EncryptOptions{Cipher: c})
					if err != nil {
						b.Fatal(err)
					}
					e.WriteTo(io.Discard)
				}
			})
		}
	}
}

// BenchmarkVerify and BenchmarkDecrypt read 1 MiB messages.
func BenchmarkVerify(b *testing.B) {
	p := getPKI(b)
	entity := benchEntity(1 << 20)
	e, err := Sign(bytes.NewReader(entity), p.signer, nil)
	if err != nil {
		b.Fatal(err)
	}
	msg := e.Bytes()
	roots := p.roots()
	b.SetBytes(int64(len(entity)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(bytes.NewReader(msg), roots, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecrypt(b *testing.B) {
	p := getPKI(b)
	entity := benchEntity(1 << 20)
	for _, c := range []Cipher{AES256CBC, AES256GCM} {
		e, err := Encrypt(bytes.NewReader(entity), []*x509.Certificate{p.recipient}, &EncryptOptions{Cipher: c})
		if err != nil {
			b.Fatal(err)
		}
		msg := e.Bytes()
		b.Run(c.String(), func(b *testing.B) {
			b.SetBytes(int64(len(entity)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Decrypt(bytes.NewReader(msg), p.recipient, p.recipientKey); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkProtect: a whole 10 MiB message signed, encrypted (AES-256-CBC)
// or both, written to io.Discard. B/op shows what is held besides the
// message itself.
func BenchmarkProtect(b *testing.B) {
	p := getPKI(b)
	msg := append([]byte("From: alice@example.test\r\nTo: bob@example.test\r\nSubject: big\r\n"), benchEntity(10<<20)...)
	recips := []*x509.Certificate{p.recipient}
	for name, pr := range map[string]*Protector{
		"sign":         {Signer: p.signer},
		"encrypt":      {Recipients: recips},
		"sign+encrypt": {Signer: p.signer, Recipients: recips},
	} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			for b.Loop() {
				if err := pr.Protect(io.Discard, bytes.NewReader(msg)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkProtectAttachment protects a message whose entity is a
// multipart/mixed with a text part and a 10 MiB base64 attachment, in the
// canonical shape mailwright's mime package writes: Protect holds one
// copy of the message and copies nothing during canonicalization.
func BenchmarkProtectAttachment(b *testing.B) {
	p := getPKI(b)
	att := encodeBase64(bytes.Repeat([]byte("mailwright benchmark data 0123456789\n"), (10<<20)/37))
	msg := []byte("From: alice@example.test\r\nTo: bob@example.test\r\nSubject: big\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nHi.\r\n" +
		"--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		string(att) + "\r\n--b--\r\n")
	pr := &Protector{Signer: p.signer, Recipients: []*x509.Certificate{p.recipient}}
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if err := pr.Protect(io.Discard, bytes.NewReader(msg)); err != nil {
			b.Fatal(err)
		}
	}
}
