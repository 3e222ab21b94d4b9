// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"io"
	stdmime "mime"
	"strings"
	"time"
)

// maxSignaturePart bounds the application/pkcs7-signature part of a
// multipart/signed message, which holds only the signature and the
// certificates, and is read into memory.
const maxSignaturePart = 8 << 20

// VerifyTo checks an S/MIME signed message or entity as [Verify] does and
// writes the signed entity to w once every signature has verified (and
// o.Accept, if set, has accepted the result): on any error nothing is
// written. The returned Verified has no Content; w received it.
//
// VerifyTo streams a multipart/signed message: the signed entity is
// hashed as it is read and waits in memory up to 1 MiB and beyond that in
// a temporary file in o.TempDir, encrypted under a key held only in
// memory; only the signature part (at most 8 MiB) is held.
func VerifyTo(w io.Writer, msg io.Reader, roots *x509.CertPool, o *VerifyOptions) (*Verified, error) {
	lx := newLexer(msg)
	fields, _, err := readHeader(lx)
	if err != nil {
		return nil, err
	}
	ct, _ := lookup(fields, "Content-Type")
	mediatype, params, err := stdmime.ParseMediaType(ct)
	if err != nil {
		return nil, formatErrorf("Content-Type %q: %v", ct, err)
	}
	switch mediatype {
	case "multipart/signed":
		return verifyDetached(w, lx, params, roots, o)
	case "application/pkcs7-mime", "application/x-pkcs7-mime":
		cte, _ := lookup(fields, "Content-Transfer-Encoding")
		return verifyOpaque(w, lx, strings.ToLower(cte), roots, o)
	}
	return nil, formatErrorf("Content-Type %s is not an S/MIME type", mediatype)
}

func (o *VerifyOptions) now() time.Time {
	if o == nil || o.Now == nil {
		return time.Now()
	}
	return o.Now()
}

func (o *VerifyOptions) tempDir() string {
	if o == nil {
		return ""
	}
	return o.TempDir
}

// micalgs maps the micalg parameter (RFC 8551 §3.5.3.2) to a hash.
var micalgs = map[string]crypto.Hash{
	"sha-1": crypto.SHA1, "sha1": crypto.SHA1,
	"sha-256": crypto.SHA256, "sha-384": crypto.SHA384, "sha-512": crypto.SHA512,
}

// verifyDetached reads a multipart/signed body from lx: the signed entity
// into a spool, hashed on the way with the micalg the message announces,
// and the signature part; then checks every signer.
func verifyDetached(w io.Writer, lx *lexer, params map[string]string, roots *x509.CertPool, o *VerifyOptions) (*Verified, error) {
	switch strings.ToLower(params["protocol"]) {
	case "application/pkcs7-signature", "application/x-pkcs7-signature":
	default:
		return nil, fmt.Errorf("%w: multipart/signed protocol %q", ErrUnsupported, params["protocol"])
	}
	boundary := params["boundary"]
	if boundary == "" {
		return nil, formatErrorf("multipart without boundary")
	}
	noClose := formatErrorf("multipart body has no closing boundary %q", boundary)
	lx.push(boundary)

	var parts int
	part := func(w io.Writer) (token, error) {
		t, err := bodyTo(lx, w)
		if err != nil {
			return t, err
		}
		if t.kind != tokDelim || t.level != 0 {
			return t, noClose
		}
		return t, nil
	}
	if t, err := part(io.Discard); err != nil { // the preamble
		return nil, err
	} else if t.close {
		return nil, formatErrorf("multipart/signed has 0 parts, want 2")
	}
	content := newSpool(o.tempDir(), contentMem)
	defer content.Close()
	h, ok := micalgs[strings.ToLower(params["micalg"])]
	if !ok {
		h = crypto.SHA256
	}
	d := h.New()
	t, err := part(io.MultiWriter(content, d))
	if err != nil {
		return nil, err
	}
	parts++
	var sig boundedBuffer
	sig.max = maxSignaturePart
	for !t.close {
		sig.Reset()
		if t, err = part(&sig); err != nil {
			return nil, err
		}
		parts++
	}
	if parts != 2 {
		return nil, formatErrorf("multipart/signed has %d parts, want 2", parts)
	}
	if sig.over {
		return nil, formatErrorf("signature part longer than %d octets", maxSignaturePart)
	}
	fields, sigBody, err := splitHeader(sig.Bytes())
	if err != nil {
		return nil, err
	}
	enc, _ := lookup(fields, "Content-Transfer-Encoding")
	m, err := readPKCS7(sigBody, strings.ToLower(enc))
	if err != nil {
		return nil, err
	}
	sd, err := signedDataOf(m)
	if err != nil {
		return nil, err
	}
	digests := map[crypto.Hash][]byte{h: d.Sum(nil)}
	v := &Verified{}
	if err := v.checkAll(sd, spoolDigests(content, digests), roots, o); err != nil {
		return v, err
	}
	return v, deliver(w, v, content, o)
}

// bodyTo writes the rest of the current part to w with CRLF line ends and
// returns the token that ended it.
func bodyTo(lx *lexer, w io.Writer) (token, error) {
	for {
		t, err := lx.next()
		if err != nil {
			return t, err
		}
		var p []byte
		switch t.kind {
		case tokText:
			p = t.data
		case tokEOL:
			p = eolCRLF
		default:
			return t, nil
		}
		if _, err := w.Write(p); err != nil {
			return t, err
		}
	}
}

// signedDataOf checks that m is a SignedData ContentInfo and parses it.
func signedDataOf(m *message) (*signedData, error) {
	if !m.contentType.Equal(oidSignedData) {
		return nil, fmt.Errorf("%w: CMS content is %s", ErrNotSigned, contentTypeName(m.contentType))
	}
	der, err := berToDER(m.der)
	if err != nil {
		return nil, err
	}
	var ci cmsContentInfo
	if _, err := asn1.Unmarshal(der, &ci); err != nil {
		return nil, formatErrorf("CMS ContentInfo: %v", err)
	}
	sd, err := parseSignedData(ci.Content.Bytes)
	if err != nil {
		return nil, err
	}
	if len(sd.signers) == 0 {
		return nil, fmt.Errorf("%w: signed-data without signers", ErrNotSigned)
	}
	return sd, nil
}

// spoolDigests returns the digest of the content under a hash: one of
// those computed while it streamed by, or computed now from the spool.
func spoolDigests(content piece, have map[crypto.Hash][]byte) func(crypto.Hash) ([]byte, error) {
	return func(h crypto.Hash) ([]byte, error) {
		if d, ok := have[h]; ok {
			return d, nil
		}
		d := h.New()
		if _, err := content.WriteTo(d); err != nil {
			return nil, err
		}
		have[h] = d.Sum(nil)
		return have[h], nil
	}
}

// checkAll verifies every signer of sd, one at a time, so that an error
// names the signer it concerns, and fills v.
func (v *Verified) checkAll(sd *signedData, digest func(crypto.Hash) ([]byte, error), roots *x509.CertPool, o *VerifyOptions) error {
	now := o.now()
	n := len(sd.signers)
	for i := range sd.signers {
		s, err := checkOne(sd, &sd.signers[i], digest, roots, now)
		if i == 0 {
			v.Signer, v.Chain, v.SigningTime = s.Certificate, s.Chain, s.SigningTime
		}
		if err != nil {
			if n > 1 {
				err = fmt.Errorf("%w (signer %d of %d)", err, i+1, n)
			}
			return err
		}
		v.Signers = append(v.Signers, s)
	}
	return nil
}

// checkOne verifies one signer: its signature over the content, its
// attributes, and its certificate's chain and usage at time now.
func checkOne(sd *signedData, si *signerInfoASN1, digest func(crypto.Hash) ([]byte, error), roots *x509.CertPool, now time.Time) (VerifiedSigner, error) {
	var s VerifiedSigner
	h, err := signerHash(si)
	if err != nil {
		s.Certificate = sd.cert(si)
		return s, err
	}
	d, err := digest(h)
	if err != nil {
		return s, err
	}
	if s.Certificate, s.SigningTime, err = sd.checkSigner(si, d); err != nil {
		return s, err
	}
	s.Chain, err = verifyChain(s.Certificate, sd.certs, roots, now)
	return s, err
}

// deliver lets o.Accept look at v, then writes the content to w.
func deliver(w io.Writer, v *Verified, content piece, o *VerifyOptions) error {
	if o != nil && o.Accept != nil {
		if err := o.Accept(v); err != nil {
			return err
		}
	}
	_, err := content.WriteTo(w)
	return err
}

// boundedBuffer keeps up to max bytes and notes whether more came.
type boundedBuffer struct {
	bytes.Buffer
	max  int
	over bool
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.max {
		b.over = true
		return len(p), nil
	}
	return b.Buffer.Write(p)
}

// verifyOpaque reads an application/pkcs7-mime signed-data body from lx
// and checks every signer over the content inside it.
func verifyOpaque(w io.Writer, lx *lexer, cte string, roots *x509.CertPool, o *VerifyOptions) (*Verified, error) {
	var body bytes.Buffer
	if _, err := rawBodyTo(lx, &body); err != nil {
		return nil, err
	}
	m, err := readPKCS7(body.Bytes(), cte)
	if err != nil {
		return nil, err
	}
	sd, err := signedDataOf(m)
	if err != nil {
		return nil, err
	}
	if !sd.hasContent {
		return nil, formatErrorf("application/pkcs7-mime signed-data without content")
	}
	var inner asn1.RawValue
	if _, err := asn1.Unmarshal(sd.eContent.Bytes, &inner); err != nil {
		return nil, formatErrorf("CMS signed-data content: %v", err)
	}
	content, err := octets(inner)
	if err != nil {
		return nil, err
	}
	v := &Verified{Opaque: true}
	if err := v.checkAll(sd, spoolDigests(bytesPiece(content), map[crypto.Hash][]byte{}), roots, o); err != nil {
		return v, err
	}
	return v, deliver(w, v, bytesPiece(content), o)
}

// rawBodyTo writes the rest of the input to w as it is.
func rawBodyTo(lx *lexer, w io.Writer) (token, error) {
	for {
		t, err := lx.next()
		if err != nil {
			return t, err
		}
		switch t.kind {
		case tokText, tokEOL:
			if _, err := w.Write(t.data); err != nil {
				return t, err
			}
		default:
			return t, nil
		}
	}
}
