// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// encodeSplit runs in through a bodyEncoder, cut into writes at the given
// offsets, and returns what reached the sink.
func encodeSplit(in string, cuts []int, stuff, allow8, reject bool) (string, error) {
	var out bytes.Buffer
	e := newBodyEncoder(&out, stuff, allow8, reject)
	prev := 0
	for _, c := range append(cuts, len(in)) {
		if _, err := e.Write([]byte(in[prev:c])); err != nil {
			return out.String(), err
		}
		prev = c
	}
	err := e.close()
	return out.String(), err
}

// wireOK reports why wire is not a well-formed DATA stream, or "".
func wireOK(wire string) string {
	for i := 0; i < len(wire); i++ {
		switch {
		case wire[i] == '\r' && (i+1 == len(wire) || wire[i+1] != '\n'):
			return "bare CR on the wire"
		case wire[i] == '\n' && (i == 0 || wire[i-1] != '\r'):
			return "bare LF on the wire"
		}
	}
	if !strings.HasSuffix(wire, ".\r\n") {
		return "no terminating dot"
	}
	return ""
}

// unstuff undoes dot-stuffing (RFC 5321 section 4.5.2) the way a server
// does: strip the terminator, then one leading dot per line.
func unstuff(wire string) string {
	body := strings.TrimSuffix(wire, ".\r\n")
	lines := strings.SplitAfter(body, "\r\n")
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, ".")
	}
	return strings.Join(lines, "")
}

// canonical is the reference for what a message becomes: every CRLF, bare
// CR and bare LF is one CRLF, and a last line without one gets it.
func canonical(in string) string {
	s := strings.ReplaceAll(in, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	if s != "" && !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	return strings.ReplaceAll(s, "\n", "\r\n")
}

// SEC-25, SEC-26, SEC-27, SEC-28, CASE-17, CASE-18: smuggling sequences,
// bare line ends and leading dots. Every cut of the input into two writes,
// and a write per octet, give the same wire bytes.
func TestBodyEncoderDATA(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id, in, want string
	}{
		{"SEC-25", "A\n.\nMAIL FROM:<x@evil>\n", "A\r\n..\r\nMAIL FROM:<x@evil>\r\n.\r\n"},
		{"SEC-26 LF.CRLF", "A\n.\r\nB", "A\r\n..\r\nB\r\n.\r\n"},
		{"SEC-26 CRLF.LF", "A\r\n.\nB", "A\r\n..\r\nB\r\n.\r\n"},
		{"SEC-27 CR.CR", "A\r.\rB", "A\r\n..\r\nB\r\n.\r\n"},
		{"SEC-27 CR.CRLF", "A\r.\r\nB", "A\r\n..\r\nB\r\n.\r\n"},
		{"SEC-27 CRLF.CR", "A\r\n.\rB", "A\r\n..\r\nB\r\n.\r\n"},
		{"SEC-27 trailing CR", "A\r", "A\r\n.\r\n"},
		{"SEC-27 CR CRLF", "A\r\r\nB\r\n", "A\r\n\r\nB\r\n.\r\n"},
		{"SEC-28 lone dot", ".", "..\r\n.\r\n"},
		{"SEC-28 dot line", ".\r\n", "..\r\n.\r\n"},
		{"SEC-28 two dots", "..x", "...x\r\n.\r\n"},
		{"SEC-28 first line", ".first\r\nsecond\r\n", "..first\r\nsecond\r\n.\r\n"},
		{"SEC-28 MIME part", "--b\r\n\r\n.part line\r\n--b--\r\n", "--b\r\n\r\n..part line\r\n--b--\r\n.\r\n"},
		{"SEC-28 empty", "", ".\r\n"},
		{"SEC-28 dot mid-line", "a.b\r\n", "a.b\r\n.\r\n"},
		{"CASE-17 hello", "hello\r\n.\r\nworld\r\n", "hello\r\n..\r\nworld\r\n.\r\n"},
		{"CASE-17 test", ".\r\n.test\r\n", "..\r\n..test\r\n.\r\n"},
		{"CASE-18", "line1\nline2\rline3\r\n", "line1\r\nline2\r\nline3\r\n.\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			t.Parallel()
			for cut := 0; cut <= len(tt.in); cut++ {
				got, err := encodeSplit(tt.in, []int{cut}, true, false, false)
				if err != nil || got != tt.want {
					t.Fatalf("encode(%q) cut at %d = %q, %v, want %q", tt.in, cut, got, err, tt.want)
				}
			}
			every := make([]int, len(tt.in))
			for i := range every {
				every[i] = i
			}
			if got, err := encodeSplit(tt.in, every, true, false, false); err != nil || got != tt.want {
				t.Errorf("encode(%q) octet by octet = %q, %v, want %q", tt.in, got, err, tt.want)
			}
			if why := wireOK(tt.want); why != "" {
				t.Errorf("want %q: %s", tt.want, why)
			}
			if got := unstuff(tt.want); got != canonical(tt.in) {
				t.Errorf("unstuff(%q) = %q, want %q", tt.want, got, canonical(tt.in))
			}
		})
	}
}

// SEC-27, CASE-18 with RejectBareLineEnds: every bare CR or LF is a
// BodyError that names the line's offset, and nothing of that line is
// written.
func TestBodyEncoderRejectBare(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in  string
		off int64
	}{
		{"A\n.\nB", 0},
		{"A\r.\rB", 0},
		{"ok\r\nA\r.\r\nB", 4},
		{"ok\r\nok\r\nA\rB", 8},
		{"ok\r\nline\n", 4},
		{"ok\r", 0},
	}
	for _, tt := range tests {
		for cut := 0; cut <= len(tt.in); cut++ {
			_, err := encodeSplit(tt.in, []int{cut}, true, false, true)
			var be *BodyError
			if !errors.As(err, &be) || be.Offset != tt.off {
				t.Errorf("encode(%q) rejecting, cut %d: error %v, want BodyError at %d", tt.in, cut, err, tt.off)
			}
		}
	}
	if got, err := encodeSplit("a\r\nb\r\n", nil, true, false, true); err != nil || got != "a\r\nb\r\n.\r\n" {
		t.Errorf("encode of clean CRLF text rejecting = %q, %v", got, err)
	}
}

// SEC-29: lines over 998 octets and NUL are errors; the dot added by
// stuffing does not count (RFC 5321 section 4.5.3.1.6).
func TestBodyEncoderLimitsSEC29(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 998)
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"998", long + "\r\n", true},
		{"999", long + "x\r\n", false},
		{"998 after bare LF", "a\n" + long, true},
		{"5000", strings.Repeat("y", 5000), false},
		{"dot plus 997", "." + long[1:] + "\r\n", true},
		{"dot plus 998", "." + long + "\r\n", false},
		{"NUL", "a\x00b\r\n", false},
		{"NUL at end", "ab\r\n\x00", false},
	}
	for _, tt := range tests {
		for _, cuts := range [][]int{nil, {1}, {len(tt.in) / 2}, {len(tt.in) - 1}} {
			wire, err := encodeSplit(tt.in, cuts, true, false, false)
			var be *BodyError
			if tt.ok != (err == nil) || (!tt.ok && !errors.As(err, &be)) {
				t.Errorf("%s, cuts %v: error %v, want ok %v", tt.name, cuts, err, tt.ok)
			}
			for l := range strings.SplitSeq(wire, "\r\n") {
				if len(strings.TrimPrefix(l, ".")) > maxLine || strings.IndexByte(l, 0) >= 0 {
					t.Errorf("%s: wire has a line of %d octets or a NUL", tt.name, len(l))
				}
			}
		}
	}
}

// CASE-19: 8-bit octets without 8BITMIME are a typed error naming the
// extension.
func TestBodyEncoderEightBit(t *testing.T) {
	t.Parallel()
	in := "Subject: caf\xc3\xa9\r\n"
	_, err := encodeSplit(in, nil, true, false, false)
	var ee *ExtensionError
	if !errors.As(err, &ee) || ee.Extension != "8BITMIME" {
		t.Errorf("encode 8-bit without 8BITMIME: %v, want ExtensionError 8BITMIME", err)
	}
	if got, err := encodeSplit(in, nil, true, true, false); err != nil || got != in+".\r\n" {
		t.Errorf("encode 8-bit with 8BITMIME = %q, %v", got, err)
	}
}

// BDAT sends the message without dot-stuffing and without a terminator.
func TestBodyEncoderBDAT(t *testing.T) {
	t.Parallel()
	got, err := encodeSplit(".a\nb\r.\r\n", []int{3}, false, false, false)
	if want := ".a\r\nb\r\n.\r\n"; err != nil || got != want {
		t.Errorf("encode for BDAT = %q, %v, want %q", got, err, want)
	}
}

// FuzzBodyEncoder holds the SEC-25 to SEC-29 properties for any input and
// any cut into two writes: no bare CR or LF and no NUL reach the wire, the
// stream ends in CRLF.CRLF, un-stuffing gives the canonical message, and an
// error comes exactly when the canonical message breaks a limit.
func FuzzBodyEncoder(f *testing.F) {
	for _, s := range []string{"", ".", "A\n.\nB", "A\r.\rB", "A\r\n.\rB", "..x\r\n", "a\x00", "caf\xc3\xa9",
		strings.Repeat("z", 999)} {
		f.Add(s, uint16(1))
	}
	f.Fuzz(func(t *testing.T, in string, cut uint16) {
		c := int(cut) % (len(in) + 1)
		wire, err := encodeSplit(in, []int{c}, true, true, false)
		want := canonical(in)
		bad := strings.IndexByte(want, 0) >= 0
		for l := range strings.SplitSeq(want, "\r\n") {
			bad = bad || len(l) > maxLine
		}
		if bad != (err != nil) {
			t.Fatalf("encode(%q) error %v, want an error: %v", in, err, bad)
		}
		if err != nil {
			if strings.IndexByte(wire, 0) >= 0 {
				t.Fatalf("encode(%q) wrote a NUL before failing", in)
			}
			return
		}
		if why := wireOK(wire); why != "" {
			t.Fatalf("encode(%q) = %q: %s", in, wire, why)
		}
		if got := unstuff(wire); got != want {
			t.Fatalf("unstuff(encode(%q)) = %q, want %q", in, got, want)
		}
	})
}
