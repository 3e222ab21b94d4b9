// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"errors"
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
		if !is7bit(out) || needsCRLF(out) {
			t.Fatalf("canonicalize(%q) = %q: not 7-bit CRLF", in, out)
		}
		again, err := canonicalize(out)
		if err != nil || string(again) != string(out) {
			t.Fatalf("not idempotent: %q -> %q (%v)", out, again, err)
		}
	})
}
