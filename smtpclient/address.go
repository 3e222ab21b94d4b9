// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"strings"
	"unicode/utf8"
)

// maxPath is the longest reverse-path or forward-path, brackets included
// (RFC 5321 section 4.5.3.1.3).
const maxPath = 256

// checkAddress checks a mailbox against RFC 5321 section 4.1.2 (Mailbox =
// Local-part "@" ( Domain / address-literal )), widened by RFC 6531 to
// UTF-8. empty allows the null reverse-path "". It reports whether the
// address needs SMTPUTF8. Errors name field, never the value (SEC-16).
func checkAddress(field, a string, empty bool) (needUTF8 bool, err error) {
	if a == "" {
		if empty {
			return false, nil
		}
		return false, &ArgumentError{Field: field, Reason: "is empty"}
	}
	if len(a)+2 > maxPath {
		return false, &ArgumentError{Field: field, Reason: "is longer than 254 octets"}
	}
	for i := 0; i < len(a); i++ {
		switch b := a[i]; {
		case b < 0x20 || b == 0x7f:
			return false, &ArgumentError{Field: field, Reason: "contains a control character"}
		case b >= 0x80:
			needUTF8 = true
		}
	}
	if needUTF8 && !utf8.ValidString(a) {
		return false, &ArgumentError{Field: field, Reason: "is not valid UTF-8"}
	}
	at := strings.LastIndexByte(a, '@')
	if at <= 0 || at == len(a)-1 {
		return false, &ArgumentError{Field: field, Reason: "is not of the form local-part@domain"}
	}
	if !validLocalPart(a[:at]) {
		return false, &ArgumentError{Field: field, Reason: "has a local part outside the RFC 5321 grammar"}
	}
	if !validDomain(a[at+1:]) {
		return false, &ArgumentError{Field: field, Reason: "has a domain outside the RFC 5321 grammar"}
	}
	return needUTF8, nil
}

// validLocalPart checks a Dot-string or a Quoted-string.
func validLocalPart(s string) bool {
	if s[0] == '"' {
		return validQuoted(s)
	}
	for atom := range strings.SplitSeq(s, ".") {
		if atom == "" {
			return false
		}
		for i := 0; i < len(atom); i++ {
			if !isAtext(atom[i]) {
				return false
			}
		}
	}
	return true
}

// isAtext reports whether b may appear in an Atom (RFC 5322 atext, plus the
// octets of UTF-8 sequences per RFC 6531).
func isAtext(b byte) bool {
	switch {
	case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9', b >= 0x80:
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", b) >= 0
}

// validQuoted checks a Quoted-string: DQUOTE *( qtextSMTP / quoted-pairSMTP )
// DQUOTE, with qtextSMTP %d32-33 / %d35-91 / %d93-126 and UTF-8.
func validQuoted(s string) bool {
	if len(s) < 2 || s[len(s)-1] != '"' {
		return false
	}
	body := s[1 : len(s)-1]
	for i := 0; i < len(body); i++ {
		switch b := body[i]; {
		case b == '\\':
			i++
			if i == len(body) || body[i] < 32 || body[i] > 126 {
				return false
			}
		case b == '"':
			return false
		case b < 32 || b == 127:
			return false
		}
	}
	return true
}

// validDomain checks a Domain (dot-separated labels of letters, digits and
// hyphens, or U-labels in UTF-8) or an address-literal in brackets.
func validDomain(d string) bool {
	if d[0] == '[' {
		if len(d) < 3 || d[len(d)-1] != ']' {
			return false
		}
		for i := 1; i < len(d)-1; i++ {
			if b := d[i]; b < 33 || b > 126 || b == '[' || b == '\\' || b == ']' {
				return false
			}
		}
		return true
	}
	for label := range strings.SplitSeq(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			b := label[i]
			if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b >= 0x80) {
				return false
			}
		}
	}
	return true
}

// checkDomainArg checks a name sent with EHLO or HELO: a domain or an
// address literal, ASCII only.
func checkDomainArg(field, s string) error {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 || b >= 0x7f {
			return &ArgumentError{Field: field, Reason: "contains a control or non-ASCII character"}
		}
	}
	if s == "" || len(s) > 255 || !validDomain(s) {
		return &ArgumentError{Field: field, Reason: "is not a domain name or address literal"}
	}
	return nil
}

// xtext encodes s for ENVID and ORCPT (RFC 3461 section 4): octets 33 to
// 126 except "+" and "=" stand for themselves, others become "+HH".
func xtext(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 33 && c <= 126 && c != '+' && c != '=' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('+')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
