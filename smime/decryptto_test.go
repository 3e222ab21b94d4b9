// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// writeRecorder records whether anything was written to it.
type writeRecorder struct {
	bytes.Buffer
	writes int
}

func (w *writeRecorder) Write(p []byte) (int, error) {
	w.writes++
	return w.Buffer.Write(p)
}

// binaryCMS wraps a DER or BER CMS object as a binary
// application/pkcs7-mime entity.
func binaryCMS(der []byte) []byte {
	h := "Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\nContent-Transfer-Encoding: binary\r\n\r\n"
	return append([]byte(h), der...)
}

// decryptToSize is the size of the entity openssl encrypts in
// TestDecryptToOpenSSL: a little over 4 MiB, so that the plaintext
// moves from the spool's memory to its file and the last chunk of
// ciphertext is not a short one.
func decryptToSize() int {
	if raceEnabled || testing.Short() {
		return 256<<10 + 1000
	}
	return 4<<20 + 1000
}

// TestDecryptToOpenSSL: entities of about 4 MiB that `openssl cms
// -encrypt -stream` encrypts, which it writes as BER with indefinite
// lengths and the content in chunks, for AES-256-CBC, AES-128-CBC,
// 3DES and AES-256-GCM (authEnveloped-data), decrypt byte for byte with
// DecryptTo, from base64 (S/MIME output) and from binary (DER output).
// A damaged last block (CBC padding) or tag (GCM), and a damaged
// ciphertext byte, give ErrDecrypt with nothing written; another
// recipient gets ErrNotRecipient, nothing written.
func TestDecryptToOpenSSL(t *testing.T) {
	p := getPKI(t)
	entity := append([]byte("Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n"),
		make([]byte, decryptToSize())...)
	rand.Read(entity[80:])
	in := writeTemp(t, "entity.bin", entity)
	for _, c := range []string{"aes-256-cbc", "aes-128-cbc", "des3", "aes-256-gcm"} {
		t.Run(c, func(t *testing.T) {
			args := []string{"cms", "-encrypt", "-" + c, "-stream", "-binary", "-in", in, "-recip", p.path("recipient.pem")}
			smime := mustOpenSSL(t, nil, args...)
			ber := mustOpenSSL(t, nil, append(args, "-outform", "DER")...)
			if !bytes.HasPrefix(ber, []byte{0x30, 0x80}) {
				t.Fatalf("openssl wrote % x..., want indefinite-length BER", ber[:8])
			}
			for name, msg := range map[string][]byte{"base64": smime, "binary": binaryCMS(ber)} {
				var out writeRecorder
				err := DecryptTo(&out, bytes.NewReader(msg), p.recipient, p.recipientKey, &DecryptOptions{TempDir: t.TempDir()})
				if err != nil || !bytes.Equal(out.Bytes(), entity) {
					t.Errorf("%s: DecryptTo = %d bytes, %v; want the %d bytes encrypted", name, out.Len(), err, len(entity))
				}
			}
			decryptToRefuses(t, "other recipient", binaryCMS(ber), p.other, p.otherKey, ErrNotRecipient)
			// The message ends in the end-of-contents octets of the
			// EncryptedContentInfo (CBC only), AuthEnvelopedData or
			// EnvelopedData, [0] and ContentInfo; GCM's mac comes first.
			tail := 10
			if c == "aes-256-gcm" {
				tail = 6
				if mac := ber[len(ber)-tail-18 : len(ber)-tail-16]; !bytes.Equal(mac, []byte{0x04, 0x10}) {
					t.Fatalf("no 16-byte mac before the end-of-contents octets: % x", mac)
				}
			}
			if !bytes.Equal(ber[len(ber)-tail:], make([]byte, tail)) {
				t.Fatalf("BER does not end in %d end-of-contents octets: % x", tail/2, ber[len(ber)-tail-4:])
			}
			last := len(ber) - tail - 1 // the last byte of the ciphertext, or of the tag
			damaged := map[string]int{"tag": last, "ciphertext": len(ber) / 2}
			if c != "aes-256-gcm" {
				// CBC has no integrity: only a damaged padding is seen. A
				// flipped high bit in the last byte of the block before the
				// last flips it in the last padding byte, which is then over
				// 16: bad padding whatever the plaintext. openssl writes the
				// last block as a chunk of its own.
				bs := aes.BlockSize
				if c == "des3" {
					bs = 8
				}
				if h := ber[last-bs-1 : last-bs+1]; !bytes.Equal(h, []byte{0x04, byte(bs)}) {
					t.Fatalf("the last block is not a chunk of its own: % x", h)
				}
				damaged = map[string]int{"padding": last - bs - 2}
			}
			for what, at := range damaged {
				bad := bytes.Clone(ber)
				bad[at] ^= 0x80
				decryptToRefuses(t, what, binaryCMS(bad), p.recipient, p.recipientKey, ErrDecrypt)
			}
		})
	}
}

// decryptToRefuses checks that DecryptTo fails with want, and that on
// ErrDecrypt the error is ErrDecrypt itself, as for every other failure
// after the recipient is found.
func decryptToRefuses(t *testing.T, what string, msg []byte, cert *x509.Certificate, key any, want error) {
	t.Helper()
	var out writeRecorder
	err := DecryptTo(&out, bytes.NewReader(msg), cert, key, &DecryptOptions{TempDir: t.TempDir()})
	if !errors.Is(err, want) || want == ErrDecrypt && err != ErrDecrypt || out.writes != 0 {
		t.Errorf("%s: DecryptTo = %v after %d writes; want %v and nothing written", what, err, out.writes, want)
	}
}

// TestDecryptToDamaged: our own DER (definite lengths, one primitive
// ciphertext) with a damaged CBC padding (as in TestDecryptToOpenSSL),
// or a damaged GCM ciphertext byte or tag, gives ErrDecrypt and writes
// nothing.
func TestDecryptToDamaged(t *testing.T) {
	p := getPKI(t)
	entity := "Content-Type: text/plain\r\n\r\n" + strings.Repeat("damage\r\n", 5000)
	for _, c := range []Cipher{AES256CBC, AES128CBC, AES256GCM} {
		e := encryptOrFail(t, entity, []*x509.Certificate{p.recipient}, &EncryptOptions{Cipher: c})
		m, err := readMessage(bytes.NewReader(e.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := DecryptTo(&out, bytes.NewReader(binaryCMS(m.der)), p.recipient, p.recipientKey, nil); err != nil || out.String() != entity {
			t.Fatalf("%v: DecryptTo of the binary DER = %v", c, err)
		}
		damaged := map[string]int{"padding": len(m.der) - 1 - aes.BlockSize}
		if c == AES256GCM {
			damaged = map[string]int{"ciphertext": len(m.der) / 2, "tag": len(m.der) - 1}
		}
		for what, at := range damaged {
			bad := bytes.Clone(m.der)
			bad[at] ^= 0x80
			decryptToRefuses(t, c.String()+" "+what, binaryCMS(bad), p.recipient, p.recipientKey, ErrDecrypt)
		}
	}
}

// TestDecryptToAuthAttrs: an AuthEnvelopedData with authenticated
// attributes, sealed by the standard library's AES-GCM with their DER
// (as a SET OF) as additional data (RFC 5083 §2.2), decrypts; with an
// attribute changed, the tag fails: ErrDecrypt, nothing written.
func TestDecryptToAuthAttrs(t *testing.T) {
	p := getPKI(t)
	key, nonce := make([]byte, 16), make([]byte, gcmNonceSize)
	rand.Read(key)
	rand.Read(nonce)
	ri, err := ktri(key, p.recipient, p.recipient.PublicKey.(*rsa.PublicKey), false)
	if err != nil {
		t.Fatal(err)
	}
	attr := derSeq(mustMarshal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}),
		mustMarshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: mustMarshal(oidData)}))
	authAttrs := mustMarshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 1, IsCompound: true, Bytes: attr})
	content := []byte("Content-Type: text/plain\r\n\r\nwith authenticated attributes\r\n")
	block, _ := aes.NewCipher(key)
	gcm, _ := cipher.NewGCM(block)
	sealed := gcm.Seal(nil, nonce, content, authAttrsAAD(asn1.RawValue{FullBytes: authAttrs}))
	ct, tag := sealed[:len(content)], sealed[len(content):]
	build := func(attrs []byte) []byte {
		alg := derSeq(mustMarshal(oidAES128GCM), mustMarshal(gcmParameters{Nonce: nonce, ICVLen: 16}))
		eci := derSeq(mustMarshal(oidData), alg, mustMarshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, Bytes: ct}))
		aed := derSeq([]byte{0x02, 0x01, 0x00}, mustMarshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet,
			IsCompound: true, Bytes: ri}), eci, attrs, mustMarshal(tag))
		return derSeq(mustMarshal(oidAuthEnvelopedData), mustMarshal(asn1.RawValue{Class: asn1.ClassContextSpecific,
			Tag: 0, IsCompound: true, Bytes: aed}))
	}
	var out bytes.Buffer
	if err := DecryptTo(&out, bytes.NewReader(binaryCMS(build(authAttrs))), p.recipient, p.recipientKey, nil); err != nil ||
		!bytes.Equal(out.Bytes(), content) {
		t.Fatalf("DecryptTo = %q, %v; want %q", out.Bytes(), err, content)
	}
	changed := bytes.Clone(authAttrs)
	changed[len(changed)-1] ^= 1 // the last arc of id-data
	decryptToRefuses(t, "changed attribute", binaryCMS(build(changed)), p.recipient, p.recipientKey, ErrDecrypt)
}

// TestDecryptToReadError: an error of the message's reader, in the header
// or in the middle of the content, comes back wrapped (errors.Is finds
// it) and nothing is written.
func TestDecryptToReadError(t *testing.T) {
	p := getPKI(t)
	msg := encryptOrFail(t, "Content-Type: text/plain\r\n\r\n"+strings.Repeat("x", 100000), []*x509.Certificate{p.recipient}, nil).Bytes()
	broken := errors.New("disk on fire")
	for _, n := range []int{10, len(msg) / 2} {
		r := io.MultiReader(bytes.NewReader(msg[:n]), iotest.ErrReader(broken))
		var out writeRecorder
		err := DecryptTo(&out, r, p.recipient, p.recipientKey, nil)
		if !errors.Is(err, broken) || out.writes != 0 {
			t.Errorf("reader failing after %d bytes: DecryptTo = %v after %d writes; want the reader's error, nothing written", n, err, out.writes)
		}
	}
}
