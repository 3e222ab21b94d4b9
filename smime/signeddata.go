// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"io"
	"slices"
	"time"
)

// CMS SignedData (RFC 5652 §5) written with encoding/asn1, so that the
// digest can be computed while the content streams by, and the
// signing-time attribute comes from the caller's clock.

var (
	oidSignedData     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidAttrCT         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidAttrDigest     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidAttrSigningTim = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
)

// ecdsaAlgs are the ecdsa-with-SHA2 signature algorithms (RFC 5758 §3.2),
// whose parameters are absent.
var ecdsaAlgs = map[crypto.Hash]asn1.ObjectIdentifier{
	crypto.SHA256: {1, 2, 840, 10045, 4, 3, 2},
	crypto.SHA384: {1, 2, 840, 10045, 4, 3, 3},
	crypto.SHA512: {1, 2, 840, 10045, 4, 3, 4},
}

// signParams is one signature to make.
type signParams struct {
	signer  *Signer
	hash    crypto.Hash
	digest  []byte    // of the content
	content []byte    // embedded when opaque, else nil
	opaque  bool      // embed content
	now     time.Time // signing time
	rand    io.Reader // for ECDSA
}

// buildSignedData returns the DER ContentInfo holding a SignedData with
// one signer. The signed attributes are content type (id-data), signing
// time, message digest and SMIMECapabilities (RFC 8551 §2.5). The
// certificates are the signer's, then its issuer path, then the rest of
// the chain.
func buildSignedData(p *signParams) ([]byte, error) {
	digestAlg := derSeq(mustMarshal(hashes[p.hash].oid))
	attrs, err := signedAttrs(p.digest, p.now)
	if err != nil {
		return nil, err
	}
	sigAlg, sig, err := signAttrs(p, attrs)
	if err != nil {
		return nil, err
	}
	cert := p.signer.Certificate
	sid := derSeq(cert.RawIssuer, mustMarshal(cert.SerialNumber))
	attrs[0] = 0xa0 // [0] IMPLICIT in place of SET
	signerInfo := derSeq(derInt1, sid, digestAlg, attrs, sigAlg, der(0x04, sig))

	encap := mustMarshal(oidData)
	if p.opaque {
		encap = append(encap, der(0xa0, der(0x04, p.content))...)
	}
	path, others := orderChain(cert, p.signer.Chain)
	var certs [][]byte
	for _, c := range append(append([]*x509.Certificate{cert}, path...), others...) {
		certs = append(certs, c.Raw)
	}
	sd := derSeq(derInt1, der(0x31, digestAlg), derSeq(encap), der(0xa0, certs...), der(0x31, signerInfo))
	return derSeq(mustMarshal(oidSignedData), der(0xa0, sd)), nil
}

// derInt1 is INTEGER 1, the version of SignedData and SignerInfo here.
var derInt1 = []byte{0x02, 0x01, 0x01}

// signedAttrs returns the DER SET OF Attribute, sorted as DER requires.
func signedAttrs(digest []byte, now time.Time) ([]byte, error) {
	st, err := asn1.Marshal(now.UTC().Truncate(time.Second))
	if err != nil {
		return nil, fmt.Errorf("smime: signing time: %v", err)
	}
	list := [][]byte{
		attr(oidAttrCT, mustMarshal(oidData)),
		attr(oidAttrSigningTim, st),
		attr(oidAttrDigest, der(0x04, digest)),
		attr(oidSMIMECapabilities, smimeCapabilities),
	}
	slices.SortFunc(list, bytes.Compare)
	return der(0x31, list...), nil
}

func attr(oid asn1.ObjectIdentifier, value []byte) []byte {
	return derSeq(mustMarshal(oid), der(0x31, value))
}

// signAttrs signs the DER of the signed attributes (RFC 5652 §5.4) and
// returns the signature algorithm identifier and the signature.
func signAttrs(p *signParams, attrs []byte) (alg, sig []byte, err error) {
	h := p.hash.New()
	h.Write(attrs)
	r := p.rand
	if r == nil {
		r = rand.Reader
	}
	switch p.signer.Key.Public().(type) {
	case *rsa.PublicKey:
		alg = derSeq(mustMarshal(oidRSA), []byte{0x05, 0x00})
	case *ecdsa.PublicKey:
		alg = derSeq(mustMarshal(ecdsaAlgs[p.hash]))
	default:
		return nil, nil, &CertificateError{Role: "signer", Subject: subject(p.signer.Certificate),
			Problem: CertUnsupportedKey, Detail: fmt.Sprintf("key type %T cannot sign S/MIME here", p.signer.Key.Public())}
	}
	sig, err = p.signer.Key.Sign(r, h.Sum(nil), p.hash)
	if err != nil {
		return nil, nil, fmt.Errorf("smime: sign: %v", err)
	}
	return alg, sig, nil
}

func derSeq(parts ...[]byte) []byte { return der(0x30, parts...) }

// der returns the DER encoding of tag with the concatenated parts as its
// contents.
func der(tag byte, parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make([]byte, 0, n+6)
	out = append(out, tag)
	out = appendLength(out, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func appendLength(b []byte, n int) []byte {
	if n < 0x80 {
		return append(b, byte(n))
	}
	var l []byte
	for v := n; v > 0; v >>= 8 {
		l = append([]byte{byte(v)}, l...)
	}
	return append(append(b, 0x80|byte(len(l))), l...)
}
