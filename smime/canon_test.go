// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/quotedprintable"
	"strings"
	"testing"
)

func TestCanonicalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"crlf kept", "Content-Type: text/plain\r\n\r\nhello\r\n", "Content-Type: text/plain\r\n\r\nhello\r\n"},
		{"lf to crlf", "Content-Type: text/plain\n\nhello\nworld\n", "Content-Type: text/plain\r\n\r\nhello\r\nworld\r\n"},
		{"folded header", "Content-Type: text/plain;\n charset=us-ascii\n\nx\n",
			"Content-Type: text/plain;\r\n charset=us-ascii\r\n\r\nx\r\n"},
		{"no header", "\nhi\n", "\r\nhi\r\n"},
		{"8bit text to qp", "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\ngr\xc3\xbc\xc3\x9fe\n",
			"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ngr=C3=BC=C3=9Fe\r\n"},
		{"8bit text without cte", "Content-Type: text/plain; charset=utf-8\n\n\xc3\xa9\n",
			"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=C3=A9\r\n"},
		{"trailing space to qp", "Content-Type: text/plain\n\nhello \nworld\n",
			"Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nhello=20\r\nworld\r\n"},
		{"8bit label on ascii", "Content-Type: text/plain\r\nContent-Transfer-Encoding: 8bit\r\n\r\nabc\r\n",
			"Content-Type: text/plain\r\nContent-Transfer-Encoding: 7bit\r\n\r\nabc\r\n"},
		{"binary to base64", "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n\x00\x01\n\xff",
			"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEK/w==\r\n"},
		{"base64 rewrapped to 76", "Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n" +
			"QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\nQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\n",
			"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
				"QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\r\nQUFBQUFBQUFB\r\n"},
		{"qp soft break at end removed", "Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\nabc=\n",
			"Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nabc"},
		{"clean qp kept", "Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\na=3Db\n",
			"Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\na=3Db\r\n"},
		{"multipart parts", "Content-Type: multipart/mixed; boundary=b\n\npre\n--b\nContent-Type: text/plain\n\n\xc3\xa9\n--b\n" +
			"Content-Type: application/octet-stream\nContent-Transfer-Encoding: 8bit\n\n\xff\n--b--\n",
			"Content-Type: multipart/mixed; boundary=b\r\n\r\npre\r\n--b\r\nContent-Type: text/plain\r\n" +
				"Content-Transfer-Encoding: quoted-printable\r\n\r\n=C3=A9\r\n--b\r\nContent-Type: application/octet-stream\r\n" +
				"Content-Transfer-Encoding: base64\r\n\r\n/w==\r\n\r\n--b--\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := canonicalize([]byte(tt.in))
			if err != nil {
				t.Fatalf("canonicalize(%q): %v", tt.in, err)
			}
			if string(got) != tt.want {
				t.Errorf("canonicalize(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			again, err := canonicalize(got)
			if err != nil || string(again) != string(got) {
				t.Errorf("canonicalize is not idempotent: %q, %v", again, err)
			}
		})
	}
}

func TestCanonicalizeErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"no separator", "Content-Type: text/plain\r\nhello", "no empty line"},
		{"not a field", "hello world\r\n\r\nx", "is not a field"},
		{"8bit header", "Content-Type: text/plain\r\nContent-Description: gr\xc3\xbc\xc3\x9fe\r\n\r\nx", "not 7-bit"},
		{"bad content type", "Content-Type: text/\r\n\r\nx", "Content-Type"},
		{"unknown cte", "Content-Transfer-Encoding: x-uuencode\r\n\r\nx", "unknown Content-Transfer-Encoding"},
		{"bad base64", "Content-Transfer-Encoding: base64\r\n\r\n!!!\r\n", "base64"},
		{"unclosed multipart", "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n", "closing boundary"},
		{"multipart without boundary", "Content-Type: multipart/mixed\r\n\r\n--b--\r\n", "without boundary"},
		{"encoded multipart", "Content-Type: multipart/mixed; boundary=b\r\nContent-Transfer-Encoding: base64\r\n\r\n--b--\r\n", "composite"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := canonicalize([]byte(tt.in))
			var fe *FormatError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("canonicalize(%q) = %v, want *FormatError containing %q", tt.in, err, tt.want)
			}
		})
	}
}

func TestCanonicalizeDepth(t *testing.T) {
	in := "Content-Type: text/plain\r\n\r\nx\r\n"
	for range maxDepth + 2 {
		in = "Content-Type: message/rfc822\r\n\r\n" + in
	}
	if _, err := canonicalize([]byte(in)); err == nil || !strings.Contains(err.Error(), "deeper") {
		t.Errorf("canonicalize(deep) = %v, want depth error", err)
	}
}

func FuzzCanonicalize(f *testing.F) {
	f.Add([]byte("Content-Type: text/plain\n\nhello\n"))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n"))
	f.Add([]byte("Content-Transfer-Encoding: quoted-printable\r\n\r\na=\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := canonicalize(in)
		if err != nil {
			return
		}
		if err := wireSafe(out); err != nil {
			t.Fatalf("canonicalize(%q) = %q: %v", in, out, err)
		}
		again, err := canonicalize(out)
		if err != nil || string(again) != string(out) {
			t.Fatalf("not idempotent: %q -> %q (%v)", out, again, err)
		}
	})
}

// wireSafe checks the shape canonicalize promises: 7-bit without NUL,
// CRLF only, lines of at most 998 octets, no white space at a line end.
func wireSafe(b []byte) error {
	if !is7bit(b) {
		return errors.New("not 7-bit or holds a NUL")
	}
	for i, c := range b {
		if c == '\r' && (i+1 == len(b) || b[i+1] != '\n') || c == '\n' && (i == 0 || b[i-1] != '\r') {
			return fmt.Errorf("bare CR or LF at %d", i)
		}
	}
	for n, line := range strings.Split(string(b), "\r\n") {
		if len(line) > maxLine {
			return fmt.Errorf("line %d is %d octets long", n+1, len(line))
		}
		if strings.HasSuffix(line, " ") || strings.HasSuffix(line, "\t") {
			return fmt.Errorf("line %d ends in white space: %q", n+1, line)
		}
	}
	return nil
}

// TestSECCanonicalWire covers SEC-25, SEC-26, SEC-27 and SEC-29 for what
// this package signs and encrypts: bodies with the smuggling line ends
// <LF>.<LF>, <LF>.<CR><LF>, <CR><LF>.<LF> and bare CRs, a 5000-octet line
// and a NUL come out as 7-bit CRLF lines of at most 998 octets (the
// smuggling sequences become plain CRLF lines, bare CRs become CRLF as
// RFC 8551 §3.1.1 canonical form requires, the long line and the NUL are
// quoted-printable or base64), and decoding gives back the text. What is
// signed is what is sent, so the wire never holds a bare CR or LF; a bare
// CR in a header field is refused (SEC-27), and dot-stuffing stays the
// transport's job (SEC-28).
func TestSECCanonicalWire(t *testing.T) {
	long := strings.Repeat("y", 5000)
	tests := []struct {
		id, ct, body, want string
	}{
		{"SEC-25", "text/plain", "A\n.\nMAIL FROM:<x@evil>\n", "A\r\n.\r\nMAIL FROM:<x@evil>\r\n"},
		{"SEC-26 lf-dot-crlf", "text/plain", "A\n.\r\nB", "A\r\n.\r\nB"},
		{"SEC-26 crlf-dot-lf", "text/plain", "A\r\n.\nB", "A\r\n.\r\nB"},
		{"SEC-27 cr-dot-cr", "text/plain", "A\r.\rB", "A\r\n.\r\nB"},
		{"SEC-27 cr-dot-crlf", "text/plain", "A\r.\r\nB", "A\r\n.\r\nB"},
		{"SEC-27 crlf-dot-cr", "text/plain", "A\r\n.\rB", "A\r\n.\r\nB"},
		{"SEC-29 5000 octets text", "text/plain", long + "\r\n", long + "\r\n"},
		{"SEC-29 5000 octets binary", "application/octet-stream", long, long},
		{"SEC-29 NUL text", "text/plain", "a\x00b\r\n", "a\x00b\r\n"},
		{"SEC-29 NUL binary", "application/octet-stream", "a\x00b\n", "a\x00b\n"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			in := "Content-Type: " + tt.ct + "\r\n\r\n" + tt.body
			out, err := canonicalize([]byte(in))
			if err != nil {
				t.Fatalf("canonicalize(%q): %v", in, err)
			}
			if err := wireSafe(out); err != nil {
				t.Fatalf("canonicalize(%q) = %q: %v", in, out, err)
			}
			if got := decodeLeaf(t, out); got != tt.want {
				t.Errorf("decoded body %q, want %q", got, tt.want)
			}
		})
	}
	for _, in := range []string{
		"Content-Type: text/plain\r\nContent-Description: a\rBcc: x\r\n\r\nbody\r\n",
		"Content-Type: text/plain\r\nContent-Description: " + long + "\r\n\r\nbody\r\n",
	} {
		var fe *FormatError
		if _, err := canonicalize([]byte(in)); !errors.As(err, &fe) {
			t.Errorf("canonicalize(%.60q) = %v, want *FormatError", in, err)
		}
	}
}

// decodeLeaf returns the decoded body of a canonical leaf entity.
func decodeLeaf(t *testing.T, entity []byte) string {
	t.Helper()
	fields, body, err := splitHeader(entity)
	if err != nil {
		t.Fatal(err)
	}
	switch cte, _ := lookup(fields, "Content-Transfer-Encoding"); cte {
	case "base64":
		raw, err := decodeBase64(body)
		if err != nil {
			t.Fatal(err)
		}
		return string(raw)
	case "quoted-printable":
		raw, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
		if err != nil {
			t.Fatal(err)
		}
		return string(raw)
	}
	return string(body)
}

// TestCanonicalizeRelayShape: trailing white space in header fields is
// removed, a preamble that is not in canonical shape and every epilogue
// are dropped (receivers ignore both, RFC 2046 §5.1.1), and a boundary a
// relay would trim is refused (CASE-26).
func TestCanonicalizeRelayShape(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"header trailing space", "Content-Type: text/plain; \r\n charset=us-ascii\t\r\n\r\nx\r\n",
			"Content-Type: text/plain;\r\n charset=us-ascii\r\n\r\nx\r\n"},
		{"epilogue dropped", "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\nepi \r\n\r\n",
			"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n"},
		{"long preamble dropped", "Content-Type: multipart/mixed; boundary=b\r\n\r\n" + strings.Repeat("p", 1000) +
			"\r\n--b\r\n\r\nx\r\n--b--\r\n", "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n"},
		{"8bit preamble dropped", "Content-Type: multipart/mixed; boundary=b\r\n\r\npr\xc3\xa9\r\n--b\r\n\r\nx\r\n--b--\r\n",
			"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n"},
	}
	for _, tt := range tests {
		got, err := canonicalize([]byte(tt.in))
		if err != nil || string(got) != tt.want {
			t.Errorf("%s: canonicalize(%q) = %q, %v; want %q", tt.name, tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{
		"Content-Type: multipart/mixed; boundary=\"b \"\r\n\r\n--b \r\n\r\nx\r\n--b --\r\n",
		"Content-Type: text/plain\r\nContent-Description: a\r\n \r\n\r\nx\r\n",
	} {
		if _, err := canonicalize([]byte(in)); err == nil {
			t.Errorf("canonicalize(%q) succeeded, want an error", in)
		}
	}
}
