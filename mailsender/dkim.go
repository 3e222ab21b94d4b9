// SPDX-License-Identifier: Apache-2.0

package mailsender

import (
	"crypto"
	"os"
	"strings"

	"github.com/mailwright/mailwright/dkim"
)

// DKIM holds what SendCertified signs with (RFC 6376). The key comes from
// Signer, KeyFile or PFXFile, in that order of preference.
type DKIM struct {
	// Signer is the private key (RSA or Ed25519).
	Signer crypto.Signer
	// KeyFile names a PEM private key (PKCS#1, PKCS#8 or Ed25519 seed).
	KeyFile string
	// PFXFile names a PKCS#12 (.pfx, .p12) file holding the key, as classic
	// components used; PFXPassword opens it.
	PFXFile     string
	PFXPassword string

	// Domain is the signing domain (d=). The From address must be in it or
	// in one of its subdomains. Required.
	Domain string
	// Selector names the key's DNS record, selector._domainkey.Domain (s=).
	// Required.
	Selector string
	// Flags leave header fields out of the signature, as the classic
	// component's flags argument did (Date, Message-ID, List-Unsubscribe,
	// List-Unsubscribe-Post, Feedback-ID). Zero signs them all.
	Flags dkim.Flags
	// Canonicalization is "relaxed/relaxed" (the default when empty),
	// "simple/simple", "relaxed/simple" or "simple/relaxed" (c=).
	Canonicalization string
	// Algorithm is the a= tag: empty picks rsa-sha256 for an RSA key and
	// ed25519-sha256 (RFC 8463) for an Ed25519 key. "rsa-sha1" reproduces
	// the classic component's signature (with "simple/simple"), but
	// RFC 8301 forbids it and receivers reject it: use it only to compare.
	Algorithm string
}

// options validates d for a message from fromAddr and returns the dkim
// package's signing options.
func (d *DKIM) options(fromAddr string) (*dkim.SignOptions, error) {
	switch {
	case d.Domain == "" || hasCtl(d.Domain) || strings.ContainsAny(d.Domain, " ;="):
		return nil, fieldErr("DKIM.Domain", "is empty or not a domain name")
	case d.Selector == "" || hasCtl(d.Selector) || strings.ContainsAny(d.Selector, " ;="):
		return nil, fieldErr("DKIM.Selector", "is empty or not a DNS label")
	case !inDomain(fromAddr, d.Domain):
		return nil, fieldErr("DKIM.Domain", "does not match the From address's domain")
	}
	o := &dkim.SignOptions{Domain: d.Domain, Selector: d.Selector, Exclude: d.Flags}
	switch a := dkim.Algorithm(strings.ToLower(d.Algorithm)); a {
	case "", dkim.RSASHA256, dkim.Ed25519SHA256, dkim.RSASHA1:
		o.Algorithm = a
	default:
		return nil, fieldErr("DKIM.Algorithm", "is not rsa-sha256, ed25519-sha256 or rsa-sha1")
	}
	if err := d.setCanon(o); err != nil {
		return nil, err
	}
	signer, err := d.key()
	if err != nil {
		return nil, err
	}
	o.Signer = signer
	return o, nil
}

// key returns the signing key from wherever d names it.
func (d *DKIM) key() (crypto.Signer, error) {
	switch {
	case d.Signer != nil:
		return d.Signer, nil
	case d.KeyFile != "":
		data, err := os.ReadFile(d.KeyFile)
		if err == nil {
			var k crypto.Signer
			if k, err = dkim.LoadKey(data); err == nil {
				return k, nil
			}
		}
		return nil, &FieldError{Field: "DKIM.KeyFile", Err: err}
	case d.PFXFile != "":
		data, err := os.ReadFile(d.PFXFile)
		if err == nil {
			var k crypto.Signer
			if k, err = dkim.LoadPKCS12(data, d.PFXPassword); err == nil {
				return k, nil
			}
		}
		return nil, &FieldError{Field: "DKIM.PFXFile", Err: err}
	}
	return nil, fieldErr("DKIM.Signer", "is nil and neither KeyFile nor PFXFile is set")
}

// inDomain reports whether addr's domain is domain or one of its
// subdomains (the alignment DMARC calls relaxed).
func inDomain(addr, domain string) bool {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return false
	}
	a := strings.ToLower(strings.TrimSuffix(addr[at+1:], "."))
	d := strings.ToLower(strings.TrimSuffix(domain, "."))
	return a == d || strings.HasSuffix(a, "."+d)
}

// setCanon parses Canonicalization into o.
func (d *DKIM) setCanon(o *dkim.SignOptions) error {
	c := strings.ToLower(d.Canonicalization)
	if c == "" {
		c = "relaxed/relaxed"
	}
	h, b, ok := strings.Cut(c, "/")
	if !ok {
		b = "simple" // RFC 6376 section 3.5: "c=relaxed" means relaxed/simple
	}
	for _, v := range []string{h, b} {
		if v != string(dkim.Simple) && v != string(dkim.Relaxed) {
			return fieldErr("DKIM.Canonicalization", "is not simple/simple, relaxed/relaxed, "+
				"relaxed/simple or simple/relaxed")
		}
	}
	o.HeaderCanonicalization = dkim.Canonicalization(h)
	o.BodyCanonicalization = dkim.Canonicalization(b)
	return nil
}
