// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	mrand "math/rand/v2"
	"os"
	"testing"
)

// gcmVector is one test case of testdata/gcm-mcgrew-viega.json.
type gcmVector struct {
	Name                                   string
	Key, IV, Plaintext, Ciphertext, Tag    string
	key, iv, plaintext, ciphertext, tagRaw []byte
}

func loadGCMVectors(t *testing.T) []gcmVector {
	t.Helper()
	b, err := os.ReadFile("testdata/gcm-mcgrew-viega.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Cases []gcmVector }
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for i := range doc.Cases {
		v := &doc.Cases[i]
		for _, f := range []struct {
			dst *[]byte
			src string
		}{{&v.key, v.Key}, {&v.iv, v.IV}, {&v.plaintext, v.Plaintext}, {&v.ciphertext, v.Ciphertext}, {&v.tagRaw, v.Tag}} {
			if *f.dst, err = hex.DecodeString(f.src); err != nil {
				t.Fatalf("%s: %v", v.Name, err)
			}
		}
	}
	if len(doc.Cases) != 6 {
		t.Fatalf("%d vectors, want 6", len(doc.Cases))
	}
	return doc.Cases
}

// gcmStream encrypts pt through a gcmWriter in writes of the sizes next
// returns and gives ciphertext || tag.
func gcmStream(t testing.TB, key, nonce, pt []byte, next func() int) []byte {
	t.Helper()
	var out bytes.Buffer
	g, err := newGCMWriter(&out, key, nonce, int64(len(pt)))
	if err != nil {
		t.Fatal(err)
	}
	for rest := pt; len(rest) > 0; {
		k := min(next(), len(rest))
		if n, err := g.Write(rest[:k]); n != k || err != nil {
			t.Fatalf("Write(%d bytes) = %d, %v", k, n, err)
		}
		rest = rest[k:]
	}
	tag, err := g.finish()
	if err != nil {
		t.Fatal(err)
	}
	return append(out.Bytes(), tag[:]...)
}

func stdlibSeal(t testing.TB, key, nonce, pt []byte) []byte {
	t.Helper()
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCMWithTagSize(block, 16)
	if err != nil {
		t.Fatal(err)
	}
	return aead.Seal(nil, nonce, pt, nil)
}

// TestGCMStreamVectors: the streaming code gives the ciphertext and tag
// of the GCM specification's test cases with a 96-bit IV and no
// additional data (AES-128 and AES-256), written whole and a byte at a
// time; the standard library agrees with the stored values.
func TestGCMStreamVectors(t *testing.T) {
	for _, v := range loadGCMVectors(t) {
		want := append(append([]byte(nil), v.ciphertext...), v.tagRaw...)
		if got := stdlibSeal(t, v.key, v.iv, v.plaintext); !bytes.Equal(got, want) {
			t.Errorf("%s: crypto/cipher Seal = %x, want %x", v.Name, got, want)
		}
		for name, next := range map[string]func() int{"whole": func() int { return len(v.plaintext) }, "bytewise": func() int { return 1 }} {
			if got := gcmStream(t, v.key, v.iv, v.plaintext, next); !bytes.Equal(got, want) {
				t.Errorf("%s %s: stream = %x, want %x", v.Name, name, got, want)
			}
		}
	}
}

// TestGCMStreamMatchesStdlib: for lengths around the block and chunk
// boundaries and a few MiB, random keys and nonces, and writes of random
// sizes, the streamed ciphertext || tag is what cipher.AEAD.Seal gives
// for the whole input.
func TestGCMStreamMatchesStdlib(t *testing.T) {
	const c = gcmChunk
	lengths := []int{0, 1, 15, 16, 17, 31, 32, 33, 255, c - 17, c - 16, c - 1, c, c + 1, c + 15, c + 16,
		2 * c, 3*c + 7, 5*c - 3, 3<<20 + 11}
	seed := mrand.Uint64()
	t.Logf("write sizes seed %d", seed)
	rng := mrand.New(mrand.NewPCG(seed, 1))
	sizes := map[string]func() int{
		"small":  func() int { return rng.IntN(40) },
		"medium": func() int { return rng.IntN(3 * c / 2) },
		"mixed": func() int {
			if rng.IntN(4) == 0 {
				return rng.IntN(4 * c)
			}
			return rng.IntN(100)
		},
	}
	for _, n := range lengths {
		for name, next := range sizes {
			if n > 4*c && name == "small" {
				continue // a few MiB in writes under 40 bytes is slow and adds nothing
			}
			for _, keyLen := range []int{16, 32} {
				key, nonce, pt := make([]byte, keyLen), make([]byte, gcmNonceSize), make([]byte, n)
				rand.Read(key)
				rand.Read(nonce)
				rand.Read(pt)
				want := stdlibSeal(t, key, nonce, pt)
				if got := gcmStream(t, key, nonce, pt, next); !bytes.Equal(got, want) {
					t.Errorf("n=%d AES-%d writes %s: stream differs from Seal (tag %x, want %x)",
						n, keyLen*8, name, got[len(got)-16:], want[len(want)-16:])
				}
			}
		}
	}
}

// TestGF128 checks the software field arithmetic against values the
// algebra fixes: 1 is the identity, multiplication commutes and
// distributes over XOR, and pow agrees with repeated multiplication.
func TestGF128(t *testing.T) {
	var b [32]byte
	rand.Read(b[:])
	x, y := loadGF128(b[:16]), loadGF128(b[16:])
	one := gf128{1 << 63, 0}
	if got := x.mul(one); got != x {
		t.Errorf("x*1 = %x, want %x", got, x)
	}
	if x.mul(y) != y.mul(x) {
		t.Errorf("x*y != y*x for %x, %x", x, y)
	}
	z := loadGF128(b[8:24])
	if got, want := x.mul(y.xor(z)), x.mul(y).xor(x.mul(z)); got != want {
		t.Errorf("x*(y+z) = %x, want %x", got, want)
	}
	p := one
	for e := range 300 {
		if got := x.pow(e); got != p {
			t.Fatalf("x^%d = %x, want %x", e, got, p)
		}
		p = p.mul(x)
	}
	// The element x times x^127 wraps to x^128 = 1 + x + x^2 + x^7.
	if got, want := (gf128{1 << 62, 0}).mul(gf128{0, 1}), (gf128{0xe1 << 56, 0}); got != want {
		t.Errorf("x*x^127 = %x, want %x", got, want)
	}
}

// TestGCMLimits: content over GCM's 2^32-2 blocks is refused, and a
// writer takes no more than its length.
func TestGCMLimits(t *testing.T) {
	p := getPKI(t)
	recips := []*x509.Certificate{p.recipient}
	if _, err := newGCMSealer(gcmMaxLen+1, recips, 32, oidAES256GCM, false); err == nil {
		t.Errorf("newGCMSealer(2^32-2 blocks + 1 byte) = nil error")
	}
	if _, err := newGCMSealer(-1, recips, 32, oidAES256GCM, false); err == nil {
		t.Errorf("newGCMSealer(-1) = nil error")
	}
	s, err := newGCMSealer(gcmMaxLen, recips, 32, oidAES256GCM, false)
	if err != nil {
		t.Fatalf("newGCMSealer(2^32-2 blocks) = %v", err)
	}
	if got, want := s.derLen()-int64(len(s.prefix)), int64(gcmMaxLen+18); got != want {
		t.Errorf("derLen - prefix = %d, want %d", got, want)
	}

	key, nonce := make([]byte, 16), make([]byte, gcmNonceSize)
	g, err := newGCMWriter(io.Discard, key, nonce, 20)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := g.Write(make([]byte, 15)); n != 15 || err != nil {
		t.Fatalf("Write(15) = %d, %v", n, err)
	}
	if n, err := g.Write(make([]byte, 6)); n != 0 || !errors.Is(err, errGCMLength) {
		t.Errorf("Write past the limit = %d, %v; want 0, errGCMLength", n, err)
	}
	if _, err := newGCMWriter(io.Discard, key, nonce, gcmMaxLen+1); err == nil {
		t.Errorf("newGCMWriter(limit over 2^32-2 blocks) = nil error")
	}
}

// TestGCMSealer: the DER is derLen bytes and Decrypt's AuthEnvelopedData
// reader opens it; content of the wrong length and a second writeTo are
// errors.
func TestGCMSealer(t *testing.T) {
	p := getPKI(t)
	recips := []*x509.Certificate{p.recipient}
	for _, n := range []int{0, 1, 100, gcmChunk + 3} {
		content := make([]byte, n)
		rand.Read(content)
		s, err := newGCMSealer(int64(n), recips, 16, oidAES128GCM, false)
		if err != nil {
			t.Fatal(err)
		}
		var der bytes.Buffer
		src := func(w io.Writer) error { _, err := w.Write(content); return err }
		if err := s.writeTo(&der, src); err != nil {
			t.Fatalf("n=%d: writeTo = %v", n, err)
		}
		if int64(der.Len()) != s.derLen() {
			t.Errorf("n=%d: wrote %d bytes, derLen %d", n, der.Len(), s.derLen())
		}
		got, err := Decrypt(bytes.NewReader(pkcs7MIME("authEnveloped-data", der.Bytes()).Bytes()), p.recipient, p.recipientKey)
		if err != nil || !bytes.Equal(got, content) {
			t.Errorf("n=%d: Decrypt = %d bytes, %v; want the content", n, len(got), err)
		}
		if err := s.writeTo(io.Discard, src); err == nil {
			t.Errorf("n=%d: second writeTo = nil error", n)
		}
	}
	for _, n := range []int{99, 101} {
		s, err := newGCMSealer(100, recips, 16, oidAES128GCM, false)
		if err != nil {
			t.Fatal(err)
		}
		err = s.writeTo(io.Discard, func(w io.Writer) error { _, err := w.Write(make([]byte, n)); return err })
		if !errors.Is(err, errGCMLength) {
			t.Errorf("writeTo(%d bytes of 100) = %v, want errGCMLength", n, err)
		}
	}
}

// TestEncryptGCMLargeOpenSSL: openssl cms -decrypt recovers a 3 MiB
// entity encrypted with AES-256-GCM, which spans many chunks and ends in
// a partial block.
func TestEncryptGCMLargeOpenSSL(t *testing.T) {
	p := getPKI(t)
	entity := benchEntity(3 << 20)
	if len(entity)%aes.BlockSize == 0 {
		t.Fatalf("entity of %d bytes ends on a block boundary", len(entity))
	}
	e, err := Encrypt(bytes.NewReader(entity), []*x509.Certificate{p.recipient}, &EncryptOptions{Cipher: AES256GCM})
	if err != nil {
		t.Fatal(err)
	}
	if got := opensslDecrypt(t, p, e.Bytes(), "recipient"); !bytes.Equal(got, entity) {
		t.Errorf("openssl decrypted %d bytes, want the %d-byte entity", len(got), len(entity))
	}
	if got := e.Get("Content-Type"); got != "application/pkcs7-mime; smime-type=authEnveloped-data; name=\"smime.p7m\"" {
		t.Errorf("Content-Type = %q", got)
	}
}

// BenchmarkGCMStream compares the streaming writer with cipher.AEAD.Seal
// over a whole 16 MiB buffer.
func BenchmarkGCMStream(b *testing.B) {
	const n = 16 << 20
	key, nonce, pt := make([]byte, 32), make([]byte, gcmNonceSize), make([]byte, n)
	rand.Read(key)
	rand.Read(pt)
	b.Run("stream", func(b *testing.B) {
		b.SetBytes(n)
		b.ReportAllocs()
		for b.Loop() {
			g, err := newGCMWriter(io.Discard, key, nonce, n)
			if err != nil {
				b.Fatal(err)
			}
			g.Write(pt)
			g.finish()
		}
	})
	b.Run("stdlib-seal", func(b *testing.B) {
		block, _ := aes.NewCipher(key)
		aead, _ := cipher.NewGCM(block)
		dst := make([]byte, 0, n+16)
		b.SetBytes(n)
		b.ReportAllocs()
		for b.Loop() {
			aead.Seal(dst[:0], nonce, pt, nil)
		}
	})
}

// BenchmarkEncryptGCMStream: AES-256-GCM authEnveloped-data for one RSA
// recipient, built from content the caller holds and written to
// io.Discard. B/op stays the same from 1 MiB to 16 MiB: no copy of the
// message is made.
func BenchmarkEncryptGCMStream(b *testing.B) {
	p := getPKI(b)
	recips := []*x509.Certificate{p.recipient}
	for _, n := range []int{1 << 20, 16 << 20} {
		content := benchEntity(n)
		src := func(w io.Writer) error { _, err := w.Write(content); return err }
		b.Run(sizeName(n), func(b *testing.B) {
			b.SetBytes(int64(len(content)))
			b.ReportAllocs()
			for b.Loop() {
				e, err := encryptOut(int64(len(content)), src, recips, &EncryptOptions{Cipher: AES256GCM})
				if err != nil {
					b.Fatal(err)
				}
				if err := e.writeTo(io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
