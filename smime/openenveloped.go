// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/subtle"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
)

// Reading EnvelopedData (RFC 5652 §6) with AES-CBC (RFC 3565) or
// 3DES-CBC (RFC 3370 §5.1), the ciphers mail clients send. Doing it here
// rather than in the library lets every failure after the recipient is
// found look alike ([ErrDecrypt]): RSA padding, CBC padding and a wrong
// key give the same error, so decryption is no padding oracle.

var oidDESEDE3CBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}

// cbcCiphers are the block ciphers by OID, with their key length.
var cbcCiphers = map[string]struct {
	keyLen int
	block  func([]byte) (cipher.Block, error)
}{
	oidAES128CBC.String(): {16, aes.NewCipher},
	asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}.String(): {24, aes.NewCipher},
	oidAES256CBC.String():  {32, aes.NewCipher},
	oidDESEDE3CBC.String(): {24, des.NewTripleDESCipher},
}

// envelopedData is EnvelopedData; unprotectedAttrs, when present, follow
// and are ignored.
type envelopedData struct {
	Version        int
	OriginatorInfo asn1.RawValue   `asn1:"optional,tag:0"`
	RecipientInfos []asn1.RawValue `asn1:"set"`
	ContentInfo    gcmContentInfo
	UnprotAttrs    asn1.RawValue `asn1:"optional,tag:1"`
}

// contentKey finds the RecipientInfo for cert and returns the
// content-encryption key of keyLen bytes: by key transport for an RSA
// key, by key agreement for an EC key.
func contentKey(infos []asn1.RawValue, cert *x509.Certificate, key crypto.PrivateKey, keyLen int) ([]byte, error) {
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		ek, err := k.ECDH()
		if err != nil {
			return nil, fmt.Errorf("%w: EC key: %v", ErrUnsupported, err)
		}
		return agreeKey(infos, cert, ek, keyLen)
	case *ecdh.PrivateKey:
		return agreeKey(infos, cert, k, keyLen)
	case *rsa.PrivateKey, crypto.Decrypter:
		ri, err := findRecipient(infos, cert)
		if err != nil {
			return nil, err
		}
		return unwrapKey(key.(crypto.Decrypter), ri, keyLen)
	}
	return nil, fmt.Errorf("%w: private key type %T", ErrUnsupported, key)
}

// openCBC decrypts a BER or DER EnvelopedData ContentInfo for cert with
// key.
func openCBC(ber []byte, cert *x509.Certificate, key crypto.PrivateKey) ([]byte, error) {
	der, err := berToDER(ber)
	if err != nil {
		return nil, err
	}
	var ci cmsContentInfo
	if _, err := asn1.Unmarshal(der, &ci); err != nil {
		return nil, formatErrorf("CMS ContentInfo: %v", err)
	}
	var ed envelopedData
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &ed); err != nil {
		return nil, formatErrorf("CMS enveloped-data: %v", err)
	}
	alg := ed.ContentInfo.Algorithm
	c, ok := cbcCiphers[alg.Algorithm.String()]
	if !ok {
		return nil, fmt.Errorf("%w: content cipher %v", ErrUnsupported, alg.Algorithm)
	}
	var iv []byte
	if _, err := asn1.Unmarshal(alg.Parameters.FullBytes, &iv); err != nil {
		return nil, fmt.Errorf("%w: CBC parameters", ErrUnsupported)
	}
	cek, err := contentKey(ed.RecipientInfos, cert, key, c.keyLen)
	if err != nil {
		return nil, err
	}
	ct, err := octets(ed.ContentInfo.EncryptedContent)
	if err != nil {
		return nil, err
	}
	block, err := c.block(cek)
	if err != nil || len(iv) != block.BlockSize() || len(ct) == 0 || len(ct)%block.BlockSize() != 0 {
		return nil, ErrDecrypt
	}
	out := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, ct)
	return unpad(out, block.BlockSize())
}

// unpad removes PKCS #7 padding (RFC 5652 §6.3), checking every padding
// byte in constant time.
func unpad(b []byte, size int) ([]byte, error) {
	n := int(b[len(b)-1])
	good := subtle.ConstantTimeLessOrEq(1, n) & subtle.ConstantTimeLessOrEq(n, size)
	for i := 1; i <= size && i <= len(b); i++ {
		inPad := subtle.ConstantTimeLessOrEq(i, n)
		same := subtle.ConstantTimeByteEq(b[len(b)-i], byte(n))
		good &= subtle.ConstantTimeSelect(inPad, same, 1)
	}
	if good != 1 {
		return nil, ErrDecrypt
	}
	return b[:len(b)-n], nil
}
