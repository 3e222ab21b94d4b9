// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"crypto"
	"crypto/aes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
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
	originatorKey := der(0xa1, derSeq(mustMarshal(oidECPublicKey)), der(0x03, append([]byte{0}, eph.PublicKey().Bytes()...)))
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
