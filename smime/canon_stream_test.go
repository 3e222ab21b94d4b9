// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// The streaming canonicalizer must give exactly what the in-memory
// reference (refCanonicalize, the implementation that was proven with
// openssl before streaming) gives, for any input, whatever the sizes of
// the reads and of the lexer's buffer; where the reference refuses an
// input, so must it.

// canonCorpus holds inputs that reach every branch: leaves in every
// transfer encoding, multiparts with preambles and epilogues, nesting,
// bare CRs and LFs at every place, and malformed input.
func canonCorpus() []string {
	long := strings.Repeat("y", 5000)
	b64 := string(encodeBase64(bytes.Repeat([]byte{0, 1, 2, 0xfe, 0xff}, 300)))
	c := []string{
		"",
		"\r\n",
		"\n",
		"\r",
		"\nhi\n",
		"Content-Type: text/plain\r\n\r\nhello\r\n",
		"Content-Type: text/plain\n\nhello\nworld\n",
		"Content-Type: text/plain;\n charset=us-ascii\n\nx\n",
		"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\ngr\xc3\xbc\xc3\x9fe\n",
		"Content-Type: text/plain; charset=utf-8\n\n\xc3\xa9\n",
		"Content-Type: text/plain\n\nhello \nworld\n",
		"Content-Type: text/plain\r\nContent-Transfer-Encoding: 8bit\r\n\r\nabc\r\n",
		"Content-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\n\r\nabc",
		"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n\x00\x01\r\n\r\xff",
		"Content-Type: application/octet-stream\r\n\r\n\x00\x01\r\n\r\xff",
		"Content-Type: application/octet-stream\r\n\r\nplain ascii\nlines\r",
		"Content-Type: application/octet-stream\r\n\r\n" + long,
		"Content-Type: text/plain\r\n\r\n" + long + "\r\n",
		"Content-Type: text/plain\r\n\r\na\x00b\r\n",
		"Content-Type: text/plain\r\n\r\nA\r.\rB",
		"Content-Type: text/plain\r\n\r\nA\r\n.\rB\r",
		"Content-Transfer-Encoding: base64\r\n\r\n" + b64,
		"Content-Transfer-Encoding: base64\r\n\r\nQUJD\nREVG\n",
		"Content-Transfer-Encoding: base64\r\n\r\nQU JD\tRE\rVG",
		"Content-Transfer-Encoding: base64\r\n\r\nQQ==QQ==",
		"Content-Transfer-Encoding: base64\r\n\r\nQQ==\r\n\r\n",
		"Content-Transfer-Encoding: base64\r\n\r\nQUJ",
		"Content-Transfer-Encoding: base64\r\n\r\n!!!\r\n",
		"Content-Transfer-Encoding: quoted-printable\r\n\r\na=\r\n",
		"Content-Transfer-Encoding: quoted-printable\r\n\r\nabc=20\r\ndef\r\n",
		"Content-Transfer-Encoding: quoted-printable\r\n\r\nabc \r\n" + strings.Repeat("q", 100) + "\n=C3=A9\n",
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n=ZZ\r\n",
		"Content-Transfer-Encoding: quoted-printable\r\n\r\ngr\xc3\xbc\r\n",
		"Content-Type: text/plain; \r\n charset=us-ascii\t\r\n\r\nx\r\n",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\nepi \r\n\r\n",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + strings.Repeat("p", 1000) + "\r\n--b\r\n\r\nx\r\n--b--\r\n",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\npr\xc3\xa9\r\n--b\r\n\r\nx\r\n--b--\r\n",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\npre\r\n\r\n--b\r\n\r\nx\r\n--b--",
		"Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b--\n",
		"Content-Type: multipart/mixed; boundary=b\r\r\r--b\r\rx\r--b--\r",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n--b\r\n\r\n--b--",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b--",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b  \t\r\nContent-Type: text/plain\r\n\r\n\r\n--b-- \r\n",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n--b--\r\n",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n--b--\r\n",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--bc\r\n--b\r\n\r\n--bc\r\n--b--\r\n",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: multipart/alternative; boundary=c\r\n\r\n" +
			"--c\r\n\r\none\r\n--c\r\nContent-Type: text/html\r\n\r\n<p>two</p>\r\n--c--\r\nc epilogue\r\n--b\r\n" +
			"Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\nbody\r\n--b--\r\nb epilogue",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: multipart/alternative; boundary=c\r\n\r\n" +
			"--c\r\n\r\none\r\n--b--\r\n",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n" +
			"--b\r\n\r\none\r\n--b--\r\n--b--\r\n",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n--b--\r\n",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n--b--\r\n",
		"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: 8bit\r\n\r\nSubject: x\r\n\r\n\xc3\xa9",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n",
		"Content-Type: multipart/mixed\r\n\r\n--b--\r\n",
		"Content-Type: multipart/mixed; boundary=b\r\nContent-Transfer-Encoding: base64\r\n\r\n--b--\r\n",
		"Content-Type: multipart/mixed; boundary=\"b \"\r\n\r\n--b \r\n\r\nx\r\n--b --\r\n",
		"Content-Type: text/plain\r\nContent-Description: a\r\n \r\n\r\nx\r\n",
		"Content-Type: text/plain\r\nContent-Description: a\rBcc: x\r\n\r\nbody\r\n",
		"Content-Type: text/plain\r\nContent-Description: " + long + "\r\n\r\nbody\r\n",
		"Content-Type: text/plain\r\nhello",
		"hello world\r\n\r\nx",
		"Content-Type: text/plain\r\nContent-Description: gr\xc3\xbc\xc3\x9fe\r\n\r\nx",
		"Content-Type: text/\r\n\r\nx",
		"Content-Transfer-Encoding: x-uuencode\r\n\r\nx",
		"A: b\r\r\n\r\nx",
		" folded: first\r\n\r\nx",
	}
	for _, e := range testEntities {
		c = append(c, e)
	}
	return c
}

// withLexBuf runs f with the lexer's buffer set to n bytes.
func withLexBuf(n int, f func()) {
	old := lexBufSize
	lexBufSize = n
	defer func() { lexBufSize = old }()
	f()
}

// checkAgainstReference compares canonicalizeTo over r with refCanonicalize.
func checkAgainstReference(t *testing.T, in []byte, r io.Reader, what string) {
	t.Helper()
	want, wantErr := refCanonicalize(bytes.Clone(in))
	var out bytes.Buffer
	err := canonicalizeTo(&out, r, t.TempDir())
	switch {
	case wantErr != nil && err == nil:
		t.Errorf("%s: canonicalize(%.200q) = %.200q, the reference refuses it: %v", what, in, out.Bytes(), wantErr)
	case wantErr == nil && err != nil:
		t.Errorf("%s: canonicalize(%.200q): %v; the reference gives %.200q", what, in, err, want)
	case err != nil:
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Errorf("%s: canonicalize(%.200q) = %v, want a *FormatError", what, in, err)
		}
	case !bytes.Equal(out.Bytes(), want):
		t.Errorf("%s: canonicalize(%.200q)\n got %.300q\nwant %.300q", what, in, out.Bytes(), want)
	}
}

// longestDashLine is the length of the longest line (as the lexer cuts
// lines) that starts with "--": a delimiter line longer than the lexer's
// buffer is not recognised, by design.
func longestDashLine(b []byte) int {
	n := 0
	for _, line := range bytes.FieldsFunc(b, func(r rune) bool { return r == '\r' || r == '\n' }) {
		if bytes.HasPrefix(line, []byte("--")) {
			n = max(n, len(line)+2)
		}
	}
	return n
}

func TestCanonicalizeMatchesReference(t *testing.T) {
	for _, in := range canonCorpus() {
		b := []byte(in)
		for _, size := range []int{16, 17, 33, 64, 4096, 64 << 10} {
			if longestDashLine(b) >= size {
				continue
			}
			withLexBuf(size, func() {
				checkAgainstReference(t, b, bytes.NewReader(b), "whole reads")
				checkAgainstReference(t, b, iotest.OneByteReader(bytes.NewReader(b)), "one-byte reads")
				checkAgainstReference(t, b, iotest.HalfReader(bytes.NewReader(b)), "half reads")
			})
		}
	}
}

// TestCanonicalizeLargeMatchesReference puts line ends, a CRLF split
// across reads, delimiters and base64 quanta at the edges of the lexer's
// buffer, and bodies past the side spool's memory into its file.
func TestCanonicalizeLargeMatchesReference(t *testing.T) {
	var text bytes.Buffer
	for i := 0; text.Len() < 3<<20; i++ {
		text.WriteString(strings.Repeat("w", i%1200))
		text.WriteString([]string{"\r\n", "\n", "\r", " \r\n", "\xc3\xa9\n"}[i%5])
	}
	att := bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef, '\r', '\n', 0}, 500_000)
	ins := []string{
		"Content-Type: text/plain; charset=utf-8\r\n\r\n" + text.String(),
		"Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + text.String(),
		"Content-Type: multipart/mixed; boundary=zz\r\n\r\n" + text.String() + "\r\n--zz\r\n" +
			"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
			strings.ReplaceAll(string(encodeBase64(att)), "\r\n", "\n") + "\r\n--zz\r\n" +
			"Content-Type: application/octet-stream\r\n\r\n" + string(att) + "\r\n--zz\r\n" +
			"Content-Type: text/plain\r\n\r\n" + text.String() + "\r\n--zz--\r\n" + text.String(),
	}
	for _, in := range ins {
		b := []byte(in)
		for _, size := range []int{4096, 64 << 10} {
			withLexBuf(size, func() {
				checkAgainstReference(t, b, bytes.NewReader(b), "large")
				checkAgainstReference(t, b, iotest.HalfReader(bytes.NewReader(b)), "large, half reads")
			})
		}
	}
}

// TestCanonicalizeReadError: an error from the reader is returned as it
// is, not as a *FormatError.
func TestCanonicalizeReadError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("Content-Type: text/plain\r\n\r\nabc"), iotest.ErrReader(boom))
	if err := canonicalizeTo(io.Discard, r, t.TempDir()); !errors.Is(err, boom) {
		t.Fatalf("canonicalizeTo(failing reader) = %v, want %v", err, boom)
	}
}

// FuzzCanonicalizeStream: for any input and any lexer buffer size, the
// streaming canonicalizer agrees with the reference.
func FuzzCanonicalizeStream(f *testing.F) {
	for _, in := range canonCorpus() {
		if len(in) < 4096 {
			f.Add([]byte(in), uint8(0))
		}
	}
	f.Fuzz(func(t *testing.T, in []byte, size uint8) {
		n := 16 + int(size)
		if size == 255 {
			n = 64 << 10
		}
		if longestDashLine(in) >= n {
			return
		}
		withLexBuf(n, func() {
			checkAgainstReference(t, in, iotest.HalfReader(bytes.NewReader(in)), "fuzz")
		})
	})
}
