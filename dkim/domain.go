// SPDX-License-Identifier: Apache-2.0

package dkim

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"strings"
)

// DomainError reports a signing domain that is neither the domain of the
// From address nor a parent of it (RFC 6376 section 3.10 leaves this to
// policy; receivers applying DMARC require it).
type DomainError struct {
	Domain string // the signing domain, d=
	From   string // the From address
}

func (e *DomainError) Error() string {
	if e.From == "" {
		return "dkim: message has no From address to match domain " + e.Domain
	}
	return fmt.Sprintf("dkim: signing domain %s does not match From address %s", e.Domain, e.From)
}

// checkDomain checks the syntax of a signing domain.
func checkDomain(d string) error {
	if d == "" {
		return fmt.Errorf("dkim: empty signing domain")
	}
	for _, label := range strings.Split(strings.TrimSuffix(d, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("dkim: invalid signing domain %q", d)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(isAlpha(c) || '0' <= c && c <= '9' || c == '-' || c == '_' || c >= 0x80) {
				return fmt.Errorf("dkim: invalid signing domain %q", d)
			}
		}
	}
	return nil
}

// domainWithin reports whether sub is parent or a subdomain of it,
// ignoring case and a final dot.
func domainWithin(sub, parent string) bool {
	sub = strings.ToLower(strings.TrimSuffix(sub, "."))
	parent = strings.ToLower(strings.TrimSuffix(parent, "."))
	return sub == parent || strings.HasSuffix(sub, "."+parent)
}

// addressParser reads From addresses whatever the charset of encoded words
// in their display names: only the address matters here.
var addressParser = mail.AddressParser{WordDecoder: &mime.WordDecoder{
	CharsetReader: func(_ string, r io.Reader) (io.Reader, error) { return r, nil },
}}

// checkFrom checks that the message has exactly one From field and that
// each of its addresses is within domain.
func checkFrom(fields []field, domain string) error {
	var from *field
	for i := range fields {
		if fields[i].key == "from" {
			if from != nil {
				return fmt.Errorf("dkim: message has more than one From field")
			}
			from = &fields[i]
		}
	}
	if from == nil {
		return &DomainError{Domain: domain}
	}
	colon := bytes.IndexByte(from.raw, ':')
	v := string(appendRelaxedValue(nil, from.raw[colon+1:]))
	list, err := addressParser.ParseList(v)
	if err != nil || len(list) == 0 {
		return fmt.Errorf("dkim: cannot read the From address %q: %v", v, err)
	}
	for _, a := range list {
		at := strings.LastIndexByte(a.Address, '@')
		if !domainWithin(a.Address[at+1:], domain) {
			return &DomainError{Domain: domain, From: a.Address}
		}
	}
	return nil
}
