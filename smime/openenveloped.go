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
