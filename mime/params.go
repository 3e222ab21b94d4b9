// SPDX-License-Identifier: Apache-2.0

package mime

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// maxParamTok is the longest parameter token written before it is split
// into RFC 2231 continuations, so that " " + token + ";" fits in 78.
const maxParamTok = 72

// paramTokens renders a media-type or disposition parameter. A short
// ASCII value is a token or a quoted string (always quoted for file
// names, which some readers expect); anything else uses RFC 2231
// extended values in UTF-8, split into numbered continuations that never
// cut a character or a %XX escape.
func paramTokens(key, value string) []token {
	if isASCII(value) && !hasControl(value) && len(key)+len(value)+3 <= maxParamTok {
		if isToken(value) && key != "name" && key != "filename" {
			return []token{{s: key + "=" + value}}
		}
		return []token{{s: key + "=" + quoteString(value)}}
	}
	var segs []string
	var cur strings.Builder
	cur.WriteString("utf-8''")
	room := maxParamTok - len(key) - len("*00*=")
	for _, r := range value {
		enc := pctEncode(r)
		if cur.Len()+len(enc) > room {
			segs = append(segs, cur.String())
			cur.Reset()
		}
		cur.WriteString(enc)
	}
	segs = append(segs, cur.String())
	if len(segs) == 1 {
		return []token{{s: key + "*=" + segs[0]}}
	}
	toks := make([]token, len(segs))
	for i, s := range segs {
		toks[i] = token{s: key + "*" + itoa(i) + "*=" + s}
	}
	return toks
}

// pctEncode writes one character as RFC 2231 attribute-chars, escaping
// everything else as %XX.
func pctEncode(r rune) string {
	if r < utf8.RuneSelf && isAttrChar(byte(r)) {
		return string(r)
	}
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	var b strings.Builder
	for _, c := range buf[:n] {
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&15])
	}
	return b.String()
}

// isAttrChar reports an RFC 2231 attribute-char: a token character other
// than '*', '\” and '%'.
func isAttrChar(c byte) bool {
	return isTokenChar(c) && c != '*' && c != '\'' && c != '%'
}

// isTokenChar reports an RFC 2045 token character.
func isTokenChar(c byte) bool {
	return c > ' ' && c < 0x7f && strings.IndexByte("()<>@,;:\\\"/[]?=", c) < 0
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

// mediaTokens renders a media type with its parameters, sorted by name,
// each token but the last followed by ';'.
func mediaTokens(mediatype string, params map[string]string) []token {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	toks := []token{{s: mediatype}}
	for _, k := range keys {
		toks = append(toks, paramTokens(k, params[k])...)
	}
	for i := range toks[:len(toks)-1] {
		toks[i].s += ";"
	}
	return toks
}
