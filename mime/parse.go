// SPDX-License-Identifier: Apache-2.0

package mime

import (
	"fmt"
	"io"
	stdmime "mime"
	"net/netip"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/encoding/htmlindex"
)

// ParseAddress parses one mailbox, "Name <local@domain>", "<local@domain>"
// or "local@domain", strictly.
//
// The parser accepts a subset of RFC 5322 §3.4 chosen so that every input
// has exactly one reading: a display name of atoms, quoted strings and RFC
// 2047 encoded words (decoded into Name); an addr-spec whose local part is
// a dot-atom or a quoted string without backslash escapes; a domain that
// is a host name (Unicode allowed, checked with IDNA) or an address
// literal such as [192.0.2.1]. It rejects comments, groups, obsolete
// routes, any control character (CR, LF and NUL included), trailing text,
// and a local part that starts with "-", which a sendmail command line
// would read as an option (SEC-24). Inputs such as
// "alice@example.org)<bob@example.org>" and "a@b@c" are errors, never a
// guess.
func ParseAddress(s string) (Address, error) {
	p := &addrParser{s: s}
	if !utf8.ValidString(s) {
		// A byte that is not UTF-8 has no reading that survives being
		// written and parsed again (found by FuzzParseAddress).
		return Address{}, p.errorf("the address is not valid UTF-8")
	}
	a, err := p.address()
	if err != nil {
		return Address{}, err
	}
	p.skipWSP()
	if !p.end() {
		return Address{}, p.errorf("unexpected %q after the address", p.peek())
	}
	return a, nil
}

// ParseAddressList parses a comma-separated list of mailboxes with the
// rules of [ParseAddress]. An empty or blank list is an error.
func ParseAddressList(s string) ([]Address, error) {
	p := &addrParser{s: s}
	if !utf8.ValidString(s) {
		return nil, p.errorf("the address list is not valid UTF-8")
	}
	var list []Address
	for {
		a, err := p.address()
		if err != nil {
			return nil, err
		}
		list = append(list, a)
		p.skipWSP()
		if p.end() {
			return list, nil
		}
		if p.peek() != ',' {
			return nil, p.errorf("unexpected %q after an address", p.peek())
		}
		p.pos++
	}
}

// checkAddrValue checks the Addr of an [Address]: local@domain where the
// local part is given unquoted (as ParseAddress returns it) and may hold
// any printable ASCII but '"' and '\\', or UTF-8.
func checkAddrValue(addr string) error {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return fieldErr("address", "missing '@'")
	}
	local, domain := addr[:at], addr[at+1:]
	if err := checkLocal(local); err != nil {
		return err
	}
	if strings.ContainsAny(local, "\"\\@") {
		return fieldErr("address", "quote, backslash or @ in local part")
	}
	if strings.HasPrefix(domain, "[") && strings.HasSuffix(domain, "]") {
		return checkLiteral(domain)
	}
	return checkDomain(domain)
}

type addrParser struct {
	s   string
	pos int
}

func (p *addrParser) end() bool  { return p.pos >= len(p.s) }
func (p *addrParser) peek() byte { return p.s[p.pos] }

func (p *addrParser) errorf(format string, args ...any) error {
	return &Error{Field: "address", Reason: fmt.Sprintf(format, args...) +
		fmt.Sprintf(" at offset %d", p.pos)}
}

func (p *addrParser) skipWSP() {
	for !p.end() && (p.peek() == ' ' || p.peek() == '\t') {
		p.pos++
	}
}

// address parses one mailbox: a bare addr-spec when that reading consumes
// everything up to the next comma, otherwise a phrase and an angle-addr.
func (p *addrParser) address() (Address, error) {
	p.skipWSP()
	start := p.pos
	if addr, err := p.addrSpec(); err == nil {
		rest := p.pos
		p.skipWSP()
		if p.end() || p.peek() == ',' {
			p.pos = rest
			return Address{Addr: addr}, nil
		}
	}
	p.pos = start
	name, err := p.phrase()
	if err != nil {
		return Address{}, err
	}
	if p.end() || p.peek() != '<' {
		if p.end() {
			return Address{}, p.errorf("missing address")
		}
		return Address{}, p.errorf("unexpected %q", p.peek())
	}
	p.pos++
	addr, err := p.addrSpec()
	if err != nil {
		return Address{}, err
	}
	if p.end() || p.peek() != '>' {
		return Address{}, p.errorf("missing '>'")
	}
	p.pos++
	return Address{Name: name, Addr: addr}, nil
}

// phrase parses an optional display name up to '<' and returns it with
// encoded words decoded, white space runs collapsed to one space, and the
// white space between two adjacent encoded words dropped (RFC 2047 §6.2).
func (p *addrParser) phrase() (string, error) {
	var b strings.Builder
	prevWord := false
	for {
		p.skipWSP()
		if p.end() || p.peek() == '<' {
			break
		}
		var w string
		var isWord bool
		var err error
		if p.peek() == '"' {
			w, err = p.quoted()
		} else {
			w, isWord, err = p.phraseAtom()
		}
		if err != nil {
			return "", err
		}
		if b.Len() > 0 && !(prevWord && isWord) {
			b.WriteByte(' ')
		}
		b.WriteString(w)
		prevWord = isWord
	}
	return b.String(), nil
}

// wordDecoder decodes RFC 2047 words in any charset the WHATWG encoding
// index knows (ISO-8859-x, windows-125x, KOI8, Shift_JIS, ...).
var wordDecoder = &stdmime.WordDecoder{CharsetReader: charsetReader}

func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(charset)
	if err != nil {
		return nil, err
	}
	return enc.NewDecoder().Reader(input), nil
}

// phraseAtom parses an atom of a display name, decoding it when it is an
// RFC 2047 encoded word, which isWord then reports. A decoded word must
// not bring in control characters.
func (p *addrParser) phraseAtom() (w string, isWord bool, err error) {
	start := p.pos
	for !p.end() && (isAtext(p.peek()) || p.peek() == '.' || p.peek() >= utf8.RuneSelf) {
		p.pos++
	}
	if p.pos == start {
		return "", false, p.errorf("unexpected %q", p.peek())
	}
	w = p.s[start:p.pos]
	if !utf8.ValidString(w) {
		return "", false, p.errorf("invalid UTF-8")
	}
	if !strings.HasPrefix(w, "=?") || !strings.HasSuffix(w, "?=") {
		return w, false, nil
	}
	d, err := wordDecoder.Decode(w)
	if err != nil {
		return "", false, p.errorf("bad encoded word: %v", err)
	}
	if hasControl(d) || !utf8.ValidString(d) {
		return "", false, p.errorf("encoded word decodes to a control character")
	}
	return d, true, nil
}

// quoted parses a quoted string. Backslash escapes are allowed in display
// names; the returned text is unescaped.
func (p *addrParser) quoted() (string, error) {
	p.pos++ // opening quote
	var b strings.Builder
	for !p.end() {
		c := p.peek()
		switch {
		case c == '"':
			p.pos++
			return b.String(), nil
		case c == '\\':
			p.pos++
			if p.end() || isControlByte(p.peek()) {
				return "", p.errorf("bad escape in quoted string")
			}
			b.WriteByte(p.peek())
		case isControlByte(c):
			return "", p.errorf("control character in quoted string")
		default:
			b.WriteByte(c)
		}
		p.pos++
	}
	return "", p.errorf("unterminated quoted string")
}

// addrSpec parses local@domain and returns it with a quoted local part
// unquoted.
func (p *addrParser) addrSpec() (string, error) {
	local, err := p.localPart()
	if err != nil {
		return "", err
	}
	if p.end() || p.peek() != '@' {
		return "", p.errorf("missing '@'")
	}
	p.pos++
	domain, err := p.domain()
	if err != nil {
		return "", err
	}
	return local + "@" + domain, nil
}

func (p *addrParser) localPart() (string, error) {
	start := p.pos
	var local string
	if !p.end() && p.peek() == '"' {
		p.pos++
		for !p.end() && p.peek() != '"' {
			c := p.peek()
			if c == '\\' || (isControlByte(c) && c != ' ') || c == '\t' {
				return "", p.errorf("quoted local part may hold only printable characters without escapes")
			}
			p.pos++
		}
		if p.end() {
			return "", p.errorf("unterminated quoted local part")
		}
		local = p.s[start+1 : p.pos]
		p.pos++
	} else {
		for !p.end() && (isAtext(p.peek()) || p.peek() == '.' || p.peek() >= utf8.RuneSelf) {
			p.pos++
		}
		local = p.s[start:p.pos]
		if !isDotAtom(local) {
			return "", p.errorf("bad local part")
		}
	}
	return local, checkLocal(local)
}

// checkLocal applies the rules every local part must meet, however it was
// written.
func checkLocal(local string) error {
	switch {
	case local == "":
		return fieldErr("address", "empty local part")
	case len(local) > 64:
		return fieldErr("address", "local part longer than 64 octets")
	case local[0] == '-':
		return fieldErr("address", "local part starts with '-'")
	case !utf8.ValidString(local):
		return fieldErr("address", "local part is not valid UTF-8")
	case hasControl(local):
		return fieldErr("address", "control character in local part")
	}
	return nil
}

func (p *addrParser) domain() (string, error) {
	start := p.pos
	if !p.end() && p.peek() == '[' {
		end := strings.IndexByte(p.s[p.pos:], ']')
		if end < 0 {
			return "", p.errorf("unterminated address literal")
		}
		p.pos += end + 1
		lit := p.s[start:p.pos]
		if err := checkLiteral(lit); err != nil {
			return "", err
		}
		return lit, nil
	}
	for !p.end() && (isLetDigHyp(p.peek()) || p.peek() == '.' || p.peek() >= utf8.RuneSelf) {
		p.pos++
	}
	d := p.s[start:p.pos]
	return d, checkDomain(d)
}

// checkLiteral accepts [IPv4] and [IPv6:addr] (RFC 5321 §4.1.3).
func checkLiteral(lit string) error {
	in := lit[1 : len(lit)-1]
	if v6, ok := strings.CutPrefix(in, "IPv6:"); ok {
		if a, err := netip.ParseAddr(v6); err == nil && a.Is6() && !a.Is4In6() {
			return nil
		}
	} else if a, err := netip.ParseAddr(in); err == nil && a.Is4() {
		return nil
	}
	return fieldErr("address", "bad address literal")
}

// checkDomain accepts a host name of letters, digits and hyphens in
// labels of 1 to 63 octets (RFC 5321 §4.1.2), or a Unicode name that IDNA
// converts to one.
func checkDomain(d string) error {
	if d == "" {
		return fieldErr("address", "empty domain")
	}
	a := d
	if !isASCII(d) {
		var err error
		if a, err = idna.Lookup.ToASCII(d); err != nil {
			return fieldErr("address", "domain is not a valid IDNA name")
		}
	}
	if len(a) > 253 {
		return fieldErr("address", "domain longer than 253 octets")
	}
	for _, l := range strings.Split(a, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return fieldErr("address", "bad domain label")
		}
		for i := 0; i < len(l); i++ {
			if !isLetDigHyp(l[i]) {
				return fieldErr("address", "bad character in domain")
			}
		}
	}
	return nil
}

func isLetDigHyp(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-'
}

// isControlByte reports an ASCII control character or DEL.
func isControlByte(c byte) bool { return c < 0x20 || c == 0x7f }

// hasControl reports whether s holds an ASCII control character (TAB
// included) or DEL.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if isControlByte(s[i]) {
			return true
		}
	}
	return false
}
