// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
)

// AES-GCM content encryption in AuthEnvelopedData (RFC 5083, RFC 5084).
// smallstep/pkcs7 has no AuthEnvelopedData (its GCM output is not
// readable by OpenSSL, see TestLibraryGCMRejectedByOpenSSL), so this
// package reads it (decryptstream.go, gcmopen.go); envelope.go writes it.

var (
	oidData       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidRSA        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidAES128GCM  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 6}
	oidAES192GCM  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 26}
	oidAES256GCM  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 46}
	gcmKeyLengths = map[string]int{oidAES128GCM.String(): 16, oidAES192GCM.String(): 24, oidAES256GCM.String(): 32}
)

// gcmTagSize is the ICV length written (RFC 5084 §3.2 allows 12 to 16).
const gcmTagSize = 16

type gcmParameters struct {
	Nonce  []byte
	ICVLen int `asn1:"optional,default:12"`
}

type keyTransRecipientInfo struct {
	Version                int
	RID                    asn1.RawValue
	KeyEncryptionAlgorithm pkix.AlgorithmIdentifier
	EncryptedKey           []byte
}

type issuerAndSerialNumber struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

// ktri returns the DER KeyTransRecipientInfo carrying key to the RSA
// recipient r.
func ktri(key []byte, r *x509.Certificate, pub *rsa.PublicKey, oaep bool) ([]byte, error) {
	ek, alg, err := wrapKey(key, pub, oaep)
	if err != nil {
		return nil, err
	}
	rid, err := asn1.Marshal(issuerAndSerialNumber{Issuer: asn1.RawValue{FullBytes: r.RawIssuer}, Serial: r.SerialNumber})
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(keyTransRecipientInfo{
		RID:                    asn1.RawValue{FullBytes: rid},
		KeyEncryptionAlgorithm: alg,
		EncryptedKey:           ek,
	})
}

// findRecipient returns the KeyTransRecipientInfo naming cert by issuer
// and serial number or by subject key identifier.
func findRecipient(infos []asn1.RawValue, cert *x509.Certificate) (*keyTransRecipientInfo, error) {
	for _, raw := range infos {
		if raw.Class != asn1.ClassUniversal || raw.Tag != asn1.TagSequence {
			continue // not key transport
		}
		var ri keyTransRecipientInfo
		if _, err := asn1.Unmarshal(raw.FullBytes, &ri); err != nil {
			return nil, formatErrorf("RecipientInfo: %v", err)
		}
		if ridMatches(ri.RID, cert) {
			return &ri, nil
		}
	}
	return nil, ErrNotRecipient
}

func ridMatches(rid asn1.RawValue, cert *x509.Certificate) bool {
	if rid.Class == asn1.ClassContextSpecific && rid.Tag == 0 {
		return len(cert.SubjectKeyId) > 0 && bytes.Equal(rid.Bytes, cert.SubjectKeyId)
	}
	var ias issuerAndSerialNumber
	if _, err := asn1.Unmarshal(rid.FullBytes, &ias); err != nil {
		return false
	}
	return ias.Serial.Cmp(cert.SerialNumber) == 0 && bytes.Equal(ias.Issuer.FullBytes, cert.RawIssuer)
}

// authAttrsAAD returns the additional authenticated data: the DER of the
// authenticated attributes with a SET OF tag (RFC 5083 §2.2), or nothing.
func authAttrsAAD(attrs asn1.RawValue) []byte {
	if len(attrs.FullBytes) == 0 {
		return nil
	}
	aad := append([]byte(nil), attrs.FullBytes...)
	aad[0] = 0x31
	return aad
}
