// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"crypto/x509"
	"encoding/asn1"
	"strings"

	"golang.org/x/net/idna"
)

var oidEmailAddress = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}

// NamesAddress reports whether c holds the mail address addr, as an
// rfc822Name in its subjectAltName or as an emailAddress attribute in its
// subject (RFC 8550 §3). Addresses are compared without regard to case,
// with the domain in its IDNA A-label form, which certificates carry
// (RFC 8398 §3).
func NamesAddress(c *x509.Certificate, addr string) bool {
	addr = normAddr(addr)
	for _, e := range c.EmailAddresses {
		if normAddr(e) == addr {
			return true
		}
	}
	for _, n := range c.Subject.Names {
		if v, ok := n.Value.(string); ok && n.Type.Equal(oidEmailAddress) && normAddr(v) == addr {
			return true
		}
	}
	return false
}

// SignedBy reports whether a signer of the message holds addr in its
// certificate. RFC 8550 §3 asks a receiving agent to check that the
// message's From (or Sender) address is one of them: a good signature
// by someone else is not a signature of the sender.
func (v *Verified) SignedBy(addr string) bool {
	for _, s := range v.Signers {
		if NamesAddress(s.Certificate, addr) {
			return true
		}
	}
	return false
}

// normAddr lower-cases addr and turns its domain into A-labels.
func normAddr(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return strings.ToLower(addr)
	}
	domain := addr[at+1:]
	if a, err := idna.Lookup.ToASCII(domain); err == nil {
		domain = a
	}
	return strings.ToLower(addr[:at+1] + domain)
}
