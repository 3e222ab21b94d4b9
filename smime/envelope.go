// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
)

// EnvelopedData with AES-CBC (RFC 5652 §6, RFC 3565), and the DER framing
// and recipient infos it shares with AuthEnvelopedData with AES-GCM (RFC
// 5083, RFC 5084, gcmstream.go). Both are written as the content arrives.

var (
	oidEnvelopedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 3}
	oidAES128CBC     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES256CBC     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
)

// cbcSealer writes an EnvelopedData ContentInfo for n bytes of content
// that arrive as a stream: the DER is complete before any content is
// seen, because its length is known.
type cbcSealer struct {
	prefix []byte // DER up to the ciphertext
	mode   cipher.BlockMode
	n      int64
}

func newCBCSealer(n int64, recipients []*x509.Certificate, keyLen int, oid asn1.ObjectIdentifier, oaep bool) (*cbcSealer, error) {
	key, iv := make([]byte, keyLen), make([]byte, aes.BlockSize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if _, err := rand.Read(iv); err != nil {
		return nil, err
	}
	ris, version, err := recipientSet(key, recipients, oaep)
	if err != nil {
		return nil, err
	}
	alg := derSeq(mustMarshal(oid), der(0x04, iv))
	prefix := envelopePrefix(oidEnvelopedData, [][]byte{{0x02, 0x01, version}, ris}, alg, int(cbcLen(n)), 0)
	block, _ := aes.NewCipher(key)
	return &cbcSealer{prefix: prefix, mode: cipher.NewCBCEncrypter(block, iv), n: n}, nil
}

// cbcLen is the length of n bytes of content after padding.
func cbcLen(n int64) int64 { return n + aes.BlockSize - n%aes.BlockSize }

func (c *cbcSealer) derLen() int64 { return int64(len(c.prefix)) + cbcLen(c.n) }

// writeTo writes the DER to w, encrypting what src writes, which must be
// exactly n bytes.
func (c *cbcSealer) writeTo(w io.Writer, src func(io.Writer) error) error {
	if _, err := w.Write(c.prefix); err != nil {
		return err
	}
	cw := &cbcWriter{w: w, mode: c.mode, buf: make([]byte, 0, 64<<10)}
	if err := src(cw); err != nil {
		return err
	}
	if err := cw.Close(); err != nil {
		return err
	}
	if cw.n != c.n {
		return errors.New("smime: internal error: content length changed while encrypting")
	}
	return nil
}

// cbcWriter encrypts in chunks what is written to it; Close pads (RFC
// 5652 §6.3) and writes the last blocks.
type cbcWriter struct {
	w    io.Writer
	mode cipher.BlockMode
	buf  []byte // its capacity is a multiple of the block size
	n    int64
}

func (c *cbcWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	if err := bufferChunks(&c.buf, p, c.flush); err != nil {
		return 0, err
	}
	return len(p), nil
}

// bufferChunks appends p to *buf, calling flush, which makes room, each
// time it reaches its capacity.
func bufferChunks(buf *[]byte, p []byte, flush func() error) error {
	for len(p) > 0 {
		k := min(cap(*buf)-len(*buf), len(p))
		*buf, p = append(*buf, p[:k]...), p[k:]
		if len(*buf) == cap(*buf) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *cbcWriter) flush() error {
	c.mode.CryptBlocks(c.buf, c.buf)
	_, err := c.w.Write(c.buf)
	c.buf = c.buf[:0]
	return err
}

func (c *cbcWriter) Close() error {
	pad := aes.BlockSize - len(c.buf)%aes.BlockSize
	for range pad {
		c.buf = append(c.buf, byte(pad))
	}
	return c.flush()
}

// envelopePrefix returns the DER of a ContentInfo of type ct whose
// content is SEQUENCE { head..., EncryptedContentInfo { id-data, alg,
// [0] IMPLICIT OCTET STRING }, tail }, up to the first byte of the
// encrypted content: ctLen bytes of it follow, then tailLen bytes.
func envelopePrefix(ct asn1.ObjectIdentifier, head [][]byte, alg []byte, ctLen, tailLen int) []byte {
	ecHead := derHeader(0x80, ctLen)
	eciBody := len(mustMarshal(oidData)) + len(alg) + len(ecHead) + ctLen
	eciHead := derHeader(0x30, eciBody)
	body := len(eciHead) + eciBody + tailLen
	for _, h := range head {
		body += len(h)
	}
	seqHead := derHeader(0x30, body)
	explicitHead := derHeader(0xa0, len(seqHead)+body)
	ctOID := mustMarshal(ct)
	ciHead := derHeader(0x30, len(ctOID)+len(explicitHead)+len(seqHead)+body)

	out := append(append(append(ciHead, ctOID...), explicitHead...), seqHead...)
	for _, h := range head {
		out = append(out, h...)
	}
	out = append(append(out, eciHead...), mustMarshal(oidData)...)
	return append(append(out, alg...), ecHead...)
}

// recipientSet returns the DER SET OF RecipientInfo carrying key to every
// recipient: key transport for RSA (RSAES-OAEP or PKCS #1 v1.5), key
// agreement for EC. version is the EnvelopedData version that implies: 0
// with key transport only, 2 with key agreement (RFC 5652 §6.1).
func recipientSet(key []byte, recipients []*x509.Certificate, oaep bool) (set []byte, version byte, err error) {
	var parts [][]byte
	for _, r := range recipients {
		var ri []byte
		switch pub := r.PublicKey.(type) {
		case *rsa.PublicKey:
			ri, err = ktri(key, r, pub, oaep)
		case *ecdsa.PublicKey:
			ri, err = kari(key, r, pub)
			version = 2
		default:
			err = fmt.Errorf("recipient key type %T", pub)
		}
		if err != nil {
			return nil, 0, err
		}
		parts = append(parts, ri)
	}
	return der(0x31, parts...), version, nil
}

func derHeader(tag byte, n int) []byte {
	return appendLength([]byte{tag}, n)
}
