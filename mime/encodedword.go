// SPDX-License-Identifier: Apache-2.0

package mime

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"
)

// maxWordLen is the longest encoded word RFC 2047 §2 allows.
const maxWordLen = 75

// wordOverhead is the length of "=?UTF-8?Q?" plus "?=".
const wordOverhead = 12

// EncodeHeader returns s ready for an unstructured header field body such
// as Subject (RFC 2047). Text that needs no encoding (printable ASCII that
// does not look like an encoded word) comes back unchanged. Anything else
// becomes UTF-8 encoded words in Q or B encoding, whichever is shorter for
// s, each at most 75 characters, never splitting a UTF-8 character
// between two words, separated by CRLF SP so that the result can follow
// "Subject: " as it is. [Message] decodes such a value and encodes it
// again, so that EncodeHeader(s) and s give the same Subject.
//
// Control characters are encoded too, but a [Message] rejects them in any
// header before encoding.
func EncodeHeader(s string) string {
	if !needsEncoding(s) {
		return s
	}
	return strings.Join(encodeWords(s, maxWordLen, maxWordLen), "\r\n ")
}

// needsEncoding reports whether s must be written as encoded words: it
// holds a byte outside printable ASCII and space, or the sequence "=?",
// which a reader could take for the start of an encoded word.
func needsEncoding(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' {
			return true
		}
	}
	return strings.Contains(s, "=?")
}

// qWordSafe marks the octets written literally in a Q-encoded word: the
// set RFC 2047 §5 (3) allows even in a phrase. Space becomes '_'.
var qWordSafe = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "!*+-/" {
		t[c] = true
	}
	return t
}()

// qLen returns the Q-encoded length of b.
func qLen(b string) int {
	n := 0
	for i := 0; i < len(b); i++ {
		if qWordSafe[b[i]] || b[i] == ' ' {
			n++
		} else {
			n += 3
		}
	}
	return n
}

// encodeWords encodes s as UTF-8 encoded words: the first at most first
// characters long, the others at most max. A character too long for the
// first word's room starts the first word anyway.
func encodeWords(s string, first, max int) []string {
	useB := base64.StdEncoding.EncodedLen(len(s)) < qLen(s)
	var words []string
	limit := first
	for len(s) > 0 {
		n := takeRunes(s, limit-wordOverhead, useB)
		if n == 0 {
			n = takeRunes(s, max-wordOverhead, useB)
		}
		if n == 0 {
			_, n = utf8.DecodeRuneInString(s)
		}
		words = append(words, encodeWord(s[:n], useB))
		s = s[n:]
		limit = max
	}
	return words
}

// takeRunes returns how many bytes of s, in whole characters, fit in an
// encoded text of room characters.
func takeRunes(s string, room int, useB bool) int {
	n, q := 0, 0
	for n < len(s) {
		_, size := utf8.DecodeRuneInString(s[n:])
		l := q + qLen(s[n:n+size])
		if useB {
			l = base64.StdEncoding.EncodedLen(n + size)
		}
		if l > room {
			break
		}
		n, q = n+size, l
	}
	return n
}

// encodeWord writes one encoded word holding s.
func encodeWord(s string, useB bool) string {
	var b strings.Builder
	if useB {
		b.WriteString("=?UTF-8?B?")
		b.WriteString(base64.StdEncoding.EncodeToString([]byte(s)))
		b.WriteString("?=")
		return b.String()
	}
	b.WriteString("=?UTF-8?Q?")
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			b.WriteByte('_')
		case qWordSafe[c]:
			b.WriteByte(c)
		default:
			b.WriteByte('=')
			b.WriteByte(upperHex[c>>4])
			b.WriteByte(upperHex[c&15])
		}
	}
	b.WriteString("?=")
	return b.String()
}

const upperHex = "0123456789ABCDEF"
