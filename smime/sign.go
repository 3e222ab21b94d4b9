// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"time"
)

// SignOptions are the per-call settings of [Sign]. The zero value (or a
// nil pointer) gives a detached SHA-256 signature.
type SignOptions struct {
	// Opaque makes the result application/pkcs7-mime;
	// smime-type=signed-data, with the content inside the CMS object,
	// instead of multipart/signed (RFC 8551 §3.5). Opaque signatures
	// survive relays that re-encode parts, but receivers without S/MIME
	// support cannot read the content.
	Opaque bool

	// Hash is the digest algorithm: crypto.SHA256 (zero value),
	// crypto.SHA384 or crypto.SHA512 (RFC 8551 §2.1).
	Hash crypto.Hash

	// Now returns the signing time, written into the signing-time
	// attribute (RFC 8551 §2.5.1), at which the signer's certificate
	// must also be valid; nil means time.Now.
	Now func() time.Time

	// Rand is the source of the multipart boundary; nil means
	// crypto/rand.
	Rand io.Reader
}

func (o *SignOptions) now() time.Time {
	if o == nil || o.Now == nil {
		return time.Now()
	}
	return o.Now()
}

// hashes maps the allowed digests to their OID and micalg name (RFC 5751
// §3.4.3.2, RFC 8551 §3.5.3.2).
var hashes = map[crypto.Hash]struct {
	oid    asn1.ObjectIdentifier
	micalg string
}{
	crypto.SHA256: {oidSHA256, "sha-256"},
	crypto.SHA384: {oidSHA384, "sha-384"},
	crypto.SHA512: {oidSHA512, "sha-512"},
}

// Sign signs a MIME entity (its Content-* header fields, an empty line
// and its body) and returns the new entity: multipart/signed with the
// entity as first part and an application/pkcs7-signature second part, or
// with o.Opaque an application/pkcs7-mime signed-data entity.
//
// The entity is first brought into canonical form (RFC 8551 §3.1): CRLF
// line ends, and every part 7-bit, re-encoding 8-bit text as
// quoted-printable and other 8-bit content as base64. The bytes signed are
// exactly the bytes sent. The signer's certificate must be valid now and
// allowed for email protection; otherwise a [*CertificateError] is
// returned.
func Sign(entity io.Reader, s *Signer, o *SignOptions) (*Entity, error) {
	if _, err := signCheck(s, o); err != nil {
		return nil, err
	}
	c, err := spoolCanonical(entity, "", signHash(o), boundaryFor(o))
	if err != nil {
		return nil, err
	}
	defer c.Close()
	out, err := signOut(c, s, o)
	if err != nil {
		return nil, err
	}
	return out.entity()
}

// signHash is the digest o asks for.
func signHash(o *SignOptions) crypto.Hash {
	if o != nil && o.Hash != 0 {
		return o.Hash
	}
	return crypto.SHA256
}

// boundaryFor is where a detached signature's multipart boundary is drawn
// from; nil for an opaque signature, which needs none.
func boundaryFor(o *SignOptions) io.Reader {
	if o != nil && o.Opaque {
		return nil
	}
	return boundarySource(o)
}

// signCheck checks the signer and the options before any content is
// read, and returns the signer's encryption certificate to announce.
func signCheck(s *Signer, o *SignOptions) (*x509.Certificate, error) {
	if s == nil || s.Certificate == nil || s.Key == nil {
		return nil, errors.New("smime: Signer needs a Certificate and a Key")
	}
	h := signHash(o)
	if _, ok := hashes[h]; !ok {
		return nil, fmt.Errorf("smime: digest %v not supported; use SHA-256, SHA-384 or SHA-512", h)
	}
	if err := checkSigningCert(s.Certificate, o.now()); err != nil {
		return nil, err
	}
	if err := s.checkKey(); err != nil {
		return nil, err
	}
	return s.encryptionCert(o.now())
}

// signOut signs the canonical content c, whose digest was taken under
// signHash(o), and returns the signed entity ready to be written.
func signOut(c *canonical, s *Signer, o *SignOptions) (*outEntity, error) {
	enc, err := signCheck(s, o)
	if err != nil {
		return nil, err
	}
	h := signHash(o)
	opaque := o != nil && o.Opaque
	prefix, suffix, err := buildSignedData(&signParams{signer: s, hash: h, digest: c.digest,
		contentLen: c.Len(), opaque: opaque, now: o.now(), encCert: enc})
	if err != nil {
		return nil, err
	}
	if !opaque {
		return multipartSigned(c, prefix, hashes[h].micalg), nil
	}
	e := &outEntity{header: pkcs7MIMEHeader("signed-data")}
	n, body := joinBody(bytesPiece(prefix), c, bytesPiece(suffix))
	e.size, e.body = b64Body(n, body)
	return e, nil
}

// orderChain returns the certificates that form the issuer path of leaf,
// nearest first, and the remaining ones.
func orderChain(leaf *x509.Certificate, certs []*x509.Certificate) (path, others []*x509.Certificate) {
	left := append([]*x509.Certificate(nil), certs...)
	cur := leaf
	for {
		i := issuerIndex(cur, left)
		if i < 0 {
			return path, left
		}
		cur = left[i]
		path = append(path, cur)
		left = append(left[:i], left[i+1:]...)
	}
}

func issuerIndex(c *x509.Certificate, certs []*x509.Certificate) int {
	if bytes.Equal(c.RawIssuer, c.RawSubject) {
		return -1
	}
	for i, p := range certs {
		if bytes.Equal(c.RawIssuer, p.RawSubject) && c.CheckSignatureFrom(p) == nil {
			return i
		}
	}
	return -1
}

// multipartSigned wraps the content c and the detached signature in
// multipart/signed (RFC 1847 §2.1, RFC 8551 §3.5.3), with c's boundary.
func multipartSigned(c *canonical, der []byte, micalg string) *outEntity {
	boundary := c.boundary
	sig := pkcs7MIMEPart("application/pkcs7-signature; name=\"smime.p7s\"", "smime.p7s", der)
	e := &outEntity{header: []Field{{"Content-Type", fmt.Sprintf(
		"multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=%s; boundary=\"%s\"",
		micalg, boundary)}}}
	e.size, e.body = joinBody(bytesPiece("--"+boundary+"\r\n"), c, bytesPiece("\r\n--"+boundary+"\r\n"),
		bytesPiece(sig.Bytes()), bytesPiece("--"+boundary+"--\r\n"))
	return e
}

// pkcs7MIME returns an application/pkcs7-mime entity (RFC 8551 §3.2).
func pkcs7MIME(smimeType string, der []byte) *Entity {
	return &Entity{Header: pkcs7MIMEHeader(smimeType), Body: encodeBase64(der)}
}

// pkcs7MIMEHeader returns the header fields of an application/pkcs7-mime
// entity in base64.
func pkcs7MIMEHeader(smimeType string) []Field {
	return partHeader("application/pkcs7-mime; smime-type="+smimeType+"; name=\"smime.p7m\"", "smime.p7m")
}

func pkcs7MIMEPart(ct, filename string, der []byte) *Entity {
	return &Entity{Header: partHeader(ct, filename), Body: encodeBase64(der)}
}

func partHeader(ct, filename string) []Field {
	return []Field{
		{"Content-Type", ct},
		{"Content-Transfer-Encoding", "base64"},
		{"Content-Disposition", "attachment; filename=\"" + filename + "\""},
	}
}
