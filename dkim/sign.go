// SPDX-License-Identifier: Apache-2.0

package dkim

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Signer makes one or more DKIM signatures over a message written to it.
// Write the whole message once (header block, empty line, body), then call
// Close, then prepend Signature to the message as it was written, with bare
// CRs and LFs turned into CRLF (see NewCRLFWriter).
//
// The header block is buffered, up to 1 MiB; the body is hashed as it
// arrives and not kept.
type Signer struct {
	sigs   []*signature
	canons []*bodyCanon
	hdr    headerReader
	err    error
	closed bool
}

// signature is the state of one signature being made.
type signature struct {
	o      SignOptions
	alg    Algorithm
	hash   crypto.Hash
	hc, bc Canonicalization
	bh     *bodyHash
	canon  *bodyCanon
	field  string
}

// minRSABits is the shortest RSA key RFC 8301 lets verifiers accept.
const minRSABits = 1024

// NewSigner returns a Signer for one signature.
func NewSigner(o *SignOptions) (*Signer, error) {
	return NewMultiSigner(o)
}

// NewMultiSigner returns a Signer that makes several signatures, for
// instance one rsa-sha256 and one ed25519-sha256, in one pass over the
// message. Signatures sharing a body canonicalization and hash share the
// work.
func NewMultiSigner(opts ...*SignOptions) (*Signer, error) {
	if len(opts) == 0 {
		return nil, errors.New("dkim: no signature options")
	}
	s := &Signer{}
	type bodyKey struct {
		c Canonicalization
		h crypto.Hash
	}
	canons := map[Canonicalization]*bodyCanon{}
	hashes := map[bodyKey]*bodyHash{}
	for _, o := range opts {
		sig, err := newSignature(o)
		if err != nil {
			return nil, err
		}
		bc := canons[sig.bc]
		if bc == nil {
			bc = newBodyCanon(sig.bc)
			canons[sig.bc] = bc
			s.canons = append(s.canons, bc)
		}
		k := bodyKey{sig.bc, sig.hash}
		if hashes[k] == nil {
			hashes[k] = &bodyHash{h: sig.hash.New(), left: -1}
			bc.hashes = append(bc.hashes, hashes[k])
		}
		sig.bh, sig.canon = hashes[k], bc
		s.sigs = append(s.sigs, sig)
	}
	return s, nil
}

// newSignature checks o and fills in the defaults.
func newSignature(o *SignOptions) (*signature, error) {
	if o == nil {
		return nil, errors.New("dkim: nil SignOptions")
	}
	sig := &signature{o: *o, hc: o.HeaderCanonicalization, bc: o.BodyCanonicalization}
	if err := checkDomain(o.Domain); err != nil {
		return nil, err
	}
	if o.Selector == "" || strings.ContainsAny(o.Selector, " \t\r\n;=") {
		return nil, fmt.Errorf("dkim: invalid selector %q", o.Selector)
	}
	if o.Signer == nil {
		return nil, errors.New("dkim: SignOptions.Signer is nil")
	}
	var err error
	if sig.alg, sig.hash, err = pickAlgorithm(o.Algorithm, o.Signer.Public()); err != nil {
		return nil, err
	}
	if k, ok := o.Signer.Public().(*rsa.PublicKey); ok && k.N.BitLen() < minRSABits {
		return nil, fmt.Errorf("dkim: RSA key of %d bits is too short: verifiers fail keys under "+
			"1024 bits (RFC 8301 section 3.2); use 2048", k.N.BitLen())
	}
	for _, c := range []*Canonicalization{&sig.hc, &sig.bc} {
		switch *c {
		case "":
			*c = Relaxed
		case Simple, Relaxed:
		default:
			return nil, fmt.Errorf("dkim: unknown canonicalization %q", string(*c))
		}
	}
	if o.Identity != "" {
		at := strings.LastIndexByte(o.Identity, '@')
		if at < 0 || !domainWithin(o.Identity[at+1:], o.Domain) ||
			strings.ContainsAny(o.Identity, " \t\r\n;") {
			return nil, fmt.Errorf("dkim: identity %q is not within domain %s", o.Identity, o.Domain)
		}
	}
	if o.HeaderKeys != nil && !hasKey(sig.headerKeys(nil), "from") {
		return nil, errors.New("dkim: HeaderKeys must contain From")
	}
	return sig, nil
}

// pickAlgorithm checks that the algorithm fits the key, choosing one when
// alg is empty.
func pickAlgorithm(alg Algorithm, pub crypto.PublicKey) (Algorithm, crypto.Hash, error) {
	switch pub.(type) {
	case *rsa.PublicKey:
		switch alg {
		case "", RSASHA256:
			return RSASHA256, crypto.SHA256, nil
		case RSASHA1:
			return RSASHA1, crypto.SHA1, nil
		}
	case ed25519.PublicKey:
		if alg == "" || alg == Ed25519SHA256 {
			return Ed25519SHA256, crypto.SHA256, nil
		}
	default:
		return "", 0, fmt.Errorf("dkim: unsupported key type %T", pub)
	}
	return "", 0, fmt.Errorf("dkim: algorithm %q does not fit a %s key", string(alg), keyType(pub))
}

// Write feeds message bytes to the signer.
func (s *Signer) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.closed {
		return 0, errors.New("dkim: write after Close")
	}
	n := len(p)
	if !s.hdr.done {
		k, err := s.hdr.write(p)
		if err != nil {
			s.err = err
			return k, err
		}
		p = p[k:]
	}
	if len(p) > 0 {
		for _, c := range s.canons {
			c.Write(p)
		}
	}
	return n, nil
}

// Close ends the message and computes the signatures. It fails with a
// *DomainError when the From domain is not within a signing domain.
func (s *Signer) Close() error {
	if s.closed || s.err != nil {
		return s.err
	}
	s.closed = true
	s.hdr.close()
	for _, c := range s.canons {
		c.Close()
	}
	fields, err := parseFields(s.hdr.buf)
	if err != nil {
		s.err = err
		return err
	}
	for _, sig := range s.sigs {
		if err := sig.sign(fields); err != nil {
			s.err = err
			return err
		}
	}
	return nil
}

// Signature returns the DKIM-Signature header field (or fields, one per
// signature, the first to be read first), each ending in CRLF, to prepend
// to the message. It is empty until Close has succeeded.
func (s *Signer) Signature() string {
	var b strings.Builder
	for _, f := range s.Signatures() {
		b.WriteString(f)
	}
	return b.String()
}

// Signatures returns the DKIM-Signature header fields one by one, in the
// order of the options given to NewMultiSigner.
func (s *Signer) Signatures() []string {
	if !s.closed || s.err != nil {
		return nil
	}
	out := make([]string, len(s.sigs))
	for i, sig := range s.sigs {
		out[i] = sig.field
	}
	return out
}

// sign checks the From domain and the line lengths, then builds, hashes
// and signs the field.
func (sig *signature) sign(fields []field) error {
	if err := checkFrom(fields, sig.o.Domain); err != nil {
		return err
	}
	if err := checkLineLengths(fields); err != nil {
		return err
	}
	keys := sig.headerKeys(fields)
	bh := base64.StdEncoding.EncodeToString(sig.bh.h.Sum(nil))
	head := sig.fieldHead(keys, bh, sig.canon.n)
	b, err := signHeader(sig.o.Signer, sig.hash, fields, keys, head, sig.hc)
	if err != nil {
		return err
	}
	sig.field = head + foldB64(b, lastLineLen(head)) + "\r\n"
	return nil
}

// signHeader hashes the selected header fields and the signature field
// head (which ends in "b=") and signs the digest.
func signHeader(k crypto.Signer, h crypto.Hash, fields []field, keys []string,
	head string, c Canonicalization) ([]byte, error) {
	d := h.New()
	d.Write(headerHashInput(fields, keys, head, c))
	digest := d.Sum(nil)
	var opts crypto.SignerOpts = h
	if _, ok := k.Public().(ed25519.PublicKey); ok {
		opts = crypto.Hash(0) // RFC 8463: Ed25519 signs the SHA-256 digest
	}
	b, err := k.Sign(rand.Reader, digest, opts)
	if err != nil {
		return nil, fmt.Errorf("dkim: signing: %w", err)
	}
	return b, nil
}

// headerHashInput returns the octets of the header hash (RFC 6376 section
// 3.7): the fields named by keys, each time the last one not yet used,
// then the signature field without its final CRLF.
func headerHashInput(fields []field, keys []string, sigField string, c Canonicalization) []byte {
	var buf []byte
	used := make([]bool, len(fields))
	for _, k := range keys {
		k = strings.ToLower(k)
		for i := len(fields) - 1; i >= 0; i-- {
			if !used[i] && fields[i].key == k {
				used[i] = true
				buf = canonField(buf, fields[i].raw, c)
				break
			}
		}
	}
	buf = canonField(buf, []byte(sigField), c)
	if c == Relaxed {
		buf = buf[:len(buf)-2]
	}
	return buf
}

// headerKeys returns the h= list for a message with these fields.
func (sig *signature) headerKeys(fields []field) []string {
	count := map[string]int{}
	for _, f := range fields {
		count[f.key]++
	}
	var keys []string
	if sig.o.HeaderKeys != nil {
		keys = append(keys, sig.o.HeaderKeys...)
	} else {
		for _, k := range DefaultHeaderKeys {
			for range count[strings.ToLower(k)] {
				keys = append(keys, k)
			}
		}
	}
	if sig.o.Oversign {
		for _, k := range OversignedKeys {
			for n := countKey(keys, k); n <= count[strings.ToLower(k)]; n++ {
				keys = append(keys, k)
			}
		}
	}
	out := keys[:0]
	for _, k := range keys {
		if !sig.excluded(k) {
			out = append(out, strings.ToLower(k))
		}
	}
	return out
}

func (sig *signature) excluded(k string) bool {
	for _, e := range excluded {
		if sig.o.Exclude&e.flag != 0 && strings.EqualFold(k, e.name) {
			return true
		}
	}
	return false
}

func countKey(keys []string, k string) int {
	n := 0
	for _, x := range keys {
		if strings.EqualFold(x, k) {
			n++
		}
	}
	return n
}

func hasKey(keys []string, k string) bool { return countKey(keys, k) > 0 }

// fieldHead writes the signature field up to and including "b=".
func (sig *signature) fieldHead(keys []string, bh string, bodyLen int64) string {
	o := &sig.o
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	t := now().Unix()
	tags := []string{
		"v=1", "a=" + string(sig.alg), "c=" + string(sig.hc) + "/" + string(sig.bc),
		"d=" + o.Domain, "s=" + o.Selector,
	}
	if o.Identity != "" {
		tags = append(tags, "i="+o.Identity)
	}
	tags = append(tags, "t="+strconv.FormatInt(t, 10))
	if o.Expiration > 0 {
		tags = append(tags, "x="+strconv.FormatInt(t+int64(o.Expiration/time.Second), 10))
	}
	if o.BodyLength {
		tags = append(tags, "l="+strconv.FormatInt(bodyLen, 10))
	}
	f := folder{b: []byte("DKIM-Signature:"), col: len("DKIM-Signature:")}
	for _, t := range tags {
		f.word(t + ";")
	}
	for i, k := range keys {
		w := k + ":"
		if i == 0 {
			w = "h=" + w
		}
		if i == len(keys)-1 {
			w = w[:len(w)-1] + ";"
		}
		f.wordJoined(w, i > 0)
	}
	f.word("bh=" + bh + ";")
	f.word("b=")
	return string(f.b)
}
