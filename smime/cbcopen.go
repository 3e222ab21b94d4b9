// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"crypto/cipher"
	"io"
)

// cbcOpener decrypts CBC ciphertext (AES or 3DES, RFC 3565, RFC 3370) as
// it is written and writes the plaintext to w. The last block is held
// back until finish, which removes the PKCS #7 padding (RFC 5652 §6.3)
// in constant time: a bad padding and a bad length are both ErrDecrypt,
// like a wrong key.
type cbcOpener struct {
	w    io.Writer
	mode cipher.BlockMode
	bs   int
	buf  []byte // ciphertext not yet decrypted: at least the last block
}

// cbcOpenChunk is how much ciphertext is decrypted at a time; a multiple
// of every block size.
const cbcOpenChunk = 64 << 10

func newCBCOpener(w io.Writer, block cipher.Block, iv []byte) *cbcOpener {
	return &cbcOpener{
		w: w, mode: cipher.NewCBCDecrypter(block, iv), bs: block.BlockSize(),
		buf: make([]byte, 0, cbcOpenChunk),
	}
}

func (c *cbcOpener) Write(p []byte) (int, error) {
	if err := bufferChunks(&c.buf, p, c.flush); err != nil {
		return 0, err
	}
	return len(p), nil
}

// flush decrypts and writes the whole blocks buffered but the last one,
// and keeps that and any partial block.
func (c *cbcOpener) flush() error {
	keep := len(c.buf) % c.bs
	if keep == 0 {
		keep = c.bs
	}
	if len(c.buf) <= keep {
		return nil
	}
	d := c.buf[:len(c.buf)-keep]
	c.mode.CryptBlocks(d, d)
	if _, err := c.w.Write(d); err != nil {
		return err
	}
	c.buf = c.buf[:copy(c.buf, c.buf[len(d):])]
	return nil
}

// finish decrypts the last block and writes it without its padding. The
// ciphertext must have been a non-empty whole number of blocks.
func (c *cbcOpener) finish() error {
	if err := c.flush(); err != nil {
		return err
	}
	if len(c.buf) != c.bs {
		return ErrDecrypt
	}
	c.mode.CryptBlocks(c.buf, c.buf)
	last, err := unpad(c.buf, c.bs)
	if err != nil {
		return err
	}
	_, err = c.w.Write(last)
	return err
}
