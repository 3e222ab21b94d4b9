// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bufio"
	"bytes"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math"
)

// A streaming reader of BER (X.690), and so of DER, for CMS objects too
// large to hold: the header of one element at a time, small elements
// whole (converted to DER for encoding/asn1), and the content of a large
// OCTET STRING as a stream, whether primitive or constructed of chunks,
// with definite or indefinite lengths, as OpenSSL and Outlook write it.
//
// A CMS structure is walked like this:
//
//	h, err := b.next()           // the ContentInfo SEQUENCE
//	f, err := b.enter(h)         // walk its children (a *berFrame)
//	for more, err := b.more(f); more; more, err = b.more(f) {
//		h, err := b.nextIn(f)
//		der, err := b.element(h, berMaxSmall) // a small child, whole
//		// or: r := b.octets(h)               // a large OCTET STRING
//		// or: err := b.skip(h)               // a child of no interest
//	}
//
// or, when the children are known, by nextIn for each and then end(f),
// which checks that nothing follows them. Once more has returned false
// or end has returned nil, the frame is done: both report its end again
// without reading (the end-of-contents octets are read once). Children
// must be read or skipped before more is asked again; the reader keeps
// no stack, so the caller bounds the depth of the frames it enters.
//
// Nothing is allocated from a length in the input before the bytes it
// announces have arrived; nesting inside element, skip and octets is
// bounded by maxBERDepth, and elements read whole by their max argument.
// Malformed or truncated input gives a *FormatError; errors of the
// underlying reader come back wrapped ("smime: read: ...").

const (
	// berMaxSmall bounds the elements a CMS reader takes whole:
	// algorithm identifiers, RecipientInfos, certificates, SignerInfos.
	berMaxSmall = 1 << 20
	// berMaxHeader is the longest identifier and length accepted: a tag
	// of up to four base-128 digits and a length of up to eight octets.
	berMaxHeader = 1 + 4 + 1 + 8
)

// berHeader is the identifier and length octets of an element.
type berHeader struct {
	class       int // asn1.ClassUniversal, asn1.ClassContextSpecific, ...
	constructed bool
	tag         int
	length      int64 // of the content; -1 for the indefinite form
	headerLen   int
	eoc         bool // the end-of-contents octets 00 00
	raw         [berMaxHeader]byte
}

// is reports whether h is the element of class and tag.
func (h berHeader) is(class, tag int) bool { return !h.eoc && h.class == class && h.tag == tag }

// bytes returns the header octets as read.
func (h berHeader) bytes() []byte { return h.raw[:h.headerLen] }

// berFrame is a constructed element being walked: the offset where its
// content ends, or -1 for an indefinite length, and whether its end has
// been reached (and its end-of-contents octets read).
type berFrame struct {
	end  int64
	done bool
}

// berReader reads BER elements from a stream; see the top of the file.
type berReader struct {
	r   *bufio.Reader
	pos int64 // bytes consumed
}

// newBERReader returns a reader of the BER elements in r. A
// *bufio.Reader is used as it is.
func newBERReader(r io.Reader) *berReader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 32<<10)
	}
	return &berReader{r: br}
}

// offset returns the number of bytes consumed so far.
func (b *berReader) offset() int64 { return b.pos }

// Read reads raw bytes, for a caller that knows their length from a
// header; io.EOF comes back as it is.
func (b *berReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.pos += int64(n)
	return n, err
}

// atEOF reports whether the input has ended.
func (b *berReader) atEOF() (bool, error) {
	_, err := b.r.Peek(1)
	if err == io.EOF {
		return true, nil
	}
	return false, err
}

// truncated turns the end of the input inside an element into a
// *FormatError, passes a *FormatError (from a decoder under the reader)
// on, and wraps other errors of the underlying reader.
func (b *berReader) truncated(err error) error {
	var fe *FormatError
	switch {
	case err == nil || errors.As(err, &fe):
		return err
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		return formatErrorf("the CMS object ends inside an element, %d bytes into it: the message is truncated", b.pos)
	}
	return fmt.Errorf("smime: read: %w", err)
}

func (b *berReader) readByte() (byte, error) {
	c, err := b.r.ReadByte()
	if err != nil {
		return 0, b.truncated(err)
	}
	b.pos++
	return c, nil
}

// next reads the identifier and length octets of the next element. The
// end-of-contents octets come back with eoc set.
func (b *berReader) next() (berHeader, error) {
	var h berHeader
	c, err := b.readByte()
	if err != nil {
		return h, err
	}
	h.raw[0], h.headerLen = c, 1
	h.class, h.constructed, h.tag = int(c>>6), c&0x20 != 0, int(c&0x1f)
	if h.tag == 0x1f {
		if h.tag, err = b.longTag(&h); err != nil {
			return h, err
		}
	}
	if h.length, err = b.length(&h); err != nil {
		return h, err
	}
	if h.raw[0] == 0 {
		if h.length != 0 {
			return h, formatErrorf("BER: element with tag 0 at offset %d", b.pos)
		}
		h.eoc = true
	}
	return h, nil
}

// longTag reads a tag number in base-128 digits, at most four.
func (b *berReader) longTag(h *berHeader) (int, error) {
	tag := 0
	for i := 0; ; i++ {
		if i == 4 {
			return 0, formatErrorf("BER: tag number too large at offset %d", b.pos)
		}
		c, err := b.readByte()
		if err != nil {
			return 0, err
		}
		h.raw[h.headerLen] = c
		h.headerLen++
		if i == 0 && c == 0x80 {
			return 0, formatErrorf("BER: tag number with a leading zero digit at offset %d", b.pos)
		}
		tag = tag<<7 | int(c&0x7f)
		if c&0x80 == 0 {
			return tag, nil
		}
	}
}

// length reads the length octets: short, long of up to eight octets, or
// indefinite (constructed elements only).
func (b *berReader) length(h *berHeader) (int64, error) {
	c, err := b.readByte()
	if err != nil {
		return 0, err
	}
	h.raw[h.headerLen] = c
	h.headerLen++
	switch {
	case c < 0x80:
		return int64(c), nil
	case c == 0x80:
		if !h.constructed {
			return 0, formatErrorf("BER: indefinite length of a primitive element at offset %d", b.pos)
		}
		return -1, nil
	case c == 0xff || c&0x7f > 8:
		return 0, formatErrorf("BER: length of %d octets at offset %d", c&0x7f, b.pos)
	}
	var l uint64
	for range int(c & 0x7f) {
		d, err := b.readByte()
		if err != nil {
			return 0, err
		}
		h.raw[h.headerLen] = d
		h.headerLen++
		l = l<<8 | uint64(d)
	}
	if l > math.MaxInt64 {
		return 0, formatErrorf("BER: length too large at offset %d", b.pos)
	}
	return int64(l), nil
}

// nextIn reads the next header inside f, checking that a definite
// length does not run past the end of f.
func (b *berReader) nextIn(f *berFrame) (berHeader, error) {
	if f.done {
		return berHeader{}, formatErrorf("BER: element expected after the end of its container (offset %d)", b.pos)
	}
	h, err := b.next()
	if err != nil {
		return h, err
	}
	if f.end >= 0 && (h.eoc || h.length > f.end-b.pos) {
		return h, formatErrorf("BER: element runs past its container at offset %d", b.pos)
	}
	return h, nil
}

// enter starts walking the children of the constructed element h, whose
// header was just read.
func (b *berReader) enter(h berHeader) (*berFrame, error) {
	if !h.constructed || h.eoc {
		return nil, formatErrorf("BER: primitive element where a constructed one belongs (offset %d)", b.pos)
	}
	if h.length < 0 {
		return &berFrame{end: -1}, nil
	}
	return &berFrame{end: b.pos + h.length}, nil
}

// more reports whether another child follows in f. At the end of an
// indefinite f it consumes the end-of-contents octets.
func (b *berReader) more(f *berFrame) (bool, error) {
	if f.done {
		return false, nil
	}
	if f.end >= 0 {
		if b.pos > f.end {
			return false, formatErrorf("BER: element runs past its container at offset %d", b.pos)
		}
		f.done = b.pos == f.end
		return !f.done, nil
	}
	p, err := b.r.Peek(2)
	if err != nil {
		return false, b.truncated(err)
	}
	if p[0] == 0 && p[1] == 0 {
		b.r.Discard(2)
		b.pos += 2
		f.done = true
		return false, nil
	}
	return true, nil
}

// end checks that no child is left in f, reading its end-of-contents
// octets if it is indefinite.
func (b *berReader) end(f *berFrame) error {
	more, err := b.more(f)
	if err == nil && more {
		err = formatErrorf("BER: unexpected element at offset %d", b.pos)
	}
	return err
}

// element reads the rest of the element h, whose header was just read,
// and returns the whole element as DER (see berToDER), refusing elements
// of more than max bytes.
func (b *berReader) element(h berHeader, max int) ([]byte, error) {
	if h.eoc {
		return nil, formatErrorf("BER: unexpected end-of-contents at offset %d", b.pos)
	}
	var buf bytes.Buffer
	buf.Write(h.bytes())
	if err := b.capture(&buf, h, max, 0); err != nil {
		return nil, err
	}
	return berToDER(buf.Bytes())
}

// capture appends the content of h to buf as it comes.
func (b *berReader) capture(buf *bytes.Buffer, h berHeader, max, depth int) error {
	if depth > maxBERDepth {
		return formatErrorf("BER: nested too deeply at offset %d", b.pos)
	}
	if h.length >= 0 {
		if h.length > int64(max-buf.Len()) {
			return formatErrorf("BER: element of more than %d bytes at offset %d", max, b.pos)
		}
		_, err := io.CopyN(buf, b, h.length)
		return b.truncated(err)
	}
	for {
		c, err := b.next()
		if err != nil {
			return err
		}
		buf.Write(c.bytes())
		if buf.Len() > max {
			return formatErrorf("BER: element of more than %d bytes at offset %d", max, b.pos)
		}
		if c.eoc {
			return nil
		}
		if err := b.capture(buf, c, max, depth+1); err != nil {
			return err
		}
	}
}

// skip reads past the rest of the element h, whose header was just
// read, keeping nothing.
func (b *berReader) skip(h berHeader) error { return b.skipDepth(h, 0) }

func (b *berReader) skipDepth(h berHeader, depth int) error {
	if depth > maxBERDepth {
		return formatErrorf("BER: nested too deeply at offset %d", b.pos)
	}
	if h.eoc {
		return formatErrorf("BER: unexpected end-of-contents at offset %d", b.pos)
	}
	if h.length >= 0 {
		_, err := io.CopyN(io.Discard, b, h.length)
		return b.truncated(err)
	}
	for {
		c, err := b.next()
		if err != nil || c.eoc {
			return err
		}
		if err := b.skipDepth(c, depth+1); err != nil {
			return err
		}
	}
}

// octets returns the content of the OCTET STRING h (or of an IMPLICIT
// OCTET STRING under another tag), whose header was just read, as a
// stream: the content of a primitive element, or the joined contents of
// the OCTET STRING chunks of a constructed one, nested to any depth up
// to maxBERDepth. The stream ends (io.EOF) exactly at the end of h; a
// chunk of another type or input ending early is a *FormatError.
func (b *berReader) octets(h berHeader) io.Reader {
	o := &berOctets{b: b}
	switch {
	case h.eoc:
		o.err = formatErrorf("BER: unexpected end-of-contents at offset %d", b.pos)
	case h.constructed:
		f, err := b.enter(h)
		o.stack, o.err = []*berFrame{f}, err
	default:
		o.left = h.length
	}
	return o
}

// berOctets is the stream octets returns.
type berOctets struct {
	b     *berReader
	left  int64       // bytes left in the current primitive chunk
	stack []*berFrame // the constructed elements open
	err   error
}

func (o *berOctets) Read(p []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	if o.left == 0 {
		if o.err = o.nextChunk(); o.err != nil {
			return 0, o.err
		}
	}
	if int64(len(p)) > o.left {
		p = p[:o.left]
	}
	n, err := o.b.Read(p)
	o.left -= int64(n)
	if err != nil {
		o.err = o.b.truncated(err)
		return n, o.err
	}
	return n, nil
}

// nextChunk moves to the next primitive chunk with content, or returns
// io.EOF at the end of the element.
func (o *berOctets) nextChunk() error {
	for o.left == 0 {
		if len(o.stack) == 0 {
			return io.EOF
		}
		f := o.stack[len(o.stack)-1]
		more, err := o.b.more(f)
		if err != nil {
			return err
		}
		if !more {
			o.stack = o.stack[:len(o.stack)-1]
			continue
		}
		h, err := o.b.nextIn(f)
		if err != nil {
			return err
		}
		if !h.is(asn1.ClassUniversal, asn1.TagOctetString) {
			return formatErrorf("BER: constructed OCTET STRING holds another type at offset %d", o.b.pos)
		}
		if !h.constructed {
			o.left = h.length
			continue
		}
		if len(o.stack) >= maxBERDepth {
			return formatErrorf("BER: nested too deeply at offset %d", o.b.pos)
		}
		f, err = o.b.enter(h)
		if err != nil {
			return err
		}
		o.stack = append(o.stack, f)
	}
	return nil
}
