// SPDX-License-Identifier: Apache-2.0

package mime

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Address is one mailbox: an optional display name and an addr-spec.
//
// Name is the display name as the reader should see it, in UTF-8; it is
// quoted or RFC 2047-encoded as needed when written, and must not contain
// control characters. The zero Name means none. Addr is the addr-spec
// "local@domain" (RFC 5322 §3.4.1) without angle brackets. A domain may be
// given in Unicode; it is written as its IDNA A-label form unless the
// message allows SMTPUTF8. A UTF-8 local part (RFC 6531) is accepted only
// in a message whose SMTPUTF8 field is true.
type Address struct {
	Name string
	Addr string
}

// String returns the address in RFC 5322 form, "Name <local@domain>" or
// just "local@domain" when there is no name. A display name that is not
// plain ASCII is written as RFC 2047 encoded words, and a Unicode domain as
// its A-label. String does not validate; [Message.Validate] does.
func (a Address) String() string {
	toks := a.tokens()
	var b strings.Builder
	for i, t := range toks {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t.s)
	}
	return b.String()
}

// token is one unbreakable piece of a structured header field. word marks
// an RFC 2047 encoded word, whose line must stay within 76 characters.
type token struct {
	s    string
	word bool
}

// tokens renders a as header tokens; the last token carries the
// addr-spec, with a Unicode domain as its A-label.
func (a Address) tokens() []token {
	addr := formatAddrSpec(a.Addr)
	if a.Name == "" {
		return []token{{s: addr}}
	}
	toks := phraseTokens(a.Name)
	return append(toks, token{s: "<" + addr + ">"})
}

// phraseTokens renders a display name: atoms when it is plain ASCII words,
// one quoted string when it is ASCII with specials, encoded words when it
// holds anything else (or text that a reader would take for an encoded
// word).
func phraseTokens(name string) []token {
	if needsEncoding(name) {
		var toks []token
		for _, w := range encodeWords(name, maxWordLen, maxWordLen) {
			toks = append(toks, token{s: w, word: true})
		}
		return toks
	}
	if isAtomPhrase(name) {
		var toks []token
		for _, w := range strings.Split(name, " ") {
			toks = append(toks, token{s: w})
		}
		return toks
	}
	return []token{{s: quoteString(name)}}
}

// isAtomPhrase reports whether name is atoms (RFC 5322 §3.2.3) separated
// by single spaces. A "." makes it false: a phrase with a bare "." is
// obs-phrase (§4.1), which readers accept but writers must not generate,
// so "John Q. Public" is written quoted.
func isAtomPhrase(name string) bool {
	if name == "" {
		return false
	}
	for _, w := range strings.Split(name, " ") {
		if w == "" {
			return false
		}
		for i := 0; i < len(w); i++ {
			if !isAtext(w[i]) {
				return false
			}
		}
	}
	return true
}

// quoteString writes s as an RFC 5322 quoted-string.
func quoteString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// formatAddrSpec writes an addr-spec with the local part quoted when it is
// not a dot-atom and the domain as an A-label when that conversion works.
func formatAddrSpec(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return addr
	}
	local, domain := addr[:at], addr[at+1:]
	if !isDotAtom(local) {
		local = quoteString(local)
	}
	return local + "@" + asciiDomain(domain)
}

// asciiDomain returns the A-label form of a Unicode domain, or domain
// itself when it is ASCII already or does not convert.
func asciiDomain(domain string) string {
	if isASCII(domain) {
		return domain
	}
	a, err := idna.Lookup.ToASCII(domain)
	if err != nil {
		return domain
	}
	return a
}

// isAtext reports whether c is RFC 5322 atext (ASCII part).
func isAtext(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// isDotAtom reports whether s is a dot-atom of atext, where UTF-8
// characters count as atext (RFC 6532 §3.2).
func isDotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '.' && !isAtext(c) && c < utf8.RuneSelf {
			return false
		}
	}
	return utf8.ValidString(s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
