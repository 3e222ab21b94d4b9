// SPDX-License-Identifier: Apache-2.0

package mime

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"strings"
	"testing"
)

// b64Encode writes in to a Base64Writer in chunks of the given sizes,
// cycling through them.
func b64Encode(t testing.TB, in []byte, chunks []int) string {
	t.Helper()
	var b bytes.Buffer
	w := NewBase64Writer(&b)
	for i, k := 0, 0; i < len(in); k++ {
		n := min(len(in)-i, max(1, chunks[k%len(chunks)]))
		if m, err := w.Write(in[i : i+n]); m != n || err != nil {
			t.Fatalf("Write = %d, %v; want %d", m, err, n)
		}
		i += n
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// checkBase64 asserts the RFC 2045 §6.8 shape of out, base64 lines of 76
// characters each ended by CRLF, the last one shorter, and that it decodes
// to in (CASE-26: a signed part keeps this shape).
func checkBase64(t testing.TB, in []byte, out string) {
	t.Helper()
	if len(in) == 0 {
		if out != "" {
			t.Fatalf("empty input gives %q", out)
		}
		return
	}
	if !strings.HasSuffix(out, "\r\n") {
		t.Fatalf("output does not end in CRLF")
	}
	lines := strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n")
	for i, l := range lines {
		if i < len(lines)-1 && len(l) != 76 || len(l) > 76 || l == "" {
			t.Fatalf("line %d of %d is %d characters", i, len(lines), len(l))
		}
	}
	got, err := base64.StdEncoding.DecodeString(strings.Join(lines, ""))
	if err != nil || !bytes.Equal(got, in) {
		t.Fatalf("output does not decode to the input: %v", err)
	}
}

func TestBase64Writer(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"a", "YQ==\r\n"},
		{"hello world", "aGVsbG8gd29ybGQ=\r\n"},
		{strings.Repeat("x", 57), strings.Repeat("eHh4", 19) + "\r\n"},
		{strings.Repeat("x", 58), strings.Repeat("eHh4", 19) + "\r\neA==\r\n"},
	}
	for _, tt := range tests {
		for _, chunks := range [][]int{{1 << 20}, {1}, {56, 2}} {
			if got := b64Encode(t, []byte(tt.in), chunks); got != tt.want {
				t.Errorf("Base64(%q) in chunks %v = %q, want %q", tt.in, chunks, got, tt.want)
			}
		}
	}
}

// TestBase64WriterChunks writes enough lines to fill the writer's buffer
// several times, in chunk sizes that straddle line and buffer edges.
func TestBase64WriterChunks(t *testing.T) {
	in := make([]byte, 3*b64Lines*b64LineIn+100)
	rand.NewChaCha8([32]byte{5}).Read(in)
	want := b64Encode(t, in, []int{len(in)})
	checkBase64(t, in, want)
	for _, chunks := range [][]int{{1}, {56}, {57}, {58}, {10, 57, 114}, {b64Lines * b64LineIn}, {3000, 1}} {
		if got := b64Encode(t, in, chunks); got != want {
			t.Errorf("chunks %v give different output", chunks)
		}
	}
}

func FuzzBase64Writer(f *testing.F) {
	f.Add([]byte("hello"), 1, 3)
	f.Add(bytes.Repeat([]byte{0xff}, 5000), 57, 1)
	f.Fuzz(func(t *testing.T, in []byte, c1, c2 int) {
		c1, c2 = 1+abs(c1)%5000, 1+abs(c2)%5000
		out := b64Encode(t, in, []int{c1, c2})
		checkBase64(t, in, out)
		if whole := b64Encode(t, in, []int{len(in) + 1}); whole != out {
			t.Fatalf("chunks %d,%d change the output", c1, c2)
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
