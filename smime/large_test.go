// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"hash/fnv"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// bigKinds lists the attachment shapes bigMessage makes.
var bigKinds = []string{"base64", "base64-lf", "qp", "8bit", "binary", "nested"}

// bigMessage returns a reader of a whole RFC 5322 message (From, To,
// Subject, Date, Message-ID, MIME-Version and a multipart/mixed
// Content-Type) whose body is a short text/plain part and an attachment
// part of about size bytes, in the shape kind names:
//
//   - "base64": application/octet-stream, base64 in 76-column lines
//     ending in CRLF, as mailwright's mime package writes it (canonical);
//   - "base64-lf": the same content in 64-column lines, and the whole
//     message with LF line ends;
//   - "qp": a UTF-8 text/plain part in quoted-printable as a careless
//     encoder writes it: lines over 76 characters without soft breaks,
//     and transport padding (spaces) at the end of some lines;
//   - "8bit": a UTF-8 text/plain part sent as 8bit with LF line ends (the
//     whole message too), some lines over 76 octets or ending in spaces;
//   - "binary": application/octet-stream sent as binary (NULs, bare CRs
//     and LFs);
//   - "nested": a multipart/alternative inside the multipart/mixed, whose
//     second alternative is a multipart/mixed holding a text/html part and
//     a message/rfc822 part; the forwarded message holds an 8bit text part
//     and the large attachment as base64 in 64-column CRLF lines.
//
// The message is made as it is read, a few KiB at a time, so a large one
// is never held in memory. The content comes from a PCG generator seeded
// from size and kind: the same arguments give the same bytes.
// [bigLeaves] tells what its parts hold once decoded.
func bigMessage(size int64, kind string) io.Reader {
	m := newBigMessage(size, kind)
	r := &bigReader{}
	r.pieces = m.pieces(m.eol, nil)
	return r
}

// bigLeaves returns the leaf parts of bigMessage(size, kind) in
// depth-first order with the SHA-256 and length of their decoded content
// (text with CRLF line ends, as RFC 2046 §4.1.1 has it), computed from the
// content generators alone, not from the encoded message.
func bigLeaves(size int64, kind string) []bigLeaf {
	return newBigMessage(size, kind).leaves(nil)
}

// bigLeaf is one leaf part of a message: its media type and the length
// and SHA-256 of its decoded content.
type bigLeaf struct {
	Type string
	Len  int64
	Sum  [sha256.Size]byte
}

// String names the leaf for test failure messages.
func (l bigLeaf) String() string {
	return fmt.Sprintf("%s (%d bytes, sha256 %x)", l.Type, l.Len, l.Sum[:8])
}

// bigPart describes one entity of a generated message: its header fields
// and either child parts (multipart), an enclosed message
// (message/rfc822) or a leaf body.
type bigPart struct {
	header   []string
	boundary string
	children []*bigPart
	enclosed *bigPart
	leaf     *bigBody
}

// bigBody is the content of a leaf part and the way it is encoded.
type bigBody struct {
	typ    string // media type, for bigLeaf
	binary func() *bigRandSource
	text   func() bigLineSource
	enc    string // "b64", "identity" or "qp"
	width  int    // base64 line length
}

// The boundaries of the generated multiparts.
const (
	bigOuter = "=_mwbig_outer_4d2a"
	bigAlt   = "=_mwbig_alt_91c7"
	bigInner = "=_mwbig_inner_0be3"
	bigFwd   = "=_mwbig_fwd_5f18"
)

// bigMessageGen holds the part tree of one message and its line end.
type bigMessageGen struct {
	*bigPart
	eol string
}

// newBigMessage builds the part tree of bigMessage(size, kind); it
// allocates the generators' state, not their output.
func newBigMessage(size int64, kind string) *bigMessageGen {
	h := fnv.New64a()
	h.Write([]byte(kind))
	seed := h.Sum64()
	binarySrc := func(n int64) func() *bigRandSource {
		return func() *bigRandSource { return newBigRandSource(uint64(size), seed, n) }
	}
	textSrc := func(n int64, trailing bool) func() bigLineSource {
		return func() bigLineSource { return newBigTextSource(uint64(size), seed, n, trailing) }
	}
	eol := "\r\n"
	var att *bigPart
	switch kind {
	case "base64":
		att = fileAttachment("base64", &bigBody{typ: "application/octet-stream",
			binary: binarySrc(size / 78 * 57), enc: "b64", width: 76})
	case "base64-lf":
		eol = "\n"
		att = fileAttachment("base64", &bigBody{typ: "application/octet-stream",
			binary: binarySrc(size / 65 * 48), enc: "b64", width: 64})
	case "binary":
		att = fileAttachment("binary", &bigBody{typ: "application/octet-stream",
			binary: binarySrc(size), enc: "identity"})
	case "qp":
		att = textAttachment("quoted-printable", &bigBody{typ: "text/plain",
			text: textSrc(size*13/20, false), enc: "qp"})
	case "8bit":
		eol = "\n"
		att = textAttachment("8bit", &bigBody{typ: "text/plain",
			text: textSrc(size, true), enc: "identity"})
	case "nested":
		att = nestedPart(&bigBody{typ: "application/octet-stream",
			binary: binarySrc(size / 66 * 48), enc: "b64", width: 64})
	default:
		panic("bigMessage: unknown kind " + kind)
	}
	top := &bigPart{
		header: []string{
			"From: Alice Example <alice@example.test>",
			"To: Bob Example <bob@example.test>",
			fmt.Sprintf("Subject: Quarterly data (%s, %d bytes)", kind, size),
			"Date: Fri, 04 Dec 2026 17:00:00 +0000",
			fmt.Sprintf("Message-ID: <big.%s.%d@example.test>", kind, size),
			"MIME-Version: 1.0",
			`Content-Type: multipart/mixed; boundary="` + bigOuter + `"`,
		},
		boundary: bigOuter,
		children: []*bigPart{introPart(), att},
	}
	return &bigMessageGen{bigPart: top, eol: eol}
}

// introPart is the short 7bit text before the attachment.
func introPart() *bigPart {
	return &bigPart{
		header: []string{"Content-Type: text/plain; charset=us-ascii", "Content-Transfer-Encoding: 7bit"},
		leaf: &bigBody{typ: "text/plain", enc: "identity", text: func() bigLineSource {
			return bigFixedLines("Hi Bob,", "", "the file you asked for is attached.", "", "Alice")
		}},
	}
}

// fileAttachment is an application/octet-stream attachment part.
func fileAttachment(cte string, b *bigBody) *bigPart {
	return &bigPart{
		header: []string{
			`Content-Type: application/octet-stream; name="data.bin"`,
			`Content-Disposition: attachment; filename="data.bin"`,
			"Content-Transfer-Encoding: " + cte,
		},
		leaf: b,
	}
}

// textAttachment is a UTF-8 text/plain attachment part.
func textAttachment(cte string, b *bigBody) *bigPart {
	return &bigPart{
		header: []string{
			"Content-Type: text/plain; charset=utf-8",
			`Content-Disposition: attachment; filename="notes.txt"`,
			"Content-Transfer-Encoding: " + cte,
		},
		leaf: b,
	}
}

// nestedPart is multipart/alternative { text/plain, multipart/mixed {
// text/html, message/rfc822 { multipart/mixed { text/plain 8bit, att } } } }.
func nestedPart(att *bigBody) *bigPart {
	plain := &bigPart{
		header: []string{"Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: quoted-printable"},
		leaf: &bigBody{typ: "text/plain", enc: "qp", text: func() bigLineSource {
			return bigFixedLines("Forwarding the report — see below.", "", "Alice")
		}},
	}
	html := &bigPart{
		header: []string{"Content-Type: text/html; charset=us-ascii"},
		leaf: &bigBody{typ: "text/html", enc: "identity", text: func() bigLineSource {
			return bigFixedLines("<html><body>", "<p>Forwarding the report &mdash; see below.</p>", "</body></html>")
		}},
	}
	fwdText := &bigPart{
		header: []string{"Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"},
		leaf: &bigBody{typ: "text/plain", enc: "identity", text: func() bigLineSource {
			return bigFixedLines("Grüße aus Köln,", "die Zahlen für das Quartal hängen an.", "", "Carol")
		}},
	}
	fwd := &bigPart{
		header: []string{
			"From: Carol Example <carol@example.test>",
			"To: Alice Example <alice@example.test>",
			"Subject: Quartalszahlen",
			"Date: Thu, 03 Dec 2026 09:30:00 +0100",
			"MIME-Version: 1.0",
			`Content-Type: multipart/mixed; boundary="` + bigFwd + `"`,
		},
		boundary: bigFwd,
		children: []*bigPart{fwdText, {
			header: []string{
				`Content-Type: application/octet-stream; name="data.bin"`,
				"Content-Transfer-Encoding: base64",
			},
			leaf: att,
		}},
	}
	rfc822 := &bigPart{header: []string{"Content-Type: message/rfc822"}, enclosed: fwd}
	inner := &bigPart{
		header:   []string{`Content-Type: multipart/mixed; boundary="` + bigInner + `"`},
		boundary: bigInner,
		children: []*bigPart{html, rfc822},
	}
	return &bigPart{
		header:   []string{`Content-Type: multipart/alternative; boundary="` + bigAlt + `"`},
		boundary: bigAlt,
		children: []*bigPart{plain, inner},
	}
}

// pieces appends the pieces that write p, with line end eol, to out. A
// multipart is written as mailwright's mime package writes one: each
// delimiter but the first preceded by a line end of its own.
func (p *bigPart) pieces(eol string, out []bigPiece) []bigPiece {
	out = append(out, bigStatic(strings.Join(p.header, eol)+eol+eol))
	switch {
	case p.boundary != "":
		for i, c := range p.children {
			d := "--" + p.boundary + eol
			if i > 0 {
				d = eol + d
			}
			out = append(out, bigStatic(d))
			out = c.pieces(eol, out)
		}
		out = append(out, bigStatic(eol+"--"+p.boundary+"--"+eol))
	case p.enclosed != nil:
		out = p.enclosed.pieces(eol, out)
	default:
		out = append(out, p.leaf.encoder(eol))
	}
	return out
}

// leaves appends the expected leaves of p to out.
func (p *bigPart) leaves(out []bigLeaf) []bigLeaf {
	switch {
	case p.boundary != "":
		for _, c := range p.children {
			out = c.leaves(out)
		}
		return out
	case p.enclosed != nil:
		return p.enclosed.leaves(out)
	}
	h := sha256.New()
	var n int64
	if p.leaf.binary != nil {
		n, _ = io.Copy(h, p.leaf.binary())
	} else {
		src := p.leaf.text()
		var line []byte
		for more := true; more; {
			line, more = src.line(line[:0])
			if more {
				line = append(line, "\r\n"...)
				h.Write(line)
				n += int64(len(line))
			}
		}
	}
	l := bigLeaf{Type: p.leaf.typ, Len: n}
	h.Sum(l.Sum[:0])
	return append(out, l)
}

// encoder returns the piece that writes the encoded body of b.
func (b *bigBody) encoder(eol string) bigPiece {
	switch {
	case b.binary != nil && b.enc == "b64":
		return bigBase64Piece(b.binary, b.width, eol)
	case b.binary != nil:
		return bigRawPiece(b.binary)
	case b.enc == "qp":
		return bigLinesPiece(b.text, eol, bigQPLine)
	}
	return bigLinesPiece(b.text, eol, func(dst, line []byte, _ int) []byte { return append(dst, line...) })
}

// TestBigMessage checks the generator itself, so that a failure of the
// tests built on it points at Protect: read back with the standard
// library, every kind holds the leaves bigLeaves predicts; the message is
// about the size asked for, the same on every run and whatever the read
// sizes; and it has the shape its kind promises (the shapes
// canonicalization must rewrite are really there).
func TestBigMessage(t *testing.T) {
	const size = 1 << 20
	for _, kind := range bigKinds {
		t.Run(kind, func(t *testing.T) {
			b, err := io.ReadAll(bigMessage(size, kind))
			if err != nil {
				t.Fatal(err)
			}
			if n := len(b); n < size*9/10 || n > size*11/10+4096 {
				t.Errorf("message is %d bytes, want about %d", n, size)
			}
			got, err := bigDecodeLeaves(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("bigDecodeLeaves: %v", err)
			}
			if want := bigLeaves(size, kind); !slices.Equal(got, want) {
				t.Errorf("decoded leaves\n%v\nwant\n%v", got, want)
			}
			if err := iotest.TestReader(bigMessage(size, kind), b); err != nil {
				t.Errorf("reads of other sizes: %v", err)
			}
			again := bigReadAll(t, bigMessage(size, kind))
			if !bytes.Equal(again, b) {
				t.Errorf("a second bigMessage(%d, %q) differs from the first", size, kind)
			}
			if err := bigShape(kind, b); err != nil {
				t.Error(err)
			}
		})
	}
}

// bigReadAll reads r to its end or fails the test.
func bigReadAll(t *testing.T, r io.Reader) []byte {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// bigShape reports whether msg has the features its kind promises.
func bigShape(kind string, msg []byte) error {
	var longest int
	var bareLF, crlf, trailingWS, nonASCII, nul, bareCR bool
	for _, line := range bytes.SplitAfter(msg, []byte("\n")) {
		body := bytes.TrimSuffix(line, []byte("\n"))
		if len(body) < len(line) {
			if bytes.HasSuffix(body, []byte("\r")) {
				crlf = true
				body = body[:len(body)-1]
			} else {
				bareLF = true
			}
		}
		longest = max(longest, len(body))
		if n := len(body); n > 0 && (body[n-1] == ' ' || body[n-1] == '\t') {
			trailingWS = true
		}
		nul = nul || bytes.IndexByte(body, 0) >= 0
		bareCR = bareCR || bytes.IndexByte(body, '\r') >= 0
		nonASCII = nonASCII || bytes.ContainsFunc(body, func(r rune) bool { return r >= 0x80 })
	}
	has := func(s string) bool { return bytes.Contains(msg, []byte(s)) }
	var ok bool
	switch kind {
	case "base64":
		ok = !bareLF && longest == 76 && has("\r\n\r\n--"+bigOuter+"--\r\n") && !nonASCII
	case "base64-lf":
		ok = !crlf && longest == 64 && !nonASCII
	case "qp":
		ok = !bareLF && longest > 76 && trailingWS && !nonASCII && has("=C3=BC")
	case "8bit":
		ok = !crlf && longest > 76 && trailingWS && nonASCII
	case "binary":
		ok = nul && bareCR && nonASCII
	case "nested":
		ok = !bareLF && nonASCII && has("Content-Type: message/rfc822") &&
			has("multipart/alternative") && longest == 64
	}
	if !ok {
		return fmt.Errorf("%s message: longest line %d, bare LF %v, CRLF %v, trailing white space %v, "+
			"8-bit %v, NUL %v, bare CR %v", kind, longest, bareLF, crlf, trailingWS, nonASCII, nul, bareCR)
	}
	return nil
}
