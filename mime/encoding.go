// SPDX-License-Identifier: Apache-2.0

package mime

import (
	"encoding/base64"
	"strings"
)

// encoding is a Content-Transfer-Encoding (RFC 2045 §6).
type encoding int

const (
	encAuto encoding = iota
	enc7bit
	enc8bit
	encQP
	encBase64
)

func (e encoding) String() string {
	switch e {
	case enc7bit:
		return "7bit"
	case enc8bit:
		return "8bit"
	case encQP:
		return "quoted-printable"
	case encBase64:
		return "base64"
	}
	return ""
}

// parseEncoding reads Message.TransferEncoding.
func parseEncoding(s string) (encoding, error) {
	switch strings.ToLower(s) {
	case "":
		return encAuto, nil
	case "7bit":
		return enc7bit, nil
	case "8bit":
		return enc8bit, nil
	case "quoted-printable":
		return encQP, nil
	case "base64":
		return encBase64, nil
	}
	return 0, fieldErr("TransferEncoding", "not one of 7bit, 8bit, quoted-printable, base64")
}

// textStats describes a text body as the encoding choice needs it.
type textStats struct {
	maxLine int  // longest line in octets, line breaks excluded
	nul     bool // holds a NUL
	eight   bool // holds an octet above 127
	ctl     bool // holds a control other than CR, LF and TAB
	escapes int  // octets quoted-printable must escape
}

// scanText measures s with lone CR and LF counted as line breaks, as the
// writer will canonicalize them.
func scanText(s string) textStats {
	var st textStats
	line := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\r' || c == '\n':
			st.maxLine = max(st.maxLine, line)
			line = 0
			continue
		case c == 0:
			st.nul, st.ctl = true, true
		case c >= 0x80:
			st.eight = true
		case c < ' ' && c != '\t' || c == 0x7f:
			st.ctl = true
		}
		if !qpSafe[c] && c != ' ' && c != '\t' {
			st.escapes++
		}
		line++
	}
	st.maxLine = max(st.maxLine, line)
	return st
}

// chooseEncoding picks the encoding of a string text body: the forced one,
// else 7bit when every line is short ASCII without NUL (CASE-11, SEC-29),
// else quoted-printable, or base64 when that is shorter.
func chooseEncoding(forced encoding, s string) encoding {
	if forced != encAuto {
		return forced
	}
	st := scanText(s)
	if !st.eight && !st.ctl && st.maxLine <= maxLine {
		return enc7bit
	}
	if len(s)+2*st.escapes > base64.StdEncoding.EncodedLen(len(s)) {
		return encBase64
	}
	return encQP
}
