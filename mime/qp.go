// SPDX-License-Identifier: Apache-2.0

package mime

import (
	"encoding/binary"
	"io"
	"math/bits"
)

// qpMaxLine is the longest encoded line, the soft-break '=' included
// (RFC 2045 §6.7 rule 5).
const qpMaxLine = 76

// qpFlushAt is the buffered output size at which a QPWriter writes
// through; qpBufSize leaves room after it for the most one step of the
// encoder writes (a line of 76 plus eight octets of word-store slack).
const (
	qpFlushAt = 4096
	qpBufSize = qpFlushAt + 256
)

// qpSafe marks the octets written as themselves: printable ASCII except
// '=' (RFC 2045 §6.7 rule 2). Space and tab are handled apart.
var qpSafe = func() (t [256]bool) {
	for c := 33; c <= 126; c++ {
		t[c] = c != '='
	}
	return t
}()

// qpLiteral marks the octets a QPWriter copies as themselves in its fast
// path: qpSafe plus space and tab. A space or tab that turns out to end a
// line is re-encoded when the line break arrives (fixTrailing).
var qpLiteral = func() (t [256]bool) {
	t = qpSafe
	t[' '], t['\t'] = true, true
	return t
}()

// QPWriter encodes what is written to it as quoted-printable (RFC 2045
// §6.7) and writes the result to an underlying writer.
//
// Encoded lines are at most 76 characters, a soft-break "=" included. A
// soft break never falls inside an "=XX" triplet nor between the escapes
// of one UTF-8 character. Space and tab at the end of a line are encoded;
// "=" is encoded; a line never starts with a literal "." or "F", so that
// neither SMTP dot-stuffing nor an mbox "From " line can touch it. In text
// mode (the default) every line break of the input, CRLF, a lone LF or a
// lone CR, is written as a CRLF hard break (CASE-05, CASE-18). Close must
// be called to write the last characters; it does not close the
// underlying writer.
type QPWriter struct {
	// Binary, when true, encodes CR and LF as =0D and =0A instead of
	// treating them as line breaks, for content that is not text.
	Binary bool

	w   io.Writer
	buf []byte // qpBufSize octets; buf[:n] is encoded output
	n   int    // octets in buf; the last col of them are the current line
	col int    // characters on the current output line
	cr  bool   // the last input octet was a CR (text mode)
	err error
}

// NewQPWriter returns a QPWriter that writes to w.
func NewQPWriter(w io.Writer) *QPWriter {
	return &QPWriter{w: w, buf: make([]byte, qpBufSize)}
}

// Write encodes p. It returns len(p) unless the underlying writer fails.
func (w *QPWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.buf == nil {
		w.buf = make([]byte, qpBufSize)
	}
	done := 0
	for done < len(p) {
		done += w.encode(p[done:])
		if w.n >= qpFlushAt {
			w.flush()
			if w.err != nil {
				return done, w.err
			}
		}
	}
	return done, nil
}

// encode encodes a prefix of p into the buffer, stopping when the buffer
// is full, and returns the length of that prefix. It keeps its state in
// local variables: this loop is the encoder's hot path.
func (w *QPWriter) encode(p []byte) int {
	out, n, col, cr, text := w.buf[:qpBufSize], w.n, w.col, w.cr, !w.Binary
	i := 0
	for i < len(p) && n < qpFlushAt {
		c := p[i]
		if text && (c == '\r' || c == '\n') {
			i++
			if c == '\n' && cr {
				cr = false
				continue
			}
			cr = c == '\r'
			n, col = qpFixTrailing(out, n, col)
			out[n], out[n+1] = '\r', '\n'
			n, col = n+2, 0
			continue
		}
		cr = false
		if col >= qpMaxLine-1 {
			n, col = qpSoftBreak(out, n)
		}
		if qpLiteral[c] && (col > 0 || c != '.' && c != 'F') {
			k := qpCopyLiteral(out[n:], p[i:], qpMaxLine-1-col)
			n, col, i = n+k, col+k, i+k
			continue
		}
		// A run of octets that need escapes. A UTF-8 lead octet reserves
		// room for the escapes of its whole character, so that no soft
		// break splits it.
		for {
			r := int(qpReserve[c])
			if col+r > qpMaxLine-1 {
				n, col = qpSoftBreak(out, n)
			}
			binary.LittleEndian.PutUint32(out[n:], qpEscapes[c])
			n, col, i = n+3, col+3, i+1
			// The rest of the character: the lead octet reserved room
			// for its continuation octets.
			for r -= 3; r > 0 && i < len(p) && p[i]&0xC0 == 0x80; r -= 3 {
				binary.LittleEndian.PutUint32(out[n:], qpEscapes[p[i]])
				n, col, i = n+3, col+3, i+1
			}
			if i == len(p) || n >= qpFlushAt {
				break
			}
			if c = p[i]; qpLiteral[c] || text && (c == '\r' || c == '\n') {
				break
			}
		}
	}
	w.n, w.col, w.cr = n, col, cr
	return i
}

// qpCopyLiteral copies to out the longest prefix of p, at most limit
// octets, whose octets are all literal, and returns its length. It tests
// eight octets at a time while it can. out has eight octets of slack
// past limit.
func qpCopyLiteral(out, p []byte, limit int) int {
	j, lastWord := 0, min(limit-1, len(p)-8)
	for j <= lastWord {
		x := binary.LittleEndian.Uint64(p[j : j+8])
		binary.LittleEndian.PutUint64(out[j:j+8], x)
		if m := qpNotLiteral(x); m != 0 {
			return min(j+bits.TrailingZeros64(m)>>3, limit)
		}
		j += 8
	}
	for j < limit && j < len(p) && qpLiteral[p[j]] {
		out[j] = p[j]
		j++
	}
	return min(j, limit)
}

// qpSoftBreak writes a soft line break at out[n:] and returns the new n
// and column.
func qpSoftBreak(out []byte, n int) (int, int) {
	out[n], out[n+1], out[n+2] = '=', '\r', '\n'
	return n + 3, 0
}

// qpEscapes holds "=XX" for each octet in its first three bytes, for a
// single four-byte store.
var qpEscapes = func() (t [256]uint32) {
	for c := range t {
		t[c] = '=' | uint32(upperHex[c>>4])<<8 | uint32(upperHex[c&15])<<16
	}
	return t
}()

// qpEscape writes c as =XX at the start of out.
func qpEscape(out []byte, c byte) {
	out[0], out[1], out[2] = '=', upperHex[c>>4], upperHex[c&15]
}

// qpFixTrailing re-encodes a literal space or tab that ends the current
// line, the col octets before out[n], and returns the new n and col (RFC
// 2045 §6.7 rule 3, CASE-08). The current line is always still in the
// buffer: flush keeps it.
func qpFixTrailing(out []byte, n, col int) (int, int) {
	if col == 0 || out[n-1] != ' ' && out[n-1] != '\t' {
		return n, col
	}
	c := out[n-1]
	n, col = n-1, col-1
	// The line may use all 76 columns since no soft break follows.
	if col+3 > qpMaxLine {
		n, col = qpSoftBreak(out, n)
	}
	qpEscape(out[n:], c)
	return n + 3, col + 3
}

// qpReserve holds, for each octet, the columns its escape needs on the
// current line: 3, or for a UTF-8 lead octet 3 for each octet of its
// character.
var qpReserve = func() (t [256]uint8) {
	for c := range t {
		t[c] = 3
	}
	for c := 0xC2; c <= 0xF4; c++ {
		t[c] = 3 * 2
		if c >= 0xE0 {
			t[c] = 3 * 3
		}
		if c >= 0xF0 {
			t[c] = 3 * 4
		}
	}
	return t
}()

// Word masks for qpNotLiteral.
const (
	swarOnes  = 0x0101010101010101
	swarLow7  = 0x7F7F7F7F7F7F7F7F
	swarHighs = 0x8080808080808080
)

// qpNotLiteral returns a mask with the high bit set in exactly those of
// the eight octets of x that are not literal (qpLiteral). No octet's test
// carries into its neighbour: each adds to its low seven bits only.
func qpNotLiteral(x uint64) uint64 {
	low := x & swarLow7
	above := (low + swarOnes*1) | x       // 0x7F and up
	below := ^((low + swarOnes*0x60) | x) // below 0x20
	eq, tab := x^swarOnes*'=', x^swarOnes*'\t'
	isEq := ^(((eq & swarLow7) + swarLow7) | eq)    // "="
	isTab := ^(((tab & swarLow7) + swarLow7) | tab) // tab
	return (above | isEq | below&^isTab) & swarHighs
}

// flush writes the buffered output except the current line, which a
// later line break may still change, and moves that line to the front.
func (w *QPWriter) flush() {
	done := w.n - w.col
	if w.err == nil && done > 0 {
		_, w.err = w.w.Write(w.buf[:done])
	}
	w.n = copy(w.buf, w.buf[done:w.n])
}

// Close encodes a space or tab left at the end of the input and writes
// the buffered output. It does not add a final line break.
func (w *QPWriter) Close() error {
	if w.buf == nil {
		return w.err
	}
	w.n, w.col = qpFixTrailing(w.buf, w.n, w.col)
	if w.err == nil && w.n > 0 {
		_, w.err = w.w.Write(w.buf[:w.n])
	}
	w.n, w.col = 0, 0
	return w.err
}
