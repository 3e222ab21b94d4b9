// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"crypto"
	"crypto/aes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/subtle"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"fmt"
)

// Key agreement for recipients with EC certificates (RFC 5753 §3.1,
// ephemeral-static ECDH): a fresh key pair per recipient, the ANSI X9.63
// KDF over the shared secret, and AES-256 key wrap (RFC 3394) of the
// content-encryption key, in a KeyAgreeRecipientInfo (RFC 5652 §6.2.2).

var (
	oidECPublicKey = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidAES256Wrap  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 45}
)

// ecdhSchemes are dhSinglePass-stdDH-sha*kdf-scheme (RFC 5753 §7.1.4),
// the KDF hash following the curve size (RFC 5753 §8).
var ecdhSchemes = map[ecdh.Curve]struct {
	oid  asn1.ObjectIdentifier
	hash crypto.Hash
}{
	ecdh.P256(): {asn1.ObjectIdentifier{1, 3, 132, 1, 11, 1}, crypto.SHA256},
	ecdh.P384(): {asn1.ObjectIdentifier{1, 3, 132, 1, 11, 2}, crypto.SHA384},
	ecdh.P521(): {asn1.ObjectIdentifier{1, 3, 132, 1, 11, 3}, crypto.SHA512},
}

// kari returns the DER RecipientInfo, [1] KeyAgreeRecipientInfo,
// carrying key to the EC recipient r.
func kari(key []byte, r *x509.Certificate, pub *ecdsa.PublicKey) ([]byte, error) {
	rpub, err := pub.ECDH()
	if err != nil {
		return nil, err
	}
	scheme, ok := ecdhSchemes[rpub.Curve()]
	if !ok {
		return nil, fmt.Errorf("curve %v", pub.Curve.Params().Name)
	}
	eph, err := rpub.Curve().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	z, err := eph.ECDH(rpub)
	if err != nil {
		return nil, err
	}
	wrapAlg := derSeq(mustMarshal(oidAES256Wrap))
	// ECC-CMS-SharedInfo: the wrap algorithm and the KEK length in bits.
	sharedInfo := derSeq(wrapAlg, der(0xa2, der(0x04, binary.BigEndian.AppendUint32(nil, 256))))
	kek := x963KDF(scheme.hash, z, sharedInfo, 32)
	wrapped, err := aesKeyWrap(kek, key)
	if err != nil {
		return nil, err
	}
	point := der(0x03, append([]byte{0}, eph.PublicKey().Bytes()...)) // BIT STRING, no unused bits
	originatorKey := der(0xa1, derSeq(mustMarshal(oidECPublicKey)), point)
	rek := derSeq(derSeq(r.RawIssuer, mustMarshal(r.SerialNumber)), der(0x04, wrapped))
	return der(0xa1, []byte{0x02, 0x01, 0x03}, der(0xa0, originatorKey),
		derSeq(mustMarshal(scheme.oid), wrapAlg), derSeq(rek)), nil
}

// x963KDF derives n bytes from the shared secret z (ANSI X9.63 §3.6.1,
// as RFC 5753 §7.2 uses it).
func x963KDF(h crypto.Hash, z, sharedInfo []byte, n int) []byte {
	var out []byte
	for counter := uint32(1); len(out) < n; counter++ {
		d := h.New()
		d.Write(z)
		d.Write(binary.BigEndian.AppendUint32(nil, counter))
		d.Write(sharedInfo)
		out = d.Sum(out)
	}
	return out[:n]
}

// aesKeyWrap wraps key, a multiple of 8 bytes, with kek (RFC 3394 §2.2.1,
// the default initial value).
func aesKeyWrap(kek, key []byte) ([]byte, error) {
	if len(key)%8 != 0 || len(key) < 16 {
		return nil, fmt.Errorf("key wrap: key of %d bytes", len(key))
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	n := len(key) / 8
	out := make([]byte, 8+len(key))
	a := out[:8]
	for i := range a {
		a[i] = 0xa6
	}
	copy(out[8:], key)
	var buf [16]byte
	for j := range 6 {
		for i := 1; i <= n; i++ {
			r := out[8*i : 8*i+8]
			copy(buf[:8], a)
			copy(buf[8:], r)
			block.Encrypt(buf[:], buf[:])
			t := binary.BigEndian.Uint64(buf[:8]) ^ uint64(n*j+i)
			binary.BigEndian.PutUint64(a, t)
			copy(r, buf[8:])
		}
	}
	return out, nil
}

// Reading KeyAgreeRecipientInfo, for Decrypt with an EC private key.

// ecdhKDFHashes maps the dhSinglePass-stdDH-*kdf-scheme OIDs Decrypt
// reads to their hash; OpenSSL sends the SHA-1 one by default.
var ecdhKDFHashes = map[string]crypto.Hash{
	"1.3.133.16.840.63.0.2": crypto.SHA1,
	"1.3.132.1.11.0":        crypto.SHA224,
	"1.3.132.1.11.1":        crypto.SHA256,
	"1.3.132.1.11.2":        crypto.SHA384,
	"1.3.132.1.11.3":        crypto.SHA512,
}

// wrapKeyLengths are the AES key wrap algorithms by OID, with their KEK
// length.
var wrapKeyLengths = map[string]int{
	"2.16.840.1.101.3.4.1.5":  16,
	"2.16.840.1.101.3.4.1.25": 24,
	"2.16.840.1.101.3.4.1.45": 32,
}

type keyAgreeRecipientInfo struct {
	Version                int
	Originator             asn1.RawValue // [0] EXPLICIT, unwrapped in open
	UKM                    []byte        `asn1:"optional,explicit,tag:1"`
	KeyEncryptionAlgorithm pkix.AlgorithmIdentifier
	RecipientEncryptedKeys []recipientEncryptedKey
}

type recipientEncryptedKey struct {
	RID          asn1.RawValue
	EncryptedKey []byte
}

type originatorPublicKey struct {
	Algorithm pkix.AlgorithmIdentifier
	PublicKey asn1.BitString
}

// agreeKey finds the KeyAgreeRecipientInfo for cert among infos and
// returns the content-encryption key of keyLen bytes. Every failure after
// the recipient is found is ErrDecrypt.
func agreeKey(infos []asn1.RawValue, cert *x509.Certificate, key *ecdh.PrivateKey, keyLen int) ([]byte, error) {
	for _, raw := range infos {
		if raw.Class != asn1.ClassContextSpecific || raw.Tag != 1 {
			continue // not key agreement
		}
		var ka keyAgreeRecipientInfo
		if _, err := asn1.UnmarshalWithParams(raw.FullBytes, &ka, "tag:1"); err != nil {
			return nil, formatErrorf("KeyAgreeRecipientInfo: %v", err)
		}
		for _, rek := range ka.RecipientEncryptedKeys {
			if ridMatches(rek.RID, cert) {
				return ka.open(rek.EncryptedKey, key, keyLen)
			}
		}
	}
	return nil, ErrNotRecipient
}

func (ka *keyAgreeRecipientInfo) open(wrapped []byte, key *ecdh.PrivateKey, keyLen int) ([]byte, error) {
	h, ok := ecdhKDFHashes[ka.KeyEncryptionAlgorithm.Algorithm.String()]
	if !ok {
		return nil, fmt.Errorf("%w: key agreement %v", ErrUnsupported, ka.KeyEncryptionAlgorithm.Algorithm)
	}
	wrapAlg := ka.KeyEncryptionAlgorithm.Parameters.FullBytes
	var wa pkix.AlgorithmIdentifier
	if _, err := asn1.Unmarshal(wrapAlg, &wa); err != nil {
		return nil, fmt.Errorf("%w: key wrap algorithm", ErrUnsupported)
	}
	kekLen, ok := wrapKeyLengths[wa.Algorithm.String()]
	if !ok {
		return nil, fmt.Errorf("%w: key wrap %v", ErrUnsupported, wa.Algorithm)
	}
	var orig asn1.RawValue
	if ka.Originator.Class == asn1.ClassContextSpecific && ka.Originator.Tag == 0 {
		asn1.Unmarshal(ka.Originator.Bytes, &orig)
	}
	if orig.Class != asn1.ClassContextSpecific || orig.Tag != 1 {
		return nil, fmt.Errorf("%w: originator is not an ephemeral key", ErrUnsupported)
	}
	var opk originatorPublicKey
	if _, err := asn1.UnmarshalWithParams(orig.FullBytes, &opk, "tag:1"); err != nil {
		return nil, formatErrorf("originator key: %v", err)
	}
	pub, err := key.Curve().NewPublicKey(opk.PublicKey.Bytes)
	if err != nil {
		return nil, ErrDecrypt
	}
	z, err := key.ECDH(pub)
	if err != nil {
		return nil, ErrDecrypt
	}
	info := [][]byte{wrapAlg}
	if ka.UKM != nil {
		info = append(info, der(0xa0, der(0x04, ka.UKM)))
	}
	info = append(info, der(0xa2, der(0x04, binary.BigEndian.AppendUint32(nil, uint32(kekLen*8)))))
	cek, err := aesKeyUnwrap(x963KDF(h, z, derSeq(info...), kekLen), wrapped)
	if err != nil || len(cek) != keyLen {
		return nil, ErrDecrypt
	}
	return cek, nil
}

// aesKeyUnwrap reverses aesKeyWrap and checks the initial value (RFC 3394
// §2.2.2, §2.2.3) in constant time.
func aesKeyUnwrap(kek, wrapped []byte) ([]byte, error) {
	if len(wrapped)%8 != 0 || len(wrapped) < 24 {
		return nil, ErrDecrypt
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	n := len(wrapped)/8 - 1
	a := binary.BigEndian.Uint64(wrapped[:8])
	out := append([]byte(nil), wrapped[8:]...)
	var buf [16]byte
	for j := 5; j >= 0; j-- {
		for i := n; i >= 1; i-- {
			r := out[8*(i-1) : 8*i]
			binary.BigEndian.PutUint64(buf[:8], a^uint64(n*j+i))
			copy(buf[8:], r)
			block.Decrypt(buf[:], buf[:])
			a = binary.BigEndian.Uint64(buf[:8])
			copy(r, buf[8:])
		}
	}
	var iv [8]byte
	binary.BigEndian.PutUint64(iv[:], a)
	if subtle.ConstantTimeCompare(iv[:], []byte{0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6}) != 1 {
		return nil, ErrDecrypt
	}
	return out, nil
}
