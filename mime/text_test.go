// SPDX-License-Identifier: Apache-2.0

package mime

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestLineWriterChunks writes random text through a lineWriter in random
// chunks: the output is the text with every line break as CRLF (CASE-05,
// CASE-18), and in checking mode the first fault by position is the one
// reported (SEC-29).
func TestLineWriterChunks(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	alphabet := []string{"a", "b", " ", "\r", "\n", "\r\n", "é", strings.Repeat("x", 300)}
	for i := 0; i < 3000; i++ {
		var s strings.Builder
		for n := r.IntN(12000); s.Len() < n; {
			s.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		in := s.String()
		if i%3 == 0 && len(in) > 0 {
			k := r.IntN(len(in))
			in = in[:k] + "\x00" + in[k:]
		}
		check, allow8 := i%2 == 0, r.IntN(2) == 0
		var b bytes.Buffer
		w := newLineWriter(&b, "Text")
		w.check, w.allow8 = check, allow8
		var err error
		for k := 0; k < len(in) && err == nil; {
			m := min(len(in)-k, 1+r.IntN(5000))
			_, err = w.Write([]byte(in[k : k+m]))
			k += m
		}
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		want, wantErr := canonicalText(in), ""
		if check {
			wantErr = firstFault(want, allow8)
		}
		if wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), wantErr) {
				t.Fatalf("error %v, want one about %q", err, wantErr)
			}
			continue
		}
		if err != nil || b.String() != want {
			t.Fatalf("lineWriter(%q) = %q, %v; want %q", in, b.String(), err, want)
		}
	}
}

// firstFault names the first thing in CRLF text that a 7bit or 8bit part
// may not hold, or returns "".
func firstFault(text string, allow8 bool) string {
	line := 0
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == '\r' || c == '\n':
			line = 0
			continue
		case line == maxLine:
			return "line longer than 998 octets"
		case c == 0:
			return "NUL"
		case c >= 0x80 && !allow8:
			return "8-bit octet"
		}
		line++
	}
	return ""
}
