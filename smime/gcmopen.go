// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"crypto/subtle"
	"io"
)

// gcmOpener decrypts AES-GCM ciphertext (RFC 5084) as it is written and
// writes the plaintext to w; finish checks the tag. It is the gcmWriter
// of gcmstream.go run the other way: the ciphertext written is hashed in
// chunks as described there, and decrypted with the same AES-CTR key
// stream.
//
// The additional data, the authenticated attributes of AuthEnvelopedData
// (RFC 5083 §2.2), come after the content in the message although GHASH
// takes them first. They are folded in at the end: with Z_A = GHASH(A')*H
// and Z_C = GHASH(C')*H the ciphertext's, over m ciphertext blocks,
// GHASH(A' || C')*H = Z_A * H^m XOR Z_C, by Horner's rule as in
// gcmstream.go; Z_A comes from one Seal with A as additional data.
type gcmOpener struct {
	g *gcmWriter // its z is Z_C
}

func newGCMOpener(w io.Writer, key, nonce []byte) (*gcmOpener, error) {
	g, err := newGCMWriter(nil, key, nonce, gcmMaxLen)
	if err != nil {
		return nil, err
	}
	g.w = &ctrDecrypter{ctr: g, w: w}
	return &gcmOpener{g: g}, nil
}

// ctrDecrypter decrypts, in place, the ciphertext gcmWriter.flush writes
// after hashing it, and writes the plaintext to w.
type ctrDecrypter struct {
	ctr *gcmWriter
	w   io.Writer
}

func (d *ctrDecrypter) Write(c []byte) (int, error) {
	d.ctr.ctr.XORKeyStream(c, c)
	return d.w.Write(c)
}

func (o *gcmOpener) Write(p []byte) (int, error) {
	g := o.g
	if int64(len(p)) > g.limit-g.n {
		return 0, formatErrorf("AES-GCM content longer than %d bytes", int64(gcmMaxLen))
	}
	taken := len(p)
	g.n += int64(taken)
	for len(p) > 0 {
		k := min(cap(g.buf)-len(g.buf), len(p))
		g.buf, p = append(g.buf, p[:k]...), p[k:]
		if len(g.buf) == cap(g.buf) {
			if err := g.flush(); err != nil {
				return 0, err
			}
		}
	}
	return taken, nil
}

// finish decrypts what is still buffered and compares the tag over aad
// and the ciphertext with mac, in constant time; a mismatch is
// ErrDecrypt.
func (o *gcmOpener) finish(aad, mac []byte) error {
	g := o.g
	if len(g.buf) > 0 {
		if err := g.flush(); err != nil {
			return err
		}
	}
	z := g.z
	if len(aad) > 0 {
		za := loadGF128(g.aead.Seal(nil, g.nonce, nil, aad)).xor(g.ekj0).xor(gf128{uint64(len(aad)) * 8, 0}.mul(g.h))
		z = za.mul(g.h.pow(int((g.n + 15) / 16))).xor(z)
	}
	var tag [gcmTagSize]byte
	l := gf128{uint64(len(aad)) * 8, uint64(g.n) * 8}
	z.xor(l.mul(g.h)).xor(g.ekj0).store(tag[:])
	if len(mac) < 12 || len(mac) > gcmTagSize || subtle.ConstantTimeCompare(tag[:len(mac)], mac) != 1 {
		return ErrDecrypt
	}
	return nil
}
