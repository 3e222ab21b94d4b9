// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	_ "crypto/sha1" // SHA-1 signatures from older clients are read
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"
)

// Reading SignedData (RFC 5652 §5) without its content, and checking each
// SignerInfo against digests of the content computed while it streamed
// by. github.com/smallstep/pkcs7 verifies only over content held in
// memory, so the signature checks are made here: the message-digest and
// content-type attributes (RFC 5652 §11), the signature over the DER of
// the signed attributes (§5.4) with RSA PKCS #1 v1.5, RSASSA-PSS or ECDSA,
// and the signing time against the certificate. Ed25519 (RFC 8419) is
// not read: OpenSSL 3.0, the peer here, cannot write it to prove it.

var (
	oidSHA1    = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidRSAPSS  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidEd25519 = asn1.ObjectIdentifier{1, 3, 101, 112}
)

// digestHashes maps digest algorithm OIDs to hashes.
var digestHashes = map[string]crypto.Hash{
	oidSHA1.String():   crypto.SHA1,
	oidSHA256.String(): crypto.SHA256,
	oidSHA384.String(): crypto.SHA384,
	oidSHA512.String(): crypto.SHA512,
}

// rsaSigHashes are the PKCS #1 v1.5 signature OIDs and their hashes;
// rsaEncryption itself takes the digest algorithm's hash.
var rsaSigHashes = map[string]crypto.Hash{
	oidRSA.String(): 0,
	asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}.String():  crypto.SHA1,
	asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}.String(): crypto.SHA256,
	asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}.String(): crypto.SHA384,
	asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}.String(): crypto.SHA512,
}

type signedDataASN1 struct {
	Version          int
	DigestAlgorithms []pkix.AlgorithmIdentifier `asn1:"set"`
	EncapContentInfo encapContentInfo
	Certificates     asn1.RawValue   `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue   `asn1:"optional,tag:1"`
	SignerInfos      []asn1.RawValue `asn1:"set"`
}

type encapContentInfo struct {
	EContentType asn1.ObjectIdentifier
	EContent     asn1.RawValue `asn1:"optional,explicit,tag:0"`
}

type signerInfoASN1 struct {
	Version            int
	SID                asn1.RawValue
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

type attributeASN1 struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue `asn1:"set"`
}

// signedData is a parsed SignedData; its content, if any, is not kept.
type signedData struct {
	eContentType asn1.ObjectIdentifier
	hasContent   bool          // eContent present (opaque)
	eContent     asn1.RawValue // [0] EXPLICIT, when present
	certs        []*x509.Certificate
	signers      []signerInfoASN1
}

// parseSignedData parses the DER of a SignedData SEQUENCE (the content of
// its ContentInfo), whose eContent, if present, is ignored.
func parseSignedData(der []byte) (*signedData, error) {
	var sd signedDataASN1
	if rest, err := asn1.Unmarshal(der, &sd); err != nil || len(rest) != 0 {
		return nil, formatErrorf("CMS signed-data: %v", errOr(err, "trailing data"))
	}
	out := &signedData{eContentType: sd.EContentInfoType(), hasContent: len(sd.EncapContentInfo.EContent.FullBytes) > 0,
		eContent: sd.EncapContentInfo.EContent}
	for rest := sd.Certificates.Bytes; len(rest) > 0; {
		var c asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &c); err != nil {
			return nil, formatErrorf("CMS signed-data certificates: %v", err)
		}
		if c.Class != asn1.ClassUniversal || c.Tag != asn1.TagSequence {
			continue // an attribute certificate or other choice
		}
		if cert, err := x509.ParseCertificate(c.FullBytes); err == nil {
			out.certs = append(out.certs, cert)
		}
	}
	for _, raw := range sd.SignerInfos {
		var si signerInfoASN1
		if rest, err := asn1.Unmarshal(raw.FullBytes, &si); err != nil || len(rest) != 0 {
			return nil, formatErrorf("CMS SignerInfo: %v", errOr(err, "trailing data"))
		}
		out.signers = append(out.signers, si)
	}
	return out, nil
}

// EContentInfoType is the type of the encapsulated content.
func (sd *signedDataASN1) EContentInfoType() asn1.ObjectIdentifier {
	return sd.EncapContentInfo.EContentType
}

func errOr(err error, msg string) error {
	if err != nil {
		return err
	}
	return errors.New(msg)
}

// signerHash is the hash of a SignerInfo's digest algorithm.
func signerHash(si *signerInfoASN1) (crypto.Hash, error) {
	h, ok := digestHashes[si.DigestAlgorithm.Algorithm.String()]
	if !ok || !h.Available() {
		return 0, fmt.Errorf("%w: digest algorithm %v", ErrUnsupported, si.DigestAlgorithm.Algorithm)
	}
	return h, nil
}

// cert finds the certificate a SignerInfo names, by issuer and serial
// number or by subject key identifier.
func (sd *signedData) cert(si *signerInfoASN1) *x509.Certificate {
	for _, c := range sd.certs {
		if ridMatches(si.SID, c) {
			return c
		}
	}
	return nil
}

// checkSigner verifies one SignerInfo given the digest of the content
// under its digest algorithm, and returns the signer's certificate and
// signing time (zero when absent).
func (sd *signedData) checkSigner(si *signerInfoASN1, digest []byte) (*x509.Certificate, time.Time, error) {
	var when time.Time
	cert := sd.cert(si)
	if cert == nil {
		return nil, when, fmt.Errorf("%w: the signer's certificate is not in the message", ErrBadSignature)
	}
	h, err := signerHash(si)
	if err != nil {
		return cert, when, err
	}
	signed := []byte(nil) // what the signature covers when there are signed attributes
	if len(si.SignedAttrs.FullBytes) > 0 {
		signed = append([]byte{0x31}, si.SignedAttrs.FullBytes[1:]...) // [0] IMPLICIT back to SET OF
		var attrs attributes
		if attrs, err = parseAttributes(si.SignedAttrs.Bytes); err != nil {
			return cert, when, err
		}
		var md []byte
		if err := attrs.one(oidAttrDigest, &md); err != nil {
			return cert, when, fmt.Errorf("%w: message-digest attribute: %v", ErrBadSignature, err)
		}
		if !bytes.Equal(md, digest) {
			return cert, when, ErrDigestMismatch
		}
		var ct asn1.ObjectIdentifier
		if err := attrs.one(oidAttrCT, &ct); err != nil {
			return cert, when, fmt.Errorf("%w: content-type attribute: %v", ErrBadSignature, err)
		}
		if !ct.Equal(sd.eContentType) {
			return cert, when, fmt.Errorf("%w: content-type attribute %v differs from the content's %v", ErrBadSignature, ct, sd.eContentType)
		}
		if attrs.has(oidAttrSigningTim) {
			if err := attrs.one(oidAttrSigningTim, &when); err != nil {
				return cert, when, fmt.Errorf("%w: signing-time attribute: %v", ErrBadSignature, err)
			}
		}
	}
	if !sd.eContentType.Equal(oidData) {
		return cert, when, fmt.Errorf("%w: signed content type %v is not id-data", ErrBadSignature, sd.eContentType)
	}
	if err := checkSignature(cert, si, h, signed, digest); err != nil {
		return cert, when, err
	}
	if !when.IsZero() && (when.Before(cert.NotBefore) || when.After(cert.NotAfter)) {
		return cert, when, &CertificateError{Role: "signer", Subject: subject(cert), Problem: CertExpired,
			Detail: "signing time " + when.UTC().Format(time.RFC3339) + " is outside the certificate's validity"}
	}
	return cert, when, nil
}

// checkSignature verifies si's signature by cert: over signed (the DER of
// the signed attributes) when it is set, else over the content, whose
// digest under h is given.
func checkSignature(cert *x509.Certificate, si *signerInfoASN1, h crypto.Hash, signed, digest []byte) error {
	alg := si.SignatureAlgorithm.Algorithm
	hashOf := func(sh crypto.Hash) []byte {
		if signed == nil {
			return digest
		}
		d := sh.New()
		d.Write(signed)
		return d.Sum(nil)
	}
	bad := func(err error) error { return fmt.Errorf("%w: %v", ErrBadSignature, err) }
	switch pub := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		if alg.Equal(oidRSAPSS) {
			opts, err := parsePSS(si.SignatureAlgorithm.Parameters.FullBytes)
			if err != nil {
				return err
			}
			if signed == nil && opts.Hash != h {
				return fmt.Errorf("%w: RSASSA-PSS hash differs from the digest algorithm", ErrUnsupported)
			}
			if err := rsa.VerifyPSS(pub, opts.Hash, hashOf(opts.Hash), si.Signature, opts); err != nil {
				return bad(err)
			}
			return nil
		}
		sh, ok := rsaSigHashes[alg.String()]
		if !ok {
			return fmt.Errorf("%w: signature algorithm %v for an RSA key", ErrUnsupported, alg)
		}
		if sh == 0 || signed == nil {
			sh = h
		}
		if !sh.Available() {
			return fmt.Errorf("%w: signature hash %v", ErrUnsupported, sh)
		}
		if err := rsa.VerifyPKCS1v15(pub, sh, hashOf(sh), si.Signature); err != nil {
			return bad(err)
		}
	case *ecdsa.PublicKey:
		sh, ok := ecdsaSigHash(alg, h)
		if !ok {
			return fmt.Errorf("%w: signature algorithm %v for an EC key", ErrUnsupported, alg)
		}
		if !sh.Available() {
			return fmt.Errorf("%w: signature hash %v", ErrUnsupported, sh)
		}
		if signed == nil {
			sh = h // the signature is over the content digest itself
		}
		if !ecdsa.VerifyASN1(pub, hashOf(sh), si.Signature) {
			return bad(errors.New("ECDSA verification failed"))
		}
	default:
		return fmt.Errorf("%w: signer key type %T", ErrUnsupported, pub)
	}
	return nil
}

// ecdsaSigHash is the hash an ECDSA signature algorithm names; the bare
// id-ecPublicKey that some signers write takes the digest algorithm's.
func ecdsaSigHash(alg asn1.ObjectIdentifier, digestHash crypto.Hash) (crypto.Hash, bool) {
	if alg.Equal(oidECPublicKey) {
		return digestHash, true
	}
	if alg.Equal(asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}) {
		return crypto.SHA1, true
	}
	for h, oid := range ecdsaAlgs {
		if alg.Equal(oid) {
			return h, true
		}
	}
	return 0, false
}

// parsePSS reads RSASSA-PSS-params (RFC 4055 §3.1).
func parsePSS(der []byte) (*rsa.PSSOptions, error) {
	var p struct {
		Hash       pkix.AlgorithmIdentifier `asn1:"optional,explicit,tag:0"`
		MGF        pkix.AlgorithmIdentifier `asn1:"optional,explicit,tag:1"`
		SaltLength int                      `asn1:"optional,explicit,tag:2,default:20"`
		Trailer    int                      `asn1:"optional,explicit,tag:3,default:1"`
	}
	if _, err := asn1.Unmarshal(der, &p); err != nil {
		return nil, fmt.Errorf("%w: RSASSA-PSS parameters: %v", ErrUnsupported, err)
	}
	h := crypto.SHA1
	if len(p.Hash.Algorithm) > 0 {
		var ok bool
		if h, ok = digestHashes[p.Hash.Algorithm.String()]; !ok {
			return nil, fmt.Errorf("%w: RSASSA-PSS hash %v", ErrUnsupported, p.Hash.Algorithm)
		}
	}
	if p.Trailer != 1 {
		return nil, fmt.Errorf("%w: RSASSA-PSS trailer field %d", ErrUnsupported, p.Trailer)
	}
	return &rsa.PSSOptions{SaltLength: p.SaltLength, Hash: h}, nil
}

// attributes are the values of a SET OF Attribute, by type.
type attributes map[string][]asn1.RawValue

func parseAttributes(b []byte) (attributes, error) {
	out := attributes{}
	for len(b) > 0 {
		var a attributeASN1
		var err error
		if b, err = asn1.Unmarshal(b, &a); err != nil {
			return nil, formatErrorf("CMS attribute: %v", err)
		}
		for rest := a.Values.Bytes; len(rest) > 0; {
			var v asn1.RawValue
			if rest, err = asn1.Unmarshal(rest, &v); err != nil {
				return nil, formatErrorf("CMS attribute %v: %v", a.Type, err)
			}
			out[a.Type.String()] = append(out[a.Type.String()], v)
		}
	}
	return out, nil
}

func (a attributes) has(oid asn1.ObjectIdentifier) bool { return len(a[oid.String()]) > 0 }

// one decodes the single value of the attribute oid into v (RFC 5652
// §11: message-digest, content-type and signing-time have exactly one
// value and appear once).
func (a attributes) one(oid asn1.ObjectIdentifier, v any) error {
	vals := a[oid.String()]
	if len(vals) != 1 {
		return fmt.Errorf("%d values, want 1", len(vals))
	}
	if rest, err := asn1.Unmarshal(vals[0].FullBytes, v); err != nil || len(rest) != 0 {
		return errOr(err, "trailing data")
	}
	return nil
}
