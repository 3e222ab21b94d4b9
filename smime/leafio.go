// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime/quotedprintable"
)

// Streaming pieces of canonicalization: what a leaf part's body is
// measured with, and the encoders and decoders it passes through.

// lineStats measures a body as the text and line ends of its lines, to
// decide whether it can stay as it is.
type lineStats struct {
	eightBit   bool // a byte of 0x80 or above, or a NUL
	over998    bool // a line longer than 998 octets
	over76     bool // a line longer than 76 octets
	trailingWS bool // a line ending in a space or tab
	last       byte // the last byte of text seen, 0 before any
	cur        int  // length of the current line so far
}

func (s *lineStats) text(p []byte) {
	if len(p) == 0 {
		return
	}
	if !s.eightBit && !is7bit(p) {
		s.eightBit = true
	}
	s.cur += len(p)
	s.last = p[len(p)-1]
}

// eol ends the current line (also the last one, which has no line end).
func (s *lineStats) eol() {
	if s.cur > maxLine {
		s.over998 = true
	}
	if s.cur > 76 {
		s.over76 = true
	}
	if s.cur > 0 && (s.last == ' ' || s.last == '\t') {
		s.trailingWS = true
	}
	s.cur = 0
}

// safe7bit: the body, with CRLF line ends, can travel as 7bit unchanged.
func (s *lineStats) safe7bit() bool { return !s.eightBit && !s.over998 && !s.trailingWS }

// safeQP: the quoted-printable body, with CRLF line ends, is already in
// the shape relays leave alone: 7-bit, lines of at most 76 characters, no
// white space at a line end and no soft line break at its very end.
func (s *lineStats) safeQP() bool {
	return !s.eightBit && !s.over76 && !s.trailingWS && s.last != '='
}

// decodeError is a body that does not decode.
type decodeError struct{ err error }

func (e decodeError) Error() string { return e.err.Error() }

// b64Recoder decodes base64 written to it, line ends and white space
// ignored, into out, checking it as base64.StdEncoding.Decode would check
// the whole body at once. Close decodes the rest.
type b64Recoder struct {
	out    io.Writer
	buf    []byte // clean characters, fewer than a chunk
	dec    []byte
	padded bool // a quantum with padding was decoded: nothing may follow
}

const b64Chunk = 16 << 10 // characters decoded at once; a multiple of 4

func (r *b64Recoder) Write(p []byte) (int, error) {
	if r.buf == nil {
		r.buf = make([]byte, 0, b64Chunk)
		r.dec = make([]byte, b64Chunk/4*3)
	}
	taken := len(p)
	for len(p) > 0 {
		// Copy runs of base64 characters; skip line ends and white space.
		k := 0
		for k < len(p) && k < cap(r.buf)-len(r.buf) && !b64Skip[p[k]] {
			k++
		}
		r.buf = append(r.buf, p[:k]...)
		p = p[k:]
		if len(r.buf) == cap(r.buf) {
			if err := r.flush(); err != nil {
				return 0, err
			}
		}
		for len(p) > 0 && b64Skip[p[0]] {
			p = p[1:]
		}
	}
	return taken, nil
}

// b64Skip marks the bytes a base64 body may hold between characters.
var b64Skip = [256]bool{'\r': true, '\n': true, ' ': true, '\t': true}

func (r *b64Recoder) flush() error {
	if len(r.buf) == 0 {
		return nil
	}
	if r.padded {
		return decodeError{errors.New("data after the base64 padding")}
	}
	n, err := base64.StdEncoding.Decode(r.dec, r.buf)
	if err != nil {
		return decodeError{err}
	}
	r.padded = r.buf[len(r.buf)-1] == '='
	r.buf = r.buf[:0]
	_, err = r.out.Write(r.dec[:n])
	return err
}

func (r *b64Recoder) Close() error { return r.flush() }

// crlfWriter writes what it is given with every line end (LF, CRLF or a
// lone CR) as CRLF, as toCRLF does.
type crlfWriter struct {
	w       io.Writer
	afterCR bool // the last byte written was a CR, already sent as CRLF
	scratch []byte
}

func (c *crlfWriter) Write(p []byte) (int, error) {
	out := c.scratch[:0]
	rest := p
	for len(rest) > 0 {
		if c.afterCR && rest[0] == '\n' {
			rest = rest[1:] // the LF of a CRLF whose CR was sent as CRLF
			c.afterCR = false
			continue
		}
		i := lineEnd(rest)
		if i < 0 {
			out = append(out, rest...)
			c.afterCR = false
			break
		}
		out = append(append(out, rest[:i]...), '\r', '\n')
		c.afterCR = rest[i] == '\r'
		rest = rest[i+1:]
	}
	c.scratch = out
	if _, err := c.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (c *crlfWriter) Close() error { return nil }

// qpEncoder encodes CRLF text as quoted-printable, as encodeQP does:
// trailing white space is encoded, and the output never ends in a soft
// line break.
type qpEncoder struct {
	qp   *quotedprintable.Writer
	trim *trimSoftBreak
}

func newQPEncoder(w io.Writer) *qpEncoder {
	t := &trimSoftBreak{w: w}
	return &qpEncoder{qp: quotedprintable.NewWriter(t), trim: t}
}

func (q *qpEncoder) Write(p []byte) (int, error) { return q.qp.Write(p) }

func (q *qpEncoder) Close() error {
	if err := q.qp.Close(); err != nil {
		return err
	}
	return q.trim.Close()
}

// trimSoftBreak passes bytes on, holding the last three back so that
// Close can drop a final soft line break ("=\r\n").
type trimSoftBreak struct {
	w    io.Writer
	held []byte // at most 3 bytes, in buf
	buf  [6]byte
}

func (t *trimSoftBreak) Write(p []byte) (int, error) {
	if len(p) < 3 {
		all := append(append(t.buf[:0:0], t.held...), p...)
		k := max(len(all)-3, 0)
		if _, err := t.w.Write(all[:k]); err != nil {
			return 0, err
		}
		t.held = append(t.buf[:0], all[k:]...)
		return len(p), nil
	}
	if _, err := t.w.Write(t.held); err != nil {
		return 0, err
	}
	if _, err := t.w.Write(p[:len(p)-3]); err != nil {
		return 0, err
	}
	t.held = append(t.buf[:0], p[len(p)-3:]...)
	return len(p), nil
}

func (t *trimSoftBreak) Close() error {
	if bytes.Equal(t.held, []byte("=\r\n")) {
		return nil
	}
	_, err := t.w.Write(t.held)
	return err
}

// recodeQP decodes the quoted-printable body r (CRLF line ends) and
// writes it encoded again to w. A body that does not decode gives a
// decodeError.
func recodeQP(w io.Writer, r io.Reader) error {
	q := newQPEncoder(w)
	qr := quotedprintable.NewReader(r)
	buf := make([]byte, 32<<10)
	for {
		n, err := qr.Read(buf)
		if n > 0 {
			if _, werr := q.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return q.Close()
		}
		if err != nil {
			return decodeError{err}
		}
	}
}
