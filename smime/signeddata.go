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
	// id-aa-encrypKeyPref (RFC 8551 §2.5.3) and Microsoft's attribute of
	// the same meaning, which Outlook reads.
	oidAttrEncKeyPref   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 11}
	oidAttrMSEncKeyPref = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 16, 4}
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
	signer     *Signer
	hash       crypto.Hash
	digest     []byte            // of the content
	contentLen int64             // of the content
	opaque     bool              // embed content
	now        time.Time         // signing time
	encCert    *x509.Certificate // announced for encryption, or nil
}

// buildSignedData returns the DER ContentInfo holding a SignedData with
// one signer, split around the content: for an opaque signature the DER
// is prefix, the content, suffix; for a detached one it is prefix alone.
// The signed attributes are content type (id-data), signing time, message
// digest, SMIMECapabilities and the encryption key preference (RFC 8551
// §2.5).
func buildSignedData(p *signParams) (prefix, suffix []byte, err error) {
	digestAlg := derSeq(mustMarshal(hashes[p.hash].oid))
	attrs, err := signedAttrs(p.digest, p.now, p.encCert)
	if err != nil {
		return nil, nil, err
	}
	sigAlg, sig, err := signAttrs(p, attrs)
	if err != nil {
		return nil, nil, err
	}
	cert := p.signer.Certificate
	sid := derSeq(cert.RawIssuer, mustMarshal(cert.SerialNumber))
	attrs[0] = 0xa0 // [0] IMPLICIT in place of SET
	signerInfo := derSeq(derInt1, sid, digestAlg, attrs, sigAlg, der(0x04, sig))

	after := append(der(0xa0, certificates(p)...), der(0x31, signerInfo)...)
	var d derAround
	if p.opaque {
		d = derAround{prefix: derHeader(0x04, int(p.contentLen)), n: int(p.contentLen)}
		d.wrap(0xa0, nil, nil)
		d.wrap(0x30, mustMarshal(oidData), nil)
	} else {
		d = derAround{prefix: derSeq(mustMarshal(oidData))}
	}
	d.wrap(0x30, slices.Concat(derInt1, der(0x31, digestAlg)), after)
	d.wrap(0xa0, nil, nil)
	d.wrap(0x30, mustMarshal(oidSignedData), nil)
	if !p.opaque {
		return append(d.prefix, d.suffix...), nil, nil
	}
	return d.prefix, d.suffix, nil
}

// certificates returns the certificates to send: the signer's, its issuer
// path, the rest of the chain, and the encryption certificate.
func certificates(p *signParams) [][]byte {
	path, others := orderChain(p.signer.Certificate, p.signer.Chain)
	all := append(append([]*x509.Certificate{p.signer.Certificate}, path...), others...)
	if p.encCert != nil && !slices.ContainsFunc(all, p.encCert.Equal) {
		all = append(all, p.encCert)
	}
	var certs [][]byte
	for _, c := range all {
		certs = append(certs, c.Raw)
	}
	return certs
}

// derAround is DER being built from the inside out around n bytes of
// content that are not held here: prefix, the content, suffix.
type derAround struct {
	prefix, suffix []byte
	n              int
}

// wrap puts the value into a tag, with before and after as the other
// contents of that tag.
func (d *derAround) wrap(tag byte, before, after []byte) {
	inner := len(before) + len(d.prefix) + d.n + len(d.suffix) + len(after)
	d.prefix = append(append(derHeader(tag, inner), before...), d.prefix...)
	d.suffix = append(d.suffix, after...)
}

// derInt1 is INTEGER 1, the version of SignedData and SignerInfo here.
var derInt1 = []byte{0x02, 0x01, 0x01}

// signedAttrs returns the DER SET OF Attribute, sorted as DER requires.
// With encCert, the encryption key preference attributes name it.
func signedAttrs(digest []byte, now time.Time, encCert *x509.Certificate) ([]byte, error) {
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
	if encCert != nil {
		issuer, serial := encCert.RawIssuer, mustMarshal(encCert.SerialNumber)
		// issuerAndSerialNumber [0] IMPLICIT in RFC 8551's module.
		list = append(list, attr(oidAttrEncKeyPref, der(0xa0, issuer, serial)),
			attr(oidAttrMSEncKeyPref, derSeq(issuer, serial)))
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
	switch p.signer.Key.Public().(type) {
	case *rsa.PublicKey:
		alg = derSeq(mustMarshal(oidRSA), []byte{0x05, 0x00})
	case *ecdsa.PublicKey:
		alg = derSeq(mustMarshal(ecdsaAlgs[p.hash]))
	default:
		return nil, nil, &CertificateError{Role: "signer", Subject: subject(p.signer.Certificate),
			Problem: CertUnsupportedKey, Detail: fmt.Sprintf("key type %T cannot sign S/MIME here", p.signer.Key.Public())}
	}
	sig, err = p.signer.Key.Sign(rand.Reader, h.Sum(nil), p.hash)
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
