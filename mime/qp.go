// SPDX-License-Identifier: Apache-2.0

package mime

import "io"

// qpMaxLine is the longest encoded line, the soft-break '=' included
// (RFC 2045 §6.7 rule 5).
const qpMaxLine = 76

// qpFlushAt is the buffered output size at which a QPWriter writes through.
const qpFlushAt = 4096

// qpSafe marks the octets written as themselves: printable ASCII except
// '=' (RFC 2045 §6.7 rule 2). Space and tab are handled apart.
var qpSafe = func() (t [256]bool) {
	for c := 33; c <= 126; c++ {
		t[c] = c != '='
	}
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

	w       io.Writer
	buf     []byte
	col     int  // characters on the current output line
	cr      bool // the last input octet was a CR (text mode)
	pending byte // a space or tab not yet known to end a line, or 0
	err     error
}

// NewQPWriter returns a QPWriter that writes to w.
func NewQPWriter(w io.Writer) *QPWriter {
	return &QPWriter{w: w, buf: make([]byte, 0, qpFlushAt+2*qpMaxLine)}
}

// Write encodes p. It returns len(p) unless the underlying writer fails.
func (w *QPWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	for i := 0; i < len(p); {
		if w.pending != 0 {
			w.flushPending(p[i])
		}
		i = w.run(p, i)
		if i < len(p) {
			i = w.one(p, i)
		}
		if len(w.buf) >= qpFlushAt {
			w.flush()
			if w.err != nil {
				return i, w.err
			}
		}
	}
	return len(p), nil
}

// run copies the longest stretch of p[i:] that needs no encoding and fits
// on the current line, and returns the index after it.
func (w *QPWriter) run(p []byte, i int) int {
	if w.col == 0 {
		return i
	}
	end := min(len(p), i+qpMaxLine-1-w.col)
	j := i
	for j < end {
		c := p[j]
		if qpSafe[c] {
			j++
			continue
		}
		if (c == ' ' || c == '\t') && j+1 < len(p) && !w.isBreak(p[j+1]) {
			j++
			continue
		}
		break
	}
	w.buf = append(w.buf, p[i:j]...)
	w.col += j - i
	return j
}

// one encodes the single octet p[i] and returns i+1.
func (w *QPWriter) one(p []byte, i int) int {
	c := p[i]
	if w.isBreak(c) {
		if c == '\n' && w.cr {
			w.cr = false
			return i + 1
		}
		w.cr = c == '\r'
		w.buf = append(w.buf, '\r', '\n')
		w.col = 0
		return i + 1
	}
	w.cr = false
	switch {
	case c == ' ' || c == '\t':
		if i+1 == len(p) {
			w.pending = c
		} else if w.isBreak(p[i+1]) {
			w.trailing(c)
		} else {
			w.literal(c)
		}
	case qpSafe[c]:
		w.literal(c)
	default:
		w.escape(c)
	}
	return i + 1
}

func (w *QPWriter) isBreak(c byte) bool {
	return (c == '\r' || c == '\n') && !w.Binary
}

// flushPending writes the space or tab held back by the previous Write,
// now that next, the octet after it, is known.
func (w *QPWriter) flushPending(next byte) {
	c := w.pending
	w.pending = 0
	if w.isBreak(next) {
		w.trailing(c)
	} else {
		w.literal(c)
	}
}

// softBreak ends the current line with "=" when n more characters would
// not leave room for it.
func (w *QPWriter) softBreak(n int) {
	if w.col+n > qpMaxLine-1 {
		w.buf = append(w.buf, '=', '\r', '\n')
		w.col = 0
	}
}

// literal writes c as itself, except a "." or "F" that would start a
// line.
func (w *QPWriter) literal(c byte) {
	w.softBreak(1)
	if w.col == 0 && (c == '.' || c == 'F') {
		w.escape(c)
		return
	}
	w.buf = append(w.buf, c)
	w.col++
}

// escape writes c as =XX. A UTF-8 lead octet reserves room for the
// escapes of its whole character, so that no soft break splits it.
func (w *QPWriter) escape(c byte) {
	w.softBreak(3 * utf8SeqLen(c))
	w.buf = append(w.buf, '=', upperHex[c>>4], upperHex[c&15])
	w.col += 3
}

// trailing writes a space or tab that ends a line, encoded (RFC 2045
// §6.7 rule 3, CASE-08). The line may use all 76 columns since no soft
// break follows.
func (w *QPWriter) trailing(c byte) {
	if w.col+3 > qpMaxLine {
		w.buf = append(w.buf, '=', '\r', '\n')
		w.col = 0
	}
	w.buf = append(w.buf, '=', upperHex[c>>4], upperHex[c&15])
	w.col += 3
}

// utf8SeqLen returns the length of the UTF-8 sequence that lead octet c
// starts, or 1 for any other octet.
func utf8SeqLen(c byte) int {
	switch {
	case c >= 0xC2 && c <= 0xDF:
		return 2
	case c >= 0xE0 && c <= 0xEF:
		return 3
	case c >= 0xF0 && c <= 0xF4:
		return 4
	}
	return 1
}

func (w *QPWriter) flush() {
	if w.err == nil && len(w.buf) > 0 {
		_, w.err = w.w.Write(w.buf)
	}
	w.buf = w.buf[:0]
}

// Close writes any held-back character and the buffered output. It does
// not add a final line break.
func (w *QPWriter) Close() error {
	if w.pending != 0 {
		w.trailing(w.pending)
		w.pending = 0
	}
	w.flush()
	return w.err
}
