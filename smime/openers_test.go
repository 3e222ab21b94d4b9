// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/rand"
	mrand "math/rand/v2"
	"testing"
)

// openerSizes are plaintext lengths around the block and chunk sizes.
var openerSizes = []int{0, 1, 15, 16, 17, 100, gcmChunk - 1, gcmChunk, gcmChunk + 17, 3*gcmChunk + 5}

// writePieces writes b to w in pieces of random lengths.
func writePieces(t *testing.T, w interface{ Write([]byte) (int, error) }, b []byte, rng *mrand.Rand) {
	t.Helper()
	for len(b) > 0 {
		n := min(len(b), 1+rng.IntN(3*gcmChunk/2))
		if k, err := w.Write(b[:n]); k != n || err != nil {
			t.Fatalf("Write(%d bytes) = %d, %v", n, k, err)
		}
		b = b[n:]
	}
}

// TestGCMOpener compares the streamed AES-GCM decryption with the
// standard library's: content sealed by cipher.AEAD, with and without
// additional data and with a 12-byte tag, written in random pieces,
// decrypts to the plaintext and its tag checks out; a changed tag, a
// changed ciphertext byte and changed additional data give ErrDecrypt.
func TestGCMOpener(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(3, 4))
	for _, n := range openerSizes {
		for _, aadLen := range []int{0, 5, 100} {
			for _, tagLen := range []int{16, 12} {
				key, nonce, pt, aad := make([]byte, 32), make([]byte, 12), make([]byte, n), make([]byte, aadLen)
				for _, b := range [][]byte{key, nonce, pt, aad} {
					rand.Read(b)
				}
				block, _ := aes.NewCipher(key)
				gcm, _ := cipher.NewGCMWithTagSize(block, tagLen)
				sealed := gcm.Seal(nil, nonce, pt, aad)
				ct, tag := sealed[:n], sealed[n:]
				open := func(ct, aad, tag []byte) ([]byte, error) {
					var out bytes.Buffer
					o, err := newGCMOpener(&out, key, nonce)
					if err != nil {
						t.Fatal(err)
					}
					writePieces(t, o, bytes.Clone(ct), rng)
					err = o.finish(aad, tag)
					return out.Bytes(), err
				}
				got, err := open(ct, aad, tag)
				if err != nil || !bytes.Equal(got, pt) {
					t.Errorf("n=%d aad=%d tag=%d: opened %d bytes, %v; want the plaintext", n, aadLen, tagLen, len(got), err)
				}
				badTag := bytes.Clone(tag)
				badTag[0] ^= 1
				if _, err := open(ct, aad, badTag); err != ErrDecrypt {
					t.Errorf("n=%d aad=%d tag=%d: changed tag: %v, want ErrDecrypt", n, aadLen, tagLen, err)
				}
				if n > 0 {
					badCT := bytes.Clone(ct)
					badCT[n/2] ^= 1
					if _, err := open(badCT, aad, tag); err != ErrDecrypt {
						t.Errorf("n=%d aad=%d: changed ciphertext: %v, want ErrDecrypt", n, aadLen, err)
					}
				}
				if _, err := open(ct, append(bytes.Clone(aad), 0), tag); err != ErrDecrypt {
					t.Errorf("n=%d aad=%d: changed additional data: %v, want ErrDecrypt", n, aadLen, err)
				}
			}
		}
	}
}

// TestCBCOpener compares the streamed CBC decryption with the standard
// library's encryption, for AES and 3DES: content padded as RFC 5652
// §6.3 says and encrypted by cipher.NewCBCEncrypter, written in random
// pieces, decrypts to the content; a ciphertext that is empty or not a
// whole number of blocks, or whose padding is damaged, gives ErrDecrypt.
func TestCBCOpener(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(5, 6))
	key := make([]byte, 24)
	rand.Read(key)
	aesBlock, _ := aes.NewCipher(key)
	desBlock, _ := des.NewTripleDESCipher(key)
	for _, block := range []cipher.Block{aesBlock, desBlock} {
		bs := block.BlockSize()
		for _, n := range openerSizes {
			pt := make([]byte, n)
			rand.Read(pt)
			iv := make([]byte, bs)
			rand.Read(iv)
			pad := bs - n%bs
			ct := append(bytes.Clone(pt), bytes.Repeat([]byte{byte(pad)}, pad)...)
			cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, ct)
			open := func(ct, iv []byte) ([]byte, error) {
				var out bytes.Buffer
				o := newCBCOpener(&out, block, iv)
				writePieces(t, o, bytes.Clone(ct), rng)
				err := o.finish()
				return out.Bytes(), err
			}
			if got, err := open(ct, iv); err != nil || !bytes.Equal(got, pt) {
				t.Errorf("block %d, n=%d: opened %d bytes, %v; want the plaintext", bs, n, len(got), err)
			}
			// The byte before the last block (or the IV's last) makes the
			// last padding byte over 128.
			bad, badIV := bytes.Clone(ct), bytes.Clone(iv)
			if len(bad) > bs {
				bad[len(bad)-bs-1] ^= 0x80
			} else {
				badIV[bs-1] ^= 0x80
			}
			if _, err := open(bad, badIV); err != ErrDecrypt {
				t.Errorf("block %d, n=%d: damaged padding: %v, want ErrDecrypt", bs, n, err)
			}
			for _, cut := range [][]byte{nil, ct[:len(ct)-1], append(bytes.Clone(ct), 0)} {
				if _, err := open(cut, iv); err != ErrDecrypt {
					t.Errorf("block %d, n=%d: %d bytes of ciphertext: %v, want ErrDecrypt", bs, n, len(cut), err)
				}
			}
		}
	}
}
