// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"encoding/base64"
	"io"
)

// The pieces here make a generated message as it is read, a few KiB at
// a time (see bigMessage).

// bigPiece appends the next bytes of a stream to dst and reports whether
// more follow.
type bigPiece func(dst []byte) ([]byte, bool)

// bigStatic is a piece that writes s.
func bigStatic(s string) bigPiece {
	return func(dst []byte) ([]byte, bool) { return append(dst, s...), false }
}

// bigChunk is about how many bytes one call of a piece adds.
const bigChunk = 32 << 10

// bigBase64Piece encodes the bytes of a new source in lines of width
// characters ending in eol.
func bigBase64Piece(newSrc func() *bigRandSource, width int, eol string) bigPiece {
	var src *bigRandSource
	lineIn := width / 4 * 3
	raw := make([]byte, 0, bigChunk/width*lineIn)
	return func(dst []byte) ([]byte, bool) {
		if src == nil {
			src = newSrc()
		}
		raw = raw[:cap(raw)]
		n, _ := io.ReadFull(src, raw)
		for r := raw[:n]; len(r) > 0; {
			k := min(len(r), lineIn)
			dst = base64.StdEncoding.AppendEncode(dst, r[:k])
			dst = append(dst, eol...)
			r = r[k:]
		}
		return dst, n == len(raw)
	}
}

// bigRawPiece copies the bytes of a new source unchanged.
func bigRawPiece(newSrc func() *bigRandSource) bigPiece {
	var src *bigRandSource
	return func(dst []byte) ([]byte, bool) {
		if src == nil {
			src = newSrc()
		}
		dst = dst[:cap(dst)]
		if len(dst) < bigChunk {
			dst = make([]byte, bigChunk)
		}
		n, _ := io.ReadFull(src, dst)
		return dst[:n], n == len(dst)
	}
}

// bigLinesPiece writes the lines of a new source, each through enc (which
// gets the line's number) and followed by eol.
func bigLinesPiece(newSrc func() bigLineSource, eol string, enc func(dst, line []byte, i int) []byte) bigPiece {
	var src bigLineSource
	var line []byte
	i := 0
	return func(dst []byte) ([]byte, bool) {
		if src == nil {
			src = newSrc()
		}
		for len(dst) < bigChunk {
			var more bool
			if line, more = src.line(line[:0]); !more {
				return dst, false
			}
			dst = append(enc(dst, line, i), eol...)
			i++
		}
		return dst, true
	}
}

// bigQPLine encodes one text line as quoted-printable the way a careless
// encoder does: every other line longer than 76 characters stays whole
// (the others get soft line breaks), and one line in seven gets spaces of
// transport padding at its end, which decoders drop (RFC 2045 §6.7 (3)).
// The line itself never ends in white space.
func bigQPLine(dst, line []byte, i int) []byte {
	const hex = "0123456789ABCDEF"
	col := 0
	wrap := i%2 == 0
	for _, c := range line {
		enc := c == '=' || c >= 0x7f || c < ' ' && c != '\t'
		w := 1
		if enc {
			w = 3
		}
		if wrap && col+w > 75 {
			dst = append(dst, "=\r\n"...)
			col = 0
		}
		if enc {
			dst = append(dst, '=', hex[c>>4], hex[c&15])
		} else {
			dst = append(dst, c)
		}
		col += w
	}
	if i%7 == 3 {
		dst = append(dst, "   "[:1+i%3]...)
	}
	return dst
}

// bigReader reads the bytes its pieces make, one piece after the
// other, holding only the latest chunk.
type bigReader struct {
	pieces  []bigPiece
	buf     []byte
	pending []byte
}

// Read fills p from the current piece, moving to the next at its end.
func (r *bigReader) Read(p []byte) (int, error) {
	for len(r.pending) == 0 {
		if len(r.pieces) == 0 {
			return 0, io.EOF
		}
		var more bool
		r.buf, more = r.pieces[0](r.buf[:0])
		r.pending = r.buf
		if !more {
			r.pieces[0] = nil
			r.pieces = r.pieces[1:]
		}
	}
	n := copy(p, r.pending)
	r.pending = r.pending[n:]
	return n, nil
}
