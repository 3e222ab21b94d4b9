// SPDX-License-Identifier: Apache-2.0

package mime

import (
	"bytes"
	"encoding/base64"
	"io"
	stdmime "mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"
)

// fixedRand is a deterministic randomness source for tests.
type fixedRand struct{ n byte }

func (r *fixedRand) Read(p []byte) (int, error) {
	for i := range p {
		r.n++
		p[i] = r.n
	}
	return len(p), nil
}

var testDate = time.Date(2026, 12, 4, 17, 30, 0, 0, time.FixedZone("", 3600))

// baseMessage returns a small valid message with reproducible output.
func baseMessage() *Message {
	return &Message{
		From:    Address{"Alice Example", "alice@example.org"},
		To:      []Address{{"Bob", "bob@example.net"}},
		Subject: "Hello",
		Date:    testDate,
		Text:    "Hi Bob.\r\n",
		Rand:    &fixedRand{},
	}
}

func write(t testing.TB, m *Message) []byte {
	t.Helper()
	var b bytes.Buffer
	n, err := m.WriteTo(&b)
	if err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	if n != int64(b.Len()) {
		t.Fatalf("WriteTo returned %d, wrote %d", n, b.Len())
	}
	checkWire(t, b.Bytes(), false)
	return b.Bytes()
}

// checkWire asserts what every message we write must be: CRLF line
// breaks only, no line over 998 octets (SEC-29, CASE-11), no NUL, 7-bit
// unless allow8, and header lines that are folded, not broken.
func checkWire(t testing.TB, b []byte, allow8 bool) {
	t.Helper()
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		t.Fatalf("message does not end in CRLF")
	}
	lines := bytes.Split(b[:len(b)-2], []byte("\r\n"))
	inHeader := true
	for i, l := range lines {
		if bytes.ContainsAny(l, "\r\n") {
			t.Fatalf("line %d holds a bare CR or LF: %q", i, l)
		}
		if len(l) > maxLine {
			t.Fatalf("line %d is %d octets", i, len(l))
		}
		if bytes.IndexByte(l, 0) >= 0 {
			t.Fatalf("line %d holds NUL", i)
		}
		if !allow8 {
			for _, c := range l {
				if c >= 0x80 {
					t.Fatalf("line %d holds 8-bit octet: %q", i, l)
				}
			}
		}
		if inHeader {
			if len(l) == 0 {
				inHeader = false
				continue
			}
			if l[0] == ' ' || l[0] == '\t' {
				if len(bytes.TrimLeft(l, " \t")) == 0 {
					t.Fatalf("header line %d is only white space", i)
				}
			} else if bytes.IndexByte(l, ':') <= 0 {
				t.Fatalf("header line %d is not a field: %q", i, l)
			}
		}
	}
}

// leaf is one decoded body part.
type leaf struct {
	MediaType   string
	Params      map[string]string
	Disposition string
	DispParams  map[string]string
	ContentID   string
	Encoding    string
	Body        string
}

// parseMessage reads b with net/mail and mime/multipart and returns the
// message and its leaf parts, bodies decoded.
func parseMessage(t testing.TB, b []byte) (*mail.Message, []leaf) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("mail.ReadMessage: %v", err)
	}
	var leaves []leaf
	walk(t, textprotoHeader(msg.Header), msg.Body, &leaves)
	return msg, leaves
}

type getter interface{ Get(string) string }

func textprotoHeader(h mail.Header) getter { return h }

func walk(t testing.TB, h getter, body io.Reader, out *[]leaf) {
	t.Helper()
	mt, params, err := stdmime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type %q: %v", h.Get("Content-Type"), err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatalf("multipart: %v", err)
			}
			walk(t, p.Header, p, out)
		}
	}
	l := leaf{MediaType: mt, Params: params, Encoding: h.Get("Content-Transfer-Encoding"),
		ContentID: h.Get("Content-ID")}
	if d := h.Get("Content-Disposition"); d != "" {
		l.Disposition, l.DispParams, err = stdmime.ParseMediaType(d)
		if err != nil {
			t.Fatalf("Content-Disposition %q: %v", d, err)
		}
	}
	var r io.Reader = body
	switch strings.ToLower(l.Encoding) {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, body)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("reading %s part: %v", l.Encoding, err)
	}
	l.Body = string(data)
	*out = append(*out, l)
}
