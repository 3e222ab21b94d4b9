// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	_ "crypto/sha1" // RSAES-OAEP's default hash (RFC 8017 §A.2.1)
	_ "crypto/sha256"
	_ "crypto/sha512"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
)

// RSAES-OAEP key transport (RFC 8017, in CMS RFC 3560), which RFC 8551
// §2.3 asks receivers to support. Outgoing mail uses PKCS #1 v1.5, which
// every client reads, unless EncryptOptions.OAEP asks for OAEP.

var (
	oidRSAOAEP    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 7}
	oidMGF1       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	oidPSpecified = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 9}
	oaepHashByOID = map[string]crypto.Hash{
		"1.3.14.3.2.26":          crypto.SHA1,
		"2.16.840.1.101.3.4.2.4": crypto.SHA224,
		"2.16.840.1.101.3.4.2.1": crypto.SHA256,
		"2.16.840.1.101.3.4.2.2": crypto.SHA384,
		"2.16.840.1.101.3.4.2.3": crypto.SHA512,
	}
)

// oaepParams is RSAES-OAEP-params; an absent field takes its default:
// SHA-1, MGF1 with SHA-1, an empty label.
type oaepParams struct {
	Hash   pkix.AlgorithmIdentifier `asn1:"optional,explicit,tag:0"`
	MGF    pkix.AlgorithmIdentifier `asn1:"optional,explicit,tag:1"`
	Source pkix.AlgorithmIdentifier `asn1:"optional,explicit,tag:2"`
}

// oaepSHA256 is the RSAES-OAEP-params this package writes: SHA-256 and
// MGF1 with SHA-256, the empty label left at its default. Hash
// parameters are absent (RFC 5754 §2).
var oaepSHA256 = func() pkix.AlgorithmIdentifier {
	sha256 := derSeq(mustMarshal(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}))
	params := derSeq(der(0xa0, sha256), der(0xa1, derSeq(mustMarshal(oidMGF1), sha256)))
	return pkix.AlgorithmIdentifier{Algorithm: oidRSAOAEP, Parameters: asn1.RawValue{FullBytes: params}}
}()

// wrapKey encrypts the content-encryption key for one recipient and
// returns it with the key transport algorithm identifier.
func wrapKey(key []byte, pub *rsa.PublicKey, oaep bool) ([]byte, pkix.AlgorithmIdentifier, error) {
	if oaep {
		ek, err := rsa.EncryptOAEP(crypto.SHA256.New(), rand.Reader, pub, key, nil)
		return ek, oaepSHA256, err
	}
	ek, err := rsa.EncryptPKCS1v15(rand.Reader, pub, key)
	return ek, pkix.AlgorithmIdentifier{Algorithm: oidRSA, Parameters: asn1.NullRawValue}, err
}

// unwrapKey decrypts the content-encryption key of keyLen bytes from a
// KeyTransRecipientInfo. For PKCS #1 v1.5 a wrong key or a forged
// encryptedKey gives a random key instead of an error (implicit
// rejection, RFC 3218), so that the RSA step is no oracle; the content
// check then fails.
func unwrapKey(key crypto.Decrypter, ri *keyTransRecipientInfo, keyLen int) ([]byte, error) {
	alg := ri.KeyEncryptionAlgorithm
	var opts crypto.DecrypterOpts = &rsa.PKCS1v15DecryptOptions{SessionKeyLen: keyLen}
	switch {
	case alg.Algorithm.Equal(oidRSA):
	case alg.Algorithm.Equal(oidRSAOAEP):
		o, err := parseOAEP(alg.Parameters.FullBytes)
		if err != nil {
			return nil, err
		}
		opts = o
	default:
		return nil, fmt.Errorf("%w: key transport %v", ErrUnsupported, alg.Algorithm)
	}
	cek, err := key.Decrypt(rand.Reader, ri.EncryptedKey, opts)
	if err != nil || len(cek) != keyLen {
		return nil, ErrDecrypt
	}
	return cek, nil
}

func parseOAEP(der []byte) (*rsa.OAEPOptions, error) {
	var p oaepParams
	if len(der) > 0 {
		if rest, err := asn1.Unmarshal(der, &p); err != nil || len(rest) > 0 {
			return nil, fmt.Errorf("%w: RSAES-OAEP parameters", ErrUnsupported)
		}
	}
	o := &rsa.OAEPOptions{Hash: crypto.SHA1, MGFHash: crypto.SHA1}
	if len(p.Hash.Algorithm) > 0 {
		h, ok := oaepHashByOID[p.Hash.Algorithm.String()]
		if !ok {
			return nil, fmt.Errorf("%w: RSAES-OAEP hash %v", ErrUnsupported, p.Hash.Algorithm)
		}
		o.Hash = h
	}
	if len(p.MGF.Algorithm) > 0 {
		var mh pkix.AlgorithmIdentifier
		if !p.MGF.Algorithm.Equal(oidMGF1) {
			return nil, fmt.Errorf("%w: RSAES-OAEP mask generation %v", ErrUnsupported, p.MGF.Algorithm)
		}
		h, ok := crypto.Hash(0), false
		if _, err := asn1.Unmarshal(p.MGF.Parameters.FullBytes, &mh); err == nil {
			h, ok = oaepHashByOID[mh.Algorithm.String()]
		}
		if !ok {
			return nil, fmt.Errorf("%w: RSAES-OAEP MGF1 hash", ErrUnsupported)
		}
		o.MGFHash = h
	}
	if len(p.Source.Algorithm) > 0 {
		if !p.Source.Algorithm.Equal(oidPSpecified) {
			return nil, fmt.Errorf("%w: RSAES-OAEP label source %v", ErrUnsupported, p.Source.Algorithm)
		}
		if _, err := asn1.Unmarshal(p.Source.Parameters.FullBytes, &o.Label); err != nil {
			return nil, fmt.Errorf("%w: RSAES-OAEP label", ErrUnsupported)
		}
	}
	return o, nil
}
