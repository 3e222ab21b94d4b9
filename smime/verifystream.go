// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"hash"
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
// written. The returned Verified has no Content; w received it. Only an
// error of w itself can leave part of the entity written.
//
// VerifyTo streams: the signed entity (the first part of a
// multipart/signed message, or the content inside an application/pkcs7-mime
// signed-data object, read from base64 as it arrives) is hashed as it is
// read and waits in memory up to 1 MiB and beyond that in a temporary
// file in o.TempDir, encrypted under a key held only in memory. Only the
// signature part of a multipart/signed message (at most 8 MiB) and the
// certificates and SignerInfos of a signed-data object are held whole.
func VerifyTo(w io.Writer, msg io.Reader, roots *x509.CertPool, o *VerifyOptions) (*Verified, error) {
	lx := newLexer(msg)
	fields, _, err := readHeader(lx)
	if err != nil {
		return nil, err
	}
	ct, ok := lookup(fields, "Content-Type")
	if !ok {
		return nil, fmt.Errorf("%w: it has no Content-Type (plain text)", ErrNotSigned)
	}
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
	return nil, fmt.Errorf("%w: its Content-Type is %s", ErrNotSigned, mediatype)
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
		t, err := partBody(lx, w, nil, true)
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

// signedDataOf checks that m is a SignedData ContentInfo and parses it.
func signedDataOf(m *message) (*signedData, error) {
	if !m.contentType.Equal(oidSignedData) {
		return nil, fmt.Errorf("%w: CMS content is %s", ErrNotSigned, contentTypeName(m.contentType))
	}
	der, err := berToDER(m.der)
	if err != nil {
		return nil, err
	}
	var ci struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue `asn1:"explicit,tag:0"`
	}
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
// as a stream: the content inside the SignedData goes into a spool,
// hashed on the way with every digest algorithm the SignedData lists,
// the rest (certificates, SignerInfos) is read whole; then every signer
// is checked.
func verifyOpaque(w io.Writer, lx *lexer, cte string, roots *x509.CertPool, o *VerifyOptions) (*Verified, error) {
	var body io.Reader = &lexReader{lx: lx}
	switch cte {
	case "base64":
		body = base64Stream(body)
	case "", "binary", "7bit", "8bit":
	default:
		return nil, formatErrorf("CMS object with Content-Transfer-Encoding %q", cte)
	}
	content := newSpool(o.tempDir(), contentMem)
	defer content.Close()
	sd, digests, err := readOpaqueSignedData(newBERReader(body), content)
	if err != nil {
		return nil, err
	}
	v := &Verified{Opaque: true}
	if err := v.checkAll(sd, spoolDigests(content, digests), roots, o); err != nil {
		return v, err
	}
	return v, deliver(w, v, content, o)
}

// readOpaqueSignedData walks a ContentInfo holding a SignedData with its
// content: the content streams into content, hashed with the digest
// algorithms listed before it; the SignedData is returned parsed
// without it, with the digests.
func readOpaqueSignedData(b *berReader, content io.Writer) (*signedData, map[crypto.Hash][]byte, error) {
	h, err := b.next()
	if err != nil {
		return nil, nil, err
	}
	if !h.is(asn1.ClassUniversal, asn1.TagSequence) {
		return nil, nil, formatErrorf("not a CMS ContentInfo")
	}
	ci, err := b.enter(h)
	if err != nil {
		return nil, nil, err
	}
	var ct asn1.ObjectIdentifier
	if err := smallIn(b, ci, &ct); err != nil {
		return nil, nil, err
	}
	if !ct.Equal(oidSignedData) {
		return nil, nil, fmt.Errorf("%w: CMS content is %s", ErrNotSigned, contentTypeName(ct))
	}
	explicit, err := enterIn(b, ci, asn1.ClassContextSpecific, 0)
	if err != nil {
		return nil, nil, err
	}
	sdf, err := enterIn(b, explicit, asn1.ClassUniversal, asn1.TagSequence)
	if err != nil {
		return nil, nil, err
	}
	// version and digestAlgorithms
	var parts [][]byte
	for range 2 {
		der, err := elementIn(b, sdf)
		if err != nil {
			return nil, nil, err
		}
		parts = append(parts, der)
	}
	var algs []pkix.AlgorithmIdentifier
	if _, err := asn1.UnmarshalWithParams(parts[1], &algs, "set"); err != nil {
		return nil, nil, formatErrorf("CMS digest algorithms: %v", err)
	}
	hashers := map[crypto.Hash]hash.Hash{}
	var ws []io.Writer
	for _, a := range algs {
		if h, ok := digestHashes[a.Algorithm.String()]; ok && h.Available() && hashers[h] == nil {
			hashers[h] = h.New()
			ws = append(ws, hashers[h])
		}
	}
	// encapContentInfo { eContentType, [0] EXPLICIT OCTET STRING }
	eci, err := enterIn(b, sdf, asn1.ClassUniversal, asn1.TagSequence)
	if err != nil {
		return nil, nil, err
	}
	var ect asn1.ObjectIdentifier
	if err := smallIn(b, eci, &ect); err != nil {
		return nil, nil, err
	}
	more, err := b.more(eci)
	if err != nil {
		return nil, nil, err
	}
	if !more {
		return nil, nil, formatErrorf("application/pkcs7-mime signed-data without content")
	}
	x, err := enterIn(b, eci, asn1.ClassContextSpecific, 0)
	if err != nil {
		return nil, nil, err
	}
	h, err = b.nextIn(x)
	if err != nil {
		return nil, nil, err
	}
	if !h.is(asn1.ClassUniversal, asn1.TagOctetString) {
		return nil, nil, formatErrorf("CMS signed-data content is not an OCTET STRING")
	}
	if _, err := io.Copy(io.MultiWriter(append(ws, content)...), b.octets(h)); err != nil {
		return nil, nil, err
	}
	for _, f := range []*berFrame{x, eci} {
		if err := b.end(f); err != nil {
			return nil, nil, err
		}
	}
	parts = append(parts, derSeq(mustMarshal(ect)))
	// certificates, crls, signerInfos
	for {
		more, err := b.more(sdf)
		if err != nil {
			return nil, nil, err
		}
		if !more {
			break
		}
		der, err := elementIn(b, sdf)
		if err != nil {
			return nil, nil, err
		}
		parts = append(parts, der)
	}
	for _, f := range []*berFrame{explicit, ci} {
		if err := b.end(f); err != nil {
			return nil, nil, err
		}
	}
	sd, err := parseSignedData(derSeq(parts...))
	if err != nil {
		return nil, nil, err
	}
	if len(sd.signers) == 0 {
		return nil, nil, fmt.Errorf("%w: signed-data without signers", ErrNotSigned)
	}
	digests := map[crypto.Hash][]byte{}
	for h, d := range hashers {
		digests[h] = d.Sum(nil)
	}
	return sd, digests, nil
}

// smallIn reads the next element in f whole and unmarshals it into v.
func smallIn(b *berReader, f *berFrame, v any) error {
	der, err := elementIn(b, f)
	if err != nil {
		return err
	}
	if rest, err := asn1.Unmarshal(der, v); err != nil || len(rest) != 0 {
		return formatErrorf("CMS signed-data: %v", errOr(err, "trailing data"))
	}
	return nil
}

// elementIn reads the next element in f whole, as DER.
func elementIn(b *berReader, f *berFrame) ([]byte, error) {
	h, err := b.nextIn(f)
	if err != nil {
		return nil, err
	}
	return b.element(h, berMaxSmall)
}

// enterIn reads the next element in f, which must be constructed of
// class and tag, and starts walking it.
func enterIn(b *berReader, f *berFrame, class, tag int) (*berFrame, error) {
	h, err := b.nextIn(f)
	if err != nil {
		return nil, err
	}
	if !h.is(class, tag) || !h.constructed {
		return nil, formatErrorf("CMS signed-data: unexpected element (class %d, tag %d)", h.class, h.tag)
	}
	return b.enter(h)
}

// lexReader reads the rest of the input from a lexer, as it was.
type lexReader struct {
	lx   *lexer
	data []byte
	done bool
}

func (r *lexReader) Read(p []byte) (int, error) {
	for len(r.data) == 0 {
		if r.done {
			return 0, io.EOF
		}
		t, err := r.lx.next()
		if err != nil {
			return 0, err
		}
		switch t.kind {
		case tokText, tokEOL:
			r.data = t.data
		default:
			r.done = true
		}
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}
