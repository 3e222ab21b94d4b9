// SPDX-License-Identifier: Apache-2.0

package saslmech

import (
	"errors"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/bidi"
	"golang.org/x/text/unicode/norm"
)

// errProhibited is returned by saslprep for a string with a character that
// RFC 4013 section 2.3 prohibits; the caller wraps it in a CredentialError.
var errProhibited = errors.New("contains a character SASLprep prohibits")

var errBidi = errors.New("mixes right-to-left and left-to-right text (RFC 3454 section 6)")

// saslprep prepares a SCRAM username or password (RFC 4013, as a query:
// unassigned code points are let through, RFC 5802 section 2.2).
func saslprep(s string) (string, error) {
	if isPrintableASCII(s) {
		return s, nil
	}
	if !utf8.ValidString(s) {
		return "", errors.New("is not valid UTF-8")
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case mappedToNothing(r):
		case nonASCIISpace(r):
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	out := norm.NFKC.String(b.String())
	for _, r := range out {
		if prohibited(r) {
			return "", errProhibited
		}
	}
	if err := checkBidi(out); err != nil {
		return "", err
	}
	return out, nil
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// mappedToNothing is RFC 3454 table B.1.
func mappedToNothing(r rune) bool {
	switch {
	case r == 0x00ad, r == 0x034f, r == 0x1806, r >= 0x180b && r <= 0x180d,
		r >= 0x200b && r <= 0x200d, r == 0x2060, r >= 0xfe00 && r <= 0xfe0f, r == 0xfeff:
		return true
	}
	return false
}

// nonASCIISpace is RFC 3454 table C.1.2.
func nonASCIISpace(r rune) bool {
	switch {
	case r == 0x00a0, r == 0x1680, r >= 0x2000 && r <= 0x200b, r == 0x202f,
		r == 0x205f, r == 0x3000:
		return true
	}
	return false
}

// prohibited covers RFC 3454 tables C.1.2 and C.2 to C.9, as RFC 4013
// section 2.3 lists them.
func prohibited(r rune) bool {
	switch {
	case nonASCIISpace(r),
		r < 0x20, r >= 0x7f && r <= 0x9f, // C.2.1, C.2.2
		r == 0x06dd, r == 0x070f, r == 0x180e, r == 0x200c, r == 0x200d,
		r == 0x2028, r == 0x2029, r >= 0x2060 && r <= 0x2063,
		r >= 0x206a && r <= 0x206f, r == 0xfeff, r >= 0xfff9 && r <= 0xfffd, // C.2.2, C.6
		r >= 0x1d173 && r <= 0x1d17a,
		r >= 0xe000 && r <= 0xf8ff, r >= 0xf0000, // C.3 and the planes above
		r >= 0xfdd0 && r <= 0xfdef, r&0xfffe == 0xfffe, // C.4
		r >= 0xd800 && r <= 0xdfff, // C.5
		r >= 0x2ff0 && r <= 0x2ffb, // C.7
		r == 0x0340, r == 0x0341, r == 0x200e, r == 0x200f,
		r >= 0x202a && r <= 0x202e,                 // C.8
		r == 0xe0001, r >= 0xe0020 && r <= 0xe007f: // C.9
		return true
	}
	return false
}

// checkBidi applies RFC 3454 section 6: a string with right-to-left
// characters has no left-to-right ones, and starts and ends with one.
func checkBidi(s string) error {
	var hasRAL, hasL bool
	for _, r := range s {
		switch bidiClass(r) {
		case bidi.R, bidi.AL:
			hasRAL = true
		case bidi.L:
			hasL = true
		}
	}
	if !hasRAL {
		return nil
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	if hasL || !isRAL(first) || !isRAL(last) {
		return errBidi
	}
	return nil
}

func bidiClass(r rune) bidi.Class {
	p, _ := bidi.LookupRune(r)
	return p.Class()
}

func isRAL(r rune) bool {
	c := bidiClass(r)
	return c == bidi.R || c == bidi.AL
}
