// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// AuthEnvelopedData with AES-GCM (RFC 5083, RFC 5084) written as the
// content arrives, so that a large message is never held whole.
//
// Go's cipher.AEAD seals only a whole message, so the GCM computation of
// NIST SP 800-38D §7.1 is put together from pieces the standard library
// does offer, for a 96-bit nonce N and no additional data:
//
//   - J0 = N || 0^31 || 1, and the ciphertext C is the plaintext XORed
//     with AES-CTR started at inc32(J0) = N || 0^30 || 10. cipher.NewCTR
//     increments the whole 128-bit counter, which equals inc32 as long as
//     the low 32 bits do not wrap; they cannot, because content longer
//     than GCM's limit of 2^32-2 blocks is refused and a writer takes no
//     more than the length it was given.
//   - The tag is GHASH_H(C' || L) XOR E_K(J0), where C' is C padded with
//     zeros to whole blocks, L is the length block 0^64 || bitlen(C), and
//     H = E_K(0^128).
//
// GHASH is Horner's rule in GF(2^128): over blocks X_1..X_m it is the sum
// of X_i * H^(m-i+1), so for a chunk X of m blocks (zero-padded, X')
// following what came before, GHASH(prev || X') = GHASH(prev) * H^m +
// GHASH(X'). Rather than a software GHASH, GHASH(X') comes from the
// standard library's, hardware accelerated where the CPU has carry-less
// multiplication: Seal with an empty plaintext and X as additional data
// returns S = GHASH_H(X' || Lx) XOR E_K(J0), where Lx = bitlen(X) || 0^64
// is X's length block as additional data. As K is known, E_K(J0) comes
// off again, and
//
//	S XOR E_K(J0) = (GHASH(X') XOR Lx) * H = GHASH(X')*H XOR Lx*H.
//
// The writer therefore keeps Z = GHASH(C so far) * H and folds in each
// chunk as Z = Z * H^m XOR S XOR E_K(J0) XOR Lx*H. Chunks are gcmChunk
// bytes, a whole number of blocks, except the last, which may be shorter
// and end in a partial block; Seal pads that with zeros as GHASH pads C.
// At the end GHASH(C' || L) = (GHASH(C') XOR L) * H = Z XOR L*H, so the
// tag is Z XOR L*H XOR E_K(J0); with no content Z is 0 and no chunk is
// hashed. H^m and Lx*H of a whole chunk are computed once, so a whole
// chunk costs one multiplication in software (the short last one about
// thirty) against gcmChunk/16 in hardware. Content is encrypted as it is
// written, into the chunk buffer, and hashed when the chunk is full: two
// passes where Seal makes one, at about 85% of Seal's speed
// (BenchmarkGCMStream).
//
// The Seal outputs, tags over the same nonce, are never written out: only
// the final tag is. Each gcmSealer draws its own key and nonce and seals
// once, so a nonce is never used for two different contents.

const (
	gcmNonceSize = 12
	// gcmChunk is how many bytes are encrypted and hashed at a time; a
	// multiple of the block size.
	gcmChunk = 64 << 10
	// gcmMaxLen is the longest content GCM encrypts under one nonce:
	// 2^32-2 blocks (SP 800-38D §5.2.1.1).
	gcmMaxLen = (1<<32 - 2) * aes.BlockSize
	// gcmMACLen is the length of the mac OCTET STRING after the content.
	gcmMACLen = 2 + gcmTagSize
)

// errGCMLength is returned when the content written is not the length
// announced in the DER.
var errGCMLength = errors.New("smime: internal error: content length changed while encrypting")

// gcmSealer writes an AuthEnvelopedData ContentInfo for n bytes of
// content that arrive as a stream: the DER up to the ciphertext is
// complete before any content is seen, because its length is known, and
// the tag follows the ciphertext.
type gcmSealer struct {
	prefix []byte // DER up to the ciphertext
	key    []byte
	nonce  []byte
	n      int64
	sealed bool // writeTo has run: the key and nonce are spent
}

func newGCMSealer(n int64, recipients []*x509.Certificate, keyLen int, oid asn1.ObjectIdentifier, oaep bool) (*gcmSealer, error) {
	if n < 0 || n > gcmMaxLen {
		return nil, fmt.Errorf("content of %d bytes is longer than AES-GCM allows (%d bytes)", n, int64(gcmMaxLen))
	}
	key, nonce := make([]byte, keyLen), make([]byte, gcmNonceSize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	ris, _, err := recipientSet(key, recipients, oaep) // AuthEnvelopedData is always version 0
	if err != nil {
		return nil, err
	}
	params := mustMarshal(gcmParameters{Nonce: nonce, ICVLen: gcmTagSize})
	alg := derSeq(mustMarshal(oid), params)
	prefix := envelopePrefix(oidAuthEnvelopedData, [][]byte{{0x02, 0x01, 0x00}, ris}, alg, int(n), gcmMACLen)
	return &gcmSealer{prefix: prefix, key: key, nonce: nonce, n: n}, nil
}

// derLen is the length of the whole DER: prefix, ciphertext and the mac
// OCTET STRING.
func (g *gcmSealer) derLen() int64 { return int64(len(g.prefix)) + g.n + gcmMACLen }

// writeTo writes the DER to w, encrypting what src writes, which must be
// exactly n bytes. It runs once: a second call would encrypt under the
// same key and nonce again.
func (g *gcmSealer) writeTo(w io.Writer, src func(io.Writer) error) error {
	if g.sealed {
		return errors.New("smime: internal error: AES-GCM content sealed twice")
	}
	g.sealed = true
	gw, err := newGCMWriter(w, g.key, g.nonce, g.n)
	clear(g.key)
	if err != nil {
		return fmt.Errorf("smime: encrypt: %v", err)
	}
	if _, err := w.Write(g.prefix); err != nil {
		return err
	}
	if err := src(gw); err != nil {
		return err
	}
	if gw.n != g.n {
		return errGCMLength
	}
	tag, err := gw.finish()
	if err != nil {
		return err
	}
	_, err = w.Write(append([]byte{0x04, gcmTagSize}, tag[:]...))
	return err
}

// gcmWriter encrypts with AES-GCM, in chunks, up to limit bytes written
// to it, and writes the ciphertext to w; finish returns the tag.
type gcmWriter struct {
	w       io.Writer
	ctr     cipher.Stream
	aead    cipher.AEAD // for its GHASH, see the top of the file
	nonce   []byte
	h       gf128 // H = E_K(0^128)
	ekj0    gf128 // E_K(J0)
	hChunk  gf128 // H^(gcmChunk/16)
	lhChunk gf128 // a whole chunk's length block as additional data, times H
	z       gf128 // GHASH_H of the ciphertext so far, times H
	buf     []byte
	sum     []byte // Seal's output
	n       int64  // bytes taken
	limit   int64
}

// newGCMWriter returns a writer encrypting under key and the 12-byte
// nonce; limit, at most gcmMaxLen, is the most it takes.
func newGCMWriter(w io.Writer, key, nonce []byte, limit int64) (*gcmWriter, error) {
	if len(nonce) != gcmNonceSize || limit < 0 || limit > gcmMaxLen {
		return nil, errors.New("GCM nonce or length out of range")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCMWithTagSize(block, gcmTagSize)
	if err != nil {
		return nil, err
	}
	var b, j0 [aes.BlockSize]byte
	block.Encrypt(b[:], b[:])
	h := loadGF128(b[:])
	copy(j0[:], nonce)
	j0[15] = 1
	block.Encrypt(b[:], j0[:])
	j0[15] = 2 // inc32(J0), where the keystream starts
	return &gcmWriter{
		w: w, ctr: cipher.NewCTR(block, j0[:]), aead: aead, nonce: nonce,
		h: h, ekj0: loadGF128(b[:]),
		hChunk:  h.pow(gcmChunk / aes.BlockSize),
		lhChunk: gf128{gcmChunk * 8, 0}.mul(h),
		buf:     make([]byte, 0, gcmChunk),
		sum:     make([]byte, 0, gcmTagSize),
		limit:   limit,
	}, nil
}

func (g *gcmWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > g.limit-g.n {
		return 0, errGCMLength
	}
	taken := len(p)
	g.n += int64(taken)
	for len(p) > 0 {
		k := min(cap(g.buf)-len(g.buf), len(p))
		end := len(g.buf) + k
		g.ctr.XORKeyStream(g.buf[len(g.buf):end], p[:k]) // encrypted on the way in: no copy
		g.buf, p = g.buf[:end], p[k:]
		if len(g.buf) == cap(g.buf) {
			if err := g.flush(); err != nil {
				return 0, err
			}
		}
	}
	return taken, nil
}

// flush folds the buffered ciphertext into the hash and writes it.
func (g *gcmWriter) flush() error {
	c := g.buf
	m := (len(c) + aes.BlockSize - 1) / aes.BlockSize
	hm, lh := g.hChunk, g.lhChunk
	if len(c) != gcmChunk {
		hm, lh = g.h.pow(m), gf128{uint64(len(c)) * 8, 0}.mul(g.h)
	}
	s := loadGF128(g.aead.Seal(g.sum[:0], g.nonce, nil, c))
	g.z = g.z.mul(hm).xor(s).xor(g.ekj0).xor(lh)

	_, err := g.w.Write(c)
	g.buf = g.buf[:0]
	return err
}

// finish writes what is still buffered and returns the tag.
func (g *gcmWriter) finish() ([gcmTagSize]byte, error) {
	var tag [gcmTagSize]byte
	if len(g.buf) > 0 {
		if err := g.flush(); err != nil {
			return tag, err
		}
	}
	l := gf128{0, uint64(g.n) * 8}
	g.z.xor(l.mul(g.h)).xor(g.ekj0).store(tag[:])
	return tag, nil
}

// gf128 is an element of GCM's GF(2^128), a block read as two big-endian
// halves: the most significant bit of hi is the coefficient of x^0, the
// least significant bit of lo that of x^127 (SP 800-38D §6.3).
type gf128 struct{ hi, lo uint64 }

func loadGF128(b []byte) gf128 {
	return gf128{binary.BigEndian.Uint64(b), binary.BigEndian.Uint64(b[8:])}
}

func (x gf128) store(b []byte) {
	binary.BigEndian.PutUint64(b, x.hi)
	binary.BigEndian.PutUint64(b[8:], x.lo)
}

func (x gf128) xor(y gf128) gf128 { return gf128{x.hi ^ y.hi, x.lo ^ y.lo} }

// mul returns x*y by Algorithm 1 of SP 800-38D §6.3, one bit of x at a
// time, with masks instead of branches so that the time taken does not
// depend on the values (H is secret).
func (x gf128) mul(y gf128) gf128 {
	var z gf128
	v := y
	for _, word := range [2]uint64{x.hi, x.lo} {
		for i := 63; i >= 0; i-- {
			bit := -(word >> uint(i) & 1)
			z.hi ^= v.hi & bit
			z.lo ^= v.lo & bit
			// v = v*x: a right shift here; x^128 = x^7+x^2+x+1 is R.
			carry := -(v.lo & 1)
			v.lo = v.lo>>1 | v.hi<<63
			v.hi = v.hi>>1 ^ 0xe1<<56&carry
		}
	}
	return z
}

// pow returns x^e, squaring and multiplying.
func (x gf128) pow(e int) gf128 {
	r := gf128{1 << 63, 0} // the element 1
	for ; e > 0; e >>= 1 {
		if e&1 == 1 {
			r = r.mul(x)
		}
		x = x.mul(x)
	}
	return r
}
