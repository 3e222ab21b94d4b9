// SPDX-License-Identifier: Apache-2.0

package dkim

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// VerifyOptions tunes Verify. The zero value (or nil) uses DNS through
// net.DefaultResolver, the system clock and the rules of RFC 8301.
type VerifyOptions struct {
	// Resolver looks up the key records. Nil means net.DefaultResolver;
	// TXTRecords verifies without DNS.
	Resolver TXTResolver
	// Now gives the time that x= is checked against. Nil means time.Now.
	Now func() time.Time
	// AllowSHA1 accepts rsa-sha1 signatures, which RFC 8301 says to fail.
	AllowSHA1 bool
	// MinRSABits is the smallest RSA key accepted. Zero means 1024, the
	// least RFC 8301 allows; smaller values are raised to 1024.
	MinRSABits int
	// MaxSignatures bounds the signatures checked; those after it fail.
	// Zero means 16.
	MaxSignatures int
}

// Verification is the outcome for one DKIM-Signature field, in the order
// the fields appear in the message.
type Verification struct {
	// Err is nil when the signature verifies; otherwise an *Error.
	Err error

	Domain    string    // d=
	Selector  string    // s=
	Identity  string    // i=, or "@" + d= when absent
	Algorithm Algorithm // a=
	// HeaderCanonicalization and BodyCanonicalization are from c=.
	HeaderCanonicalization Canonicalization
	BodyCanonicalization   Canonicalization
	// HeaderKeys is h=, in lower case.
	HeaderKeys []string
	// Time is t= and Expiration x=; each zero when absent.
	Time, Expiration time.Time
	// BodyLength is l=, or -1 when absent (the whole body is signed).
	BodyLength int64
	// Testing is true when the key record says t=y: the domain is testing
	// DKIM and a failure should not be held against the message.
	Testing bool
}

// check is the state of one signature under verification.
type check struct {
	v      *Verification
	raw    string // the field, without its final CRLF
	hash   crypto.Hash
	b, bh  []byte
	canon  *bodyCanon
	bodyH  *bodyHash
	public crypto.PublicKey
}

// Verify reads a message from r and verifies each of its DKIM-Signature
// fields, fetching keys through o.Resolver. The error is non-nil only when
// the message cannot be read or its header block is malformed; the outcome
// of each signature is in its Verification. A message without signatures
// gives an empty slice.
//
// Bare CR and bare LF line endings are read as CRLF, so a message stored
// with LF line endings verifies as sent.
func Verify(ctx context.Context, r io.Reader, o *VerifyOptions) ([]*Verification, error) {
	if o == nil {
		o = &VerifyOptions{}
	}
	buf := make([]byte, 32<<10)
	var hr headerReader
	var rest []byte
	for !hr.done {
		n, err := r.Read(buf)
		k, herr := hr.write(buf[:n])
		if herr != nil {
			return nil, herr
		}
		if hr.done {
			rest = buf[k:n]
		}
		if err == io.EOF {
			hr.close()
		} else if err != nil {
			return nil, err
		}
	}
	fields, err := parseFields(hr.buf)
	if err != nil {
		return nil, err
	}
	checks, vs := parseSignatures(fields, o)
	if len(checks) == 0 {
		return vs, nil
	}
	canons := bodyCanons(checks)
	w := func(p []byte) {
		for _, c := range canons {
			c.Write(p)
		}
	}
	w(rest)
	for {
		n, err := r.Read(buf)
		w(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	for _, c := range canons {
		c.Close()
	}
	for _, c := range checks {
		c.v.Err = c.finish(ctx, fields, o)
	}
	return vs, nil
}

// bodyCanons sets up one canonicalizer per body canonicalization, each
// feeding one hash per signature.
func bodyCanons(checks []*check) []*bodyCanon {
	var canons []*bodyCanon
	byC := map[Canonicalization]*bodyCanon{}
	for _, c := range checks {
		bc := byC[c.v.BodyCanonicalization]
		if bc == nil {
			bc = newBodyCanon(c.v.BodyCanonicalization)
			byC[c.v.BodyCanonicalization] = bc
			canons = append(canons, bc)
		}
		c.bodyH = &bodyHash{h: c.hash.New(), left: c.v.BodyLength}
		c.canon = bc
		bc.hashes = append(bc.hashes, c.bodyH)
	}
	return canons
}

// parseSignatures reads every DKIM-Signature field. It returns the checks
// still to run and the Verification of every field.
func parseSignatures(fields []field, o *VerifyOptions) ([]*check, []*Verification) {
	var checks []*check
	vs := []*Verification{}
	max := o.MaxSignatures
	if max <= 0 {
		max = 16
	}
	for _, f := range fields {
		if f.key != "dkim-signature" {
			continue
		}
		c := &check{v: &Verification{BodyLength: -1}}
		vs = append(vs, c.v)
		if len(vs) > max {
			c.v.Err = permFail("too many signatures", nil)
			continue
		}
		if err := c.parse(f, fields, o); err != nil {
			c.v.Err = err
			continue
		}
		checks = append(checks, c)
	}
	return checks, vs
}

// parse reads the tags of a signature field and checks them (RFC 6376
// section 6.1.1).
func (c *check) parse(f field, fields []field, o *VerifyOptions) *Error {
	c.raw = strings.TrimSuffix(string(f.raw), "\r\n")
	tags, err := parseTagList(c.raw[strings.IndexByte(c.raw, ':')+1:])
	if err != nil {
		return permFail("malformed signature", err)
	}
	v := c.v
	for _, name := range []string{"v", "a", "b", "bh", "d", "h", "s"} {
		if _, ok := tags.get(name); !ok {
			return permFail("signature has no "+name+"= tag", nil)
		}
	}
	if ver, _ := tags.get("v"); ver != "1" {
		return permFail("unsupported signature version "+ver, nil)
	}
	v.Domain, _ = tags.get("d")
	v.Selector, _ = tags.get("s")
	if err := c.parseAlgorithm(tags, o); err != nil {
		return err
	}
	if err := c.parseCanon(tags); err != nil {
		return err
	}
	if err := c.parseHashes(tags); err != nil {
		return err
	}
	if err := c.parseIdentity(tags); err != nil {
		return err
	}
	if err := c.parseNumbers(tags, o); err != nil {
		return err
	}
	h, _ := tags.get("h")
	v.HeaderKeys = splitColon(h)
	return checkFromSigned(v.HeaderKeys, fields)
}

func (c *check) parseAlgorithm(tags tagList, o *VerifyOptions) *Error {
	a, _ := tags.get("a")
	c.v.Algorithm = Algorithm(strings.ToLower(a))
	switch c.v.Algorithm {
	case RSASHA256, Ed25519SHA256:
		c.hash = crypto.SHA256
	case RSASHA1:
		if !o.AllowSHA1 {
			return permFail("rsa-sha1 is not accepted (RFC 8301)", nil)
		}
		c.hash = crypto.SHA1
	default:
		return permFail("unsupported algorithm "+a, nil)
	}
	return nil
}

func (c *check) parseCanon(tags tagList) *Error {
	cv, ok := tags.get("c")
	if !ok {
		cv = "simple/simple"
	}
	hc, bc, _ := strings.Cut(strings.ToLower(cv), "/")
	if bc == "" {
		bc = "simple"
	}
	for _, x := range []string{hc, bc} {
		if x != "simple" && x != "relaxed" {
			return permFail("unknown canonicalization "+cv, nil)
		}
	}
	c.v.HeaderCanonicalization, c.v.BodyCanonicalization = Canonicalization(hc), Canonicalization(bc)
	return nil
}

func (c *check) parseHashes(tags tagList) *Error {
	var err error
	b, _ := tags.get("b")
	if c.b, err = base64.StdEncoding.DecodeString(stripFWS(b)); err != nil || len(c.b) == 0 {
		return permFail("b= is not base64", err)
	}
	bh, _ := tags.get("bh")
	if c.bh, err = base64.StdEncoding.DecodeString(stripFWS(bh)); err != nil || len(c.bh) == 0 {
		return permFail("bh= is not base64", err)
	}
	if q, ok := tags.get("q"); ok && !hasAny(splitColon(q), "dns/txt") {
		return permFail("no supported query method in q="+q, nil)
	}
	return nil
}

func (c *check) parseIdentity(tags tagList) *Error {
	v := c.v
	if err := checkDomain(v.Domain); err != nil {
		return permFail("bad d= domain", nil)
	}
	i, ok := tags.get("i")
	if !ok {
		v.Identity = "@" + v.Domain
		return nil
	}
	v.Identity = i
	at := strings.LastIndexByte(i, '@')
	if at < 0 || !domainWithin(i[at+1:], v.Domain) {
		return permFail("i= is not within d=", nil)
	}
	return nil
}

func (c *check) parseNumbers(tags tagList, o *VerifyOptions) *Error {
	v := c.v
	var t, x int64 = -1, -1
	for _, n := range []struct {
		name string
		dst  *int64
	}{{"t", &t}, {"x", &x}, {"l", &v.BodyLength}} {
		s, ok := tags.get(n.name)
		if !ok {
			continue
		}
		k, err := strconv.ParseInt(s, 10, 64)
		if err != nil || k < 0 {
			return permFail("bad number in "+n.name+"=", nil)
		}
		*n.dst = k
	}
	if t >= 0 {
		v.Time = time.Unix(t, 0)
	}
	if x >= 0 {
		v.Expiration = time.Unix(x, 0)
		if t >= 0 && x < t {
			return permFail("x= is before t=", nil)
		}
		now := time.Now
		if o.Now != nil {
			now = o.Now
		}
		if now().Unix() > x {
			return permFail("signature expired", nil)
		}
	}
	return nil
}

// checkFromSigned fails a signature whose h= does not list From as often
// as the message holds it, so that no From can be added unsigned.
func checkFromSigned(keys []string, fields []field) *Error {
	n := 0
	for _, f := range fields {
		if f.key == "from" {
			n++
		}
	}
	signed := countKey(keys, "from")
	if signed == 0 {
		return permFail("From is not signed", nil)
	}
	if signed < n {
		return permFail("the message has more From fields than are signed", nil)
	}
	return nil
}

// finish checks the body hash, fetches the key and checks the signature.
func (c *check) finish(ctx context.Context, fields []field, o *VerifyOptions) error {
	if c.v.BodyLength > c.canon.n {
		return permFail("l= is longer than the body", nil)
	}
	if !bytes.Equal(c.bodyH.h.Sum(nil), c.bh) {
		return permFail("body hash mismatch", nil)
	}
	pk, err := c.lookup(ctx, o)
	if err != nil {
		return err
	}
	c.v.Testing = pk.testing
	if err := c.checkKey(pk, o); err != nil {
		return err
	}
	head, _ := stripB(c.raw)
	d := c.hash.New()
	d.Write(headerHashInput(fields, c.v.HeaderKeys, head, c.v.HeaderCanonicalization))
	digest := d.Sum(nil)
	switch k := pk.key.(type) {
	case *rsa.PublicKey:
		if rsa.VerifyPKCS1v15(k, c.hash, digest, c.b) != nil {
			return permFail("signature did not verify", nil)
		}
	case ed25519.PublicKey:
		if !ed25519.Verify(k, digest, c.b) {
			return permFail("signature did not verify", nil)
		}
	}
	return nil
}

// checkKey checks that the key fits the signature (RFC 6376 section 6.1.2,
// RFC 8301 section 3.2).
func (c *check) checkKey(pk *publicKey, o *VerifyOptions) *Error {
	switch k := pk.key.(type) {
	case *rsa.PublicKey:
		if c.v.Algorithm == Ed25519SHA256 {
			return permFail("key type rsa does not fit "+string(c.v.Algorithm), nil)
		}
		if k.N.BitLen() < max(o.MinRSABits, minRSABits) {
			return permFail("RSA key of "+strconv.Itoa(k.N.BitLen())+" bits is too short", nil)
		}
	case ed25519.PublicKey:
		if c.v.Algorithm != Ed25519SHA256 {
			return permFail("key type ed25519 does not fit "+string(c.v.Algorithm), nil)
		}
	}
	hashName := "sha256"
	if c.hash == crypto.SHA1 {
		hashName = "sha1"
	}
	if pk.hashes != nil && !hasAny(pk.hashes, hashName) {
		return permFail("key does not allow "+hashName+" (h=)", nil)
	}
	if pk.strict {
		at := strings.LastIndexByte(c.v.Identity, '@')
		if !strings.EqualFold(strings.TrimSuffix(c.v.Identity[at+1:], "."), strings.TrimSuffix(c.v.Domain, ".")) {
			return permFail("key requires i= domain to equal d= (t=s)", nil)
		}
	}
	return nil
}

// lookup fetches and parses the key record.
func (c *check) lookup(ctx context.Context, o *VerifyOptions) (*publicKey, *Error) {
	res := o.Resolver
	if res == nil {
		res = net.DefaultResolver
	}
	name := c.v.Selector + "._domainkey." + c.v.Domain
	txts, err := res.LookupTXT(ctx, name)
	if err != nil {
		var de *net.DNSError
		if errors.As(err, &de) && de.IsNotFound {
			return nil, permFail("no key record at "+name, err)
		}
		return nil, tempFail("key lookup for "+name+" failed", err)
	}
	if len(txts) == 0 {
		return nil, permFail("no key record at "+name, nil)
	}
	var first *Error
	for _, t := range txts {
		pk, err := parseKeyRecord(t)
		if err == nil {
			return pk, nil
		}
		if first == nil {
			first = err
		}
	}
	return nil, first
}
