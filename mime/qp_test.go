// SPDX-License-Identifier: Apache-2.0

package mime

import (
	"bytes"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"mime/quotedprintable"
	"strings"
	"testing"
	"unicode/utf8"
)

func qpEncode(t testing.TB, in string, binary bool) string {
	t.Helper()
	var b bytes.Buffer
	w := NewQPWriter(&b)
	w.Binary = binary
	if _, err := io.WriteString(w, in); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// qpEncodeBytewise writes one octet at a time, to exercise the state kept
// between writes.
func qpEncodeBytewise(t testing.TB, in string, binary bool) string {
	t.Helper()
	var b bytes.Buffer
	w := NewQPWriter(&b)
	w.Binary = binary
	for i := 0; i < len(in); i++ {
		w.Write([]byte{in[i]})
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func qpDecode(t testing.TB, s string) string {
	t.Helper()
	b, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(s)))
	if err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
	return string(b)
}

// canonicalText is what text-mode encoding must give back: every line
// break as CRLF.
func canonicalText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

// checkQPShape asserts the RFC 2045 §6.7 shape of encoded output.
func checkQPShape(t testing.TB, in, out string) {
	t.Helper()
	lines := strings.Split(out, "\r\n")
	for i, l := range lines {
		if len(l) > qpMaxLine {
			t.Fatalf("QP(%q): line %d is %d characters: %q", in, i, len(l), l)
		}
		if strings.ContainsAny(l, "\r\n") {
			t.Fatalf("QP(%q): bare CR or LF in %q", in, l)
		}
		if l != "" && (l[len(l)-1] == ' ' || l[len(l)-1] == '\t') {
			t.Fatalf("QP(%q): line %d ends in white space: %q", in, i, l)
		}
		if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "From ") {
			t.Fatalf("QP(%q): line %d starts unsafely: %q", in, i, l)
		}
		for j := 0; j < len(l); j++ {
			if c := l[j]; c > '~' || c < ' ' && c != '\t' {
				t.Fatalf("QP(%q): raw octet %#x in output", in, c)
			}
		}
		if i == len(lines)-1 && strings.HasSuffix(l, "=") {
			t.Fatalf("QP(%q): output ends in a soft break", in)
		}
		// Escapes of one UTF-8 character stay on one line.
		if utf8.ValidString(in) && !utf8.Valid(qpDecodeLine(l)) {
			t.Fatalf("QP(%q): line %d splits a character: %q", in, i, l)
		}
	}
}

// qpDecodeLine decodes the escapes of one encoded line.
func qpDecodeLine(l string) []byte {
	l = strings.TrimSuffix(l, "=")
	var out []byte
	for i := 0; i < len(l); i++ {
		if l[i] == '=' && i+2 < len(l) {
			b, err := hex.DecodeString(l[i+1 : i+3])
			if err == nil {
				out = append(out, b...)
				i += 2
				continue
			}
		}
		out = append(out, l[i])
	}
	return out
}

// TestQPWriterCases pins the encoder's exact output for the rules of
// RFC 2045 §6.7 (CASE-07, CASE-08).
func TestQPWriterCases(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		// CASE-07 (a): trailing space at the limit.
		{"CASE-07a", strings.Repeat("a", 74) + " ", strings.Repeat("a", 74) + "=\r\n=20"},
		// CASE-07 (b): '=' landing in column 76.
		{"CASE-07b", strings.Repeat("x", 75) + "=yyyy", strings.Repeat("x", 75) + "=\r\n=3Dyyyy"},
		// CASE-07 (c): 77 characters.
		{"CASE-07c", strings.Repeat("X", 76) + "Y", strings.Repeat("X", 75) + "=\r\nXY"},
		// CASE-08: the last space before a hard break is encoded.
		{"CASE-08", "foo  \r\nbar", "foo =20\r\nbar"},
		{"trailing tab", "foo\t", "foo=09"},
		{"tab before LF", "foo\t\nbar", "foo=09\r\nbar"},
		{"equals", "a=b", "a=3Db"},
		{"latin-1", "caf\xe9", "caf=E9"},
		{"utf-8", "café", "caf=C3=A9"},
		{"leading dot", ".\r\n..x", "=2E\r\n=2E.x"},
		{"From line", "From me\r\nFrom", "=46rom me\r\n=46rom"},
		{"lone LF", "a\nb", "a\r\nb"},
		{"lone CR", "a\rb", "a\r\nb"},
		{"CR CR LF", "a\r\r\nb", "a\r\n\r\nb"},
		{"NUL", "a\x00b", "a=00b"},
		{"empty", "", ""},
		// No soft break inside a character's escapes: "é" needs 6 columns.
		{"utf-8 at limit", strings.Repeat("a", 71) + "é", strings.Repeat("a", 71) + "=\r\n=C3=A9"},
		{"utf-8 fits", strings.Repeat("a", 69) + "é", strings.Repeat("a", 69) + "=C3=A9"},
		// A dot pushed to the start of a line by a soft break.
		{"dot after soft break", strings.Repeat("a", 75) + ".b", strings.Repeat("a", 75) + "=\r\n=2Eb"},
		{"trailing space fits", strings.Repeat("a", 73) + " ", strings.Repeat("a", 73) + "=20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := qpEncode(t, tt.in, false); got != tt.want {
				t.Errorf("QP(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got := qpEncodeBytewise(t, tt.in, false); got != tt.want {
				t.Errorf("QP bytewise(%q) = %q, want %q", tt.in, got, tt.want)
			}
			checkQPShape(t, tt.in, tt.want)
		})
	}
}

func TestQPWriterBinary(t *testing.T) {
	in := "a\r\nb\nc \r"
	want := "a=0D=0Ab=0Ac =0D"
	if got := qpEncode(t, in, true); got != want {
		t.Errorf("QP binary(%q) = %q, want %q", in, got, want)
	}
	if got := qpDecode(t, want); got != in {
		t.Errorf("decode = %q, want %q", got, in)
	}
}

// TestQPVectors checks the RFC 2045 §6.7 rule (5) example and the derived
// cases of the shared vectors: whatever we write decodes to the input.
func TestQPVectors(t *testing.T) {
	v := loadVectors(t)
	in := v.QPRule5.Decoded
	out := qpEncode(t, in, false)
	checkQPShape(t, in, out)
	if got := qpDecode(t, out); got != in {
		t.Errorf("decode(QP(%q)) = %q", in, got)
	}
	if got := qpDecode(t, v.QPRule5.Encoded); got != in {
		t.Errorf("RFC example decodes to %q, want %q", got, in)
	}
	for _, d := range v.QPDerived {
		raw, err := hex.DecodeString(d.InputHex)
		if err != nil {
			t.Fatal(err)
		}
		out := qpEncode(t, string(raw), false)
		checkQPShape(t, string(raw), out)
		if got := qpDecode(t, out); got != canonicalText(string(raw)) {
			t.Errorf("%s: decode(QP(%q)) = %q", d.Name, raw, got)
		}
		if got := qpDecode(t, d.GoStdlib); got != canonicalText(string(raw)) {
			t.Errorf("%s: stdlib form decodes to %q", d.Name, got)
		}
	}
}

// TestQPDecodeTolerant pins CASE-09 for the decoder the project reads
// quoted-printable with (mime/quotedprintable): a trailing "=" and
// padding after a soft break are accepted.
func TestQPDecodeTolerant(t *testing.T) {
	for in, want := range map[string]string{"abc=": "abc", "abc= \r\nxyz": "abcxyz"} {
		if got := qpDecode(t, in); got != want {
			t.Errorf("CASE-09: decode(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestQPRandom is the property check over random text: the RFC shape
// holds, the output decodes to the canonical input, and splitting the
// writes does not change the output.
func TestQPRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "b", " ", "\t", "=", ".", "F", "From ", "\r\n", "\n", "\r",
		"é", "€", "😀", "\x00", "\xff", "x"}
	for i := 0; i < 2000; i++ {
		var b strings.Builder
		n := r.IntN(300)
		if i%100 == 0 {
			n = 5000 + r.IntN(15000) // crosses the writer's buffer flushes
		}
		for b.Len() < n {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		in := b.String()
		out := qpEncode(t, in, false)
		checkQPShape(t, in, out)
		if got := qpDecode(t, out); got != canonicalText(in) {
			t.Fatalf("decode(QP(%q)) = %q", in, got)
		}
		if got := qpEncodeBytewise(t, in, false); got != out {
			t.Fatalf("QP(%q) differs when written bytewise: %q vs %q", in, got, out)
		}
		bin := qpEncode(t, in, true)
		checkQPShape(t, in, bin)
		if got := qpDecode(t, bin); got != in {
			t.Fatalf("decode(QP binary(%q)) = %q", in, got)
		}
	}
}

func FuzzQPWriter(f *testing.F) {
	for _, s := range []string{"", "a", strings.Repeat("a", 74) + " ", strings.Repeat("x", 75) + "=y",
		"foo  \r\nbar", ".\n.", "From x", "é€😀", "\x00\xff", "a\rb\nc\r\nd"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, in string, binary bool) {
		out := qpEncode(t, in, binary)
		checkQPShape(t, in, out)
		want := in
		if !binary {
			want = canonicalText(in)
		}
		if got := qpDecode(t, out); got != want {
			t.Fatalf("decode(QP(%q)) = %q, want %q", in, got, want)
		}
		if got := qpEncodeBytewise(t, in, binary); got != out {
			t.Fatalf("bytewise output differs: %q vs %q", got, out)
		}
	})
}
