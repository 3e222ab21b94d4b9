// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"strings"
	"testing"
)

func TestCanonicalBase64(t *testing.T) {
	raw := bytes.Repeat([]byte("0123456789abcdef\x00\xff"), 40)
	tests := []struct {
		name string
		b    string
		want bool
	}{
		{"empty", "", true},
		{"one byte", "QQ==\r\n", true},
		{"stray padding bits", "QR==\r\n", false},
		{"no final CRLF", "QUJD", false},
		{"LF line end", "QUJD\n", false},
		{"padding in a middle line", strings.Repeat("A", 72) + "QQ==\r\nQUJD\r\n", false},
		{"72 columns", strings.Repeat("QUJD", 18) + "\r\n" + "QUJD\r\n", false},
		{"77 columns", strings.Repeat("A", 77) + "\r\n", false},
		{"LF inside a line", "QU\nJ\r\n", false},
		{"not the alphabet", "QU-D\r\n", false},
		{"empty line", "\r\n", false},
	}
	for _, n := range []int{1, 2, 3, 56, 57, 58, 114, 115, len(raw)} {
		tests = append(tests, struct {
			name string
			b    string
			want bool
		}{"encodeBase64 of " + string(rune('0'+n%10)), string(encodeBase64(raw[:n])), true})
	}
	for _, tt := range tests {
		if got := canonicalBase64([]byte(tt.b)); got != tt.want {
			t.Errorf("%s: canonicalBase64(%q) = %v, want %v", tt.name, tt.b, got, tt.want)
		}
	}
}

// FuzzCanonicalBase64: whatever canonicalBase64 accepts, decoding and
// encoding again gives the same bytes, and encodeBase64's output is
// always accepted.
func FuzzCanonicalBase64(f *testing.F) {
	f.Add([]byte("QQ==\r\n"), []byte("x"))
	f.Add(encodeBase64(bytes.Repeat([]byte{0xfe}, 200)), []byte{})
	f.Fuzz(func(t *testing.T, b, raw []byte) {
		if !canonicalBase64(encodeBase64(raw)) {
			t.Fatalf("encodeBase64(%q) not accepted", raw)
		}
		if !canonicalBase64(b) {
			return
		}
		dec, err := decodeBase64(b)
		if err != nil || !bytes.Equal(encodeBase64(dec), b) {
			t.Fatalf("accepted %q, but it re-encodes differently (%v)", b, err)
		}
	})
}

// TestCanonicalizeKeepsCanonical: a canonical multipart with a base64
// attachment comes back byte for byte, and with an epilogue (dropped)
// as the same bytes.
func TestCanonicalizeKeepsCanonical(t *testing.T) {
	in := "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: 8bit\r\n\r\nGr\xc3\xbc\xc3\x9fe\r\n--b\r\nContent-Type: application/octet-stream\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + string(encodeBase64(bytes.Repeat([]byte{1, 2, 3}, 500))) +
		"\r\n--b--\r\n"
	canon, err := canonicalize([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	again, err := canonicalize(canon)
	if err != nil || !bytes.Equal(again, canon) {
		t.Fatalf("canonicalize(canonical) = %q, %v; want the same bytes", again, err)
	}
	withEpilogue := append(bytes.Clone(canon), "epilogue\r\n"...)
	got, err := canonicalize(withEpilogue)
	if err != nil || !bytes.Equal(got, canon) {
		t.Fatalf("canonicalize(with epilogue) = %q, %v; want %q", got, err, canon)
	}
}
