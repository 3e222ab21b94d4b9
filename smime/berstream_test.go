// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"encoding/asn1"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"
)

// berTLV is a definite-length element with content c.
func berTLV(id byte, c ...[]byte) []byte {
	body := bytes.Join(c, nil)
	return append(append([]byte{id}, derLength(len(body))...), body...)
}

// berIndef is an indefinite-length constructed element.
func berIndef(id byte, c ...[]byte) []byte {
	return append(append([]byte{id, 0x80}, bytes.Join(c, nil)...), 0, 0)
}

func berOS(s string) []byte { return berTLV(0x04, []byte(s)) }

// berOctetCases are OCTET STRINGs in the forms BER allows, all holding
// "hello, world".
var berOctetCases = []struct {
	name string
	in   []byte
}{
	{"primitive", berOS("hello, world")},
	{"constructed definite", berTLV(0x24, berOS("hel"), berOS("lo, "), berOS("world"))},
	{"constructed indefinite", berIndef(0x24, berOS("hello"), berOS(""), berOS(", world"))},
	{"nested", berIndef(0x24, berIndef(0x24, berOS("h"), berOS("ell")), berTLV(0x24, berOS("o, w")),
		berOS("orld"))},
	{"implicit [0] primitive", berTLV(0x80, []byte("hello, world"))},
	{"implicit [0] constructed", berIndef(0xa0, berOS("hello, "), berOS("world"))},
	{"long length", append([]byte{0x04, 0x88, 0, 0, 0, 0, 0, 0, 0, 12}, "hello, world"...)},
}

// TestBERReaderOctets reads each form of OCTET STRING as a stream, with
// the input and the output coming one byte at a time or whole, and
// checks that the stream ends exactly at the end of the element.
func TestBERReaderOctets(t *testing.T) {
	for _, tt := range berOctetCases {
		for _, oneByte := range []bool{false, true} {
			var in io.Reader = bytes.NewReader(append(bytes.Clone(tt.in), 'X'))
			if oneByte {
				in = iotest.OneByteReader(in)
			}
			b := newBERReader(in)
			h, err := b.next()
			if err != nil {
				t.Fatalf("%s: next: %v", tt.name, err)
			}
			r := b.octets(h)
			if oneByte {
				r = iotest.OneByteReader(r)
			}
			got, err := io.ReadAll(r)
			if err != nil || string(got) != "hello, world" {
				t.Errorf("%s (one byte %v): octets = %q, %v; want %q", tt.name, oneByte, got, err, "hello, world")
			}
			if c, err := b.readByte(); c != 'X' || err != nil || b.offset() != int64(len(tt.in))+1 {
				t.Errorf("%s: after the element: %q, %v at offset %d; want 'X' at %d", tt.name, c, err, b.offset(), len(tt.in)+1)
			}
		}
	}
}

// TestBERReaderOctetsIOTest runs the octet streams through
// iotest.TestReader, which checks the io.Reader contract.
func TestBERReaderOctetsIOTest(t *testing.T) {
	for _, tt := range berOctetCases {
		b := newBERReader(bytes.NewReader(tt.in))
		h, err := b.next()
		if err != nil {
			t.Fatal(err)
		}
		if err := iotest.TestReader(b.octets(h), []byte("hello, world")); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

// TestBERReaderHeaders: identifiers and lengths in their several forms.
func TestBERReaderHeaders(t *testing.T) {
	tests := []struct {
		in   []byte
		want berHeader
	}{
		{[]byte{0x30, 0x03}, berHeader{class: 0, constructed: true, tag: 16, length: 3, headerLen: 2}},
		{[]byte{0x30, 0x80}, berHeader{class: 0, constructed: true, tag: 16, length: -1, headerLen: 2}},
		{[]byte{0xa1, 0x81, 0x80}, berHeader{class: 2, constructed: true, tag: 1, length: 128, headerLen: 3}},
		{[]byte{0x9f, 0x81, 0x00, 0x82, 0x01, 0x00}, berHeader{class: 2, tag: 128, length: 256, headerLen: 6}},
		{[]byte{0x5f, 0x1f, 0x00}, berHeader{class: 1, tag: 31, headerLen: 3}},
		{[]byte{0xdf, 0xff, 0xff, 0xff, 0x7f, 0x00}, berHeader{class: 3, tag: 1<<28 - 1, headerLen: 6}},
		{[]byte{0x04, 0x88, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
			berHeader{tag: 4, length: 1<<63 - 1, headerLen: 10}},
		{[]byte{0x00, 0x00}, berHeader{headerLen: 2, eoc: true}},
	}
	for _, tt := range tests {
		h, err := newBERReader(bytes.NewReader(tt.in)).next()
		tt.want.raw = h.raw
		if err != nil || h != tt.want || !bytes.Equal(h.bytes(), tt.in) {
			t.Errorf("next(% x) = %+v, %v; want %+v", tt.in, h, err, tt.want)
		}
	}
}

// TestBERReaderWalk walks a SEQUENCE with definite and indefinite
// children, reading small elements whole as DER.
func TestBERReaderWalk(t *testing.T) {
	in := berIndef(0x30,
		berTLV(0x02, []byte{5}),
		berIndef(0x31, berIndef(0x30, berTLV(0x06, []byte{0x2a, 0x03}))),
		berIndef(0xa0, berOS("skipped")),
		berOS("last"))
	b := newBERReader(bytes.NewReader(in))
	h, err := b.next()
	if err != nil {
		t.Fatal(err)
	}
	f, err := b.enter(h)
	if err != nil {
		t.Fatal(err)
	}
	var got [][]byte
	for {
		more, err := b.more(f)
		if err != nil {
			t.Fatal(err)
		}
		if !more {
			break
		}
		h, err := b.nextIn(f)
		if err != nil {
			t.Fatal(err)
		}
		if h.is(asn1.ClassContextSpecific, 0) {
			if err := b.skip(h); err != nil {
				t.Fatal(err)
			}
			continue
		}
		der, err := b.element(h, 64)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, der)
	}
	want := [][]byte{{0x02, 0x01, 5}, {0x31, 0x06, 0x30, 0x04, 0x06, 0x02, 0x2a, 0x03}, berOS("last")}
	if len(got) != len(want) {
		t.Fatalf("walk = % x, want % x", got, want)
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("element %d = % x, want % x", i, got[i], want[i])
		}
	}
	if err := b.end(f); err != nil {
		t.Errorf("end after more reported the end: %v", err)
	}
	if eof, err := b.atEOF(); !eof || err != nil {
		t.Errorf("atEOF = %v, %v after the walk", eof, err)
	}
}

// berRandomOctets encodes content as a randomly chunked OCTET STRING,
// with definite and indefinite lengths nested up to depth.
func berRandomOctets(rng *rand.Rand, content []byte, depth int) []byte {
	if depth == 0 || rng.IntN(3) == 0 {
		return berTLV(0x04, content)
	}
	var chunks [][]byte
	for len(content) > 0 || rng.IntN(4) == 0 {
		n := min(len(content), rng.IntN(2*len(content)/3+2))
		chunks = append(chunks, berRandomOctets(rng, content[:n], depth-1))
		content = content[n:]
	}
	if rng.IntN(2) == 0 {
		return berIndef(0x24, chunks...)
	}
	return berTLV(0x24, chunks...)
}

// TestBERReaderRandomOctets compares the octet stream of randomly
// chunked and nested OCTET STRINGs with their content, and element with
// berToDER on the same input.
func TestBERReaderRandomOctets(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		content := make([]byte, rng.IntN(5000))
		for j := range content {
			content[j] = byte(rng.IntN(256))
		}
		in := berRandomOctets(rng, content, 6)
		var src io.Reader = bytes.NewReader(in)
		if i%2 == 1 {
			src = iotest.HalfReader(src)
		}
		b := newBERReader(src)
		h, err := b.next()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(b.octets(h))
		if err != nil || !bytes.Equal(got, content) {
			t.Fatalf("case %d: octets = %d bytes, %v; want %d bytes", i, len(got), err, len(content))
		}
		if eof, err := b.atEOF(); !eof || err != nil {
			t.Fatalf("case %d: octets did not end at the end of the element", i)
		}
		b = newBERReader(bytes.NewReader(in))
		h, _ = b.next()
		der, err := b.element(h, len(in))
		want, werr := berToDER(in)
		if err != nil || werr != nil || !bytes.Equal(der, want) {
			t.Fatalf("case %d: element = % x, %v; berToDER = % x, %v", i, der, err, want, werr)
		}
	}
}

// TestBERReaderMalformed: each input gives a *FormatError, whether read
// as an octet stream, whole or skipped; the last few are well-formed as
// generic BER and malformed only as OCTET STRINGs.
func TestBERReaderMalformed(t *testing.T) {
	deep := []byte("\x04\x01x")
	for range maxBERDepth + 2 {
		deep = berIndef(0x24, deep)
	}
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"indefinite primitive", []byte{0x04, 0x80, 0, 0}},
		{"length 0xff", []byte{0x04, 0xff}},
		{"nine length octets", []byte{0x04, 0x89, 0, 0, 0, 0, 0, 0, 0, 0, 1, 'x'}},
		{"length over 2^63", []byte{0x04, 0x88, 0x80, 0, 0, 0, 0, 0, 0, 0}},
		{"tag with leading zero digit", []byte{0x1f, 0x80, 0x01, 0x00}},
		{"tag of five digits", []byte{0x1f, 0x81, 0x81, 0x81, 0x81, 0x01, 0x00}},
		{"tag 0 with content", []byte{0x00, 0x01, 0x00}},
		{"nested too deeply", deep},
		{"huge length, short input", []byte{0x24, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x04, 0x01, 'x'}},
		{"missing end-of-contents", []byte{0x24, 0x80, 0x04, 0x01, 'x'}},
		{"chunk past its container", []byte{0x24, 0x03, 0x04, 0x05, 'h', 'e', 'l', 'l', 'o'}},
		{"chunk of another type", berIndef(0x24, berTLV(0x02, []byte{1}))},
		{"end-of-contents in a definite element", []byte{0x24, 0x02, 0x00, 0x00}},
	}
	for i, tt := range tests {
		hows := []string{"octets", "element", "skip"}
		if i >= len(tests)-3 {
			hows = hows[:1]
		}
		for _, how := range hows {
			err := berReadAs(tt.in, how, 1<<20)
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Errorf("%s as %s: %v, want a *FormatError", tt.name, how, err)
			}
		}
	}
}

// berReadAs reads the first element of in with octets, element (up to
// max bytes) or skip.
func berReadAs(in []byte, how string, max int) error {
	b := newBERReader(bytes.NewReader(in))
	h, err := b.next()
	if err != nil {
		return err
	}
	switch how {
	case "octets":
		_, err = io.Copy(io.Discard, b.octets(h))
	case "element":
		_, err = b.element(h, max)
	default:
		err = b.skip(h)
	}
	return err
}

// TestBERReaderTruncated: every proper prefix of a valid element is an
// error in each way of reading it, never a success or a panic.
func TestBERReaderTruncated(t *testing.T) {
	for _, tt := range berOctetCases {
		for n := range len(tt.in) {
			for _, how := range []string{"octets", "element", "skip"} {
				var fe *FormatError
				if err := berReadAs(tt.in[:n], how, 1<<20); !errors.As(err, &fe) {
					t.Errorf("%s cut to %d bytes, as %s: %v, want a *FormatError", tt.name, n, how, err)
				}
			}
		}
	}
}

// TestBERReaderOversized: element refuses more than max bytes, in the
// definite and indefinite forms, and allocates nothing from a length
// before its bytes arrive.
func TestBERReaderOversized(t *testing.T) {
	big := berTLV(0x04, bytes.Repeat([]byte("x"), 100))
	for _, in := range [][]byte{big, berIndef(0x24, big), berIndef(0x30, berIndef(0x24, berOS("x"), big))} {
		if err := berReadAs(in, "element", 64); err == nil || !strings.Contains(err.Error(), "more than 64 bytes") {
			t.Errorf("element(% .8x..., 64) = %v, want too large", in, err)
		}
		if err := berReadAs(in, "element", len(in)); err != nil {
			t.Errorf("element of %d bytes with max %d: %v", len(in), len(in), err)
		}
	}
	huge := []byte{0x04, 0x84, 0x7f, 0xff, 0xff, 0xff, 'x'}
	var err error
	n := bigAllocated(func() { err = berReadAs(huge, "element", 1<<31) })
	if err == nil || n > 1<<20 {
		t.Errorf("element of a 2 GiB length with 1 byte behind it: %v, allocated %d bytes", err, n)
	}
}

// FuzzBERReader walks arbitrary input with every reading method: none
// may panic, and where berToDER accepts an OCTET STRING, its stream
// must equal the joined content of the DER.
func FuzzBERReader(f *testing.F) {
	for _, tt := range berOctetCases {
		f.Add(tt.in)
	}
	f.Add(berIndef(0x30, berTLV(0x02, []byte{5}), berIndef(0x31, berOS("x")), berIndef(0xa0, berOS("y"))))
	f.Fuzz(func(t *testing.T, in []byte) {
		b := newBERReader(bytes.NewReader(in))
		if h, err := b.next(); err == nil {
			berWalk(b, h, 0)
		}
		for _, how := range []string{"element", "skip"} {
			berReadAs(in, how, 1<<16)
		}
		der, err := berToDER(in)
		if err != nil || len(in) == 0 || in[0]&^0x20 != 0x04 {
			return
		}
		want, err := berJoinOctets(der)
		if err != nil {
			return
		}
		b = newBERReader(bytes.NewReader(in))
		h, _ := b.next()
		got, err := io.ReadAll(b.octets(h))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("octets(% x) = % x, %v; the DER holds % x", in, got, err, want)
		}
	})
}

// berWalk reads an element whatever it is: OCTET STRINGs as streams,
// other constructed elements child by child, the rest whole.
func berWalk(b *berReader, h berHeader, depth int) error {
	switch {
	case h.eoc:
		return nil
	case h.is(asn1.ClassUniversal, asn1.TagOctetString):
		_, err := io.Copy(io.Discard, b.octets(h))
		return err
	case depth > maxBERDepth:
		return b.skip(h)
	case h.constructed:
		f, err := b.enter(h)
		for err == nil {
			var more bool
			if more, err = b.more(f); !more || err != nil {
				return err
			}
			if h, err = b.nextIn(f); err == nil {
				err = berWalk(b, h, depth+1)
			}
		}
		return err
	}
	_, err := b.element(h, 1<<16)
	return err
}

// berJoinOctets returns the content of a DER OCTET STRING, joining the
// chunks of a constructed one, by encoding/asn1.
func berJoinOctets(der []byte) ([]byte, error) {
	var v asn1.RawValue
	if rest, err := asn1.Unmarshal(der, &v); err != nil || len(rest) > 0 || v.Class != asn1.ClassUniversal || v.Tag != asn1.TagOctetString {
		return nil, errors.New("not one OCTET STRING")
	}
	if !v.IsCompound {
		return v.Bytes, nil
	}
	var out []byte
	for rest := v.Bytes; len(rest) > 0; {
		var c asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &c); err != nil {
			return nil, err
		}
		b, err := berJoinOctets(c.FullBytes)
		if err != nil {
			return nil, err
		}
		out = append(out, b...)
	}
	return out, nil
}
