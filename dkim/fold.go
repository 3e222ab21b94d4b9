// SPDX-License-Identifier: Apache-2.0

package dkim

import (
	"encoding/base64"
	"strings"
)

// lineMax is the column the signature field is folded at.
const lineMax = 78

// folder writes a header field value word by word, folding with CRLF SP
// before a word that would pass lineMax.
type folder struct {
	b   []byte
	col int
}

// word adds a word preceded by a space (or a fold).
func (f *folder) word(w string) {
	if f.col+1+len(w) > lineMax {
		f.b = append(f.b, "\r\n "...)
		f.col = 1
	} else {
		f.b = append(f.b, ' ')
		f.col++
	}
	f.b = append(f.b, w...)
	f.col += len(w)
}

// wordJoined adds a word with no space before it, unless it needs a fold;
// joined false makes it an ordinary word.
func (f *folder) wordJoined(w string, joined bool) {
	if !joined {
		f.word(w)
		return
	}
	if f.col+len(w) > lineMax {
		f.b = append(f.b, "\r\n "...)
		f.col = 1
	}
	f.b = append(f.b, w...)
	f.col += len(w)
}

// foldB64 encodes sig in base64, folded so that its first line fits after
// col columns and the following ones within lineMax.
func foldB64(sig []byte, col int) string {
	s := base64.StdEncoding.EncodeToString(sig)
	var b strings.Builder
	room := max(lineMax-col, 8)
	for len(s) > room {
		b.WriteString(s[:room])
		b.WriteString("\r\n ")
		s = s[room:]
		room = lineMax - 1
	}
	b.WriteString(s)
	return b.String()
}

func lastLineLen(s string) int {
	return len(s) - strings.LastIndexByte(s, '\n') - 1
}
