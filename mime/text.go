// SPDX-License-Identifier: Apache-2.0

package mime

import (
	"bytes"
	"io"
)

// lineBufSize is the size of a lineWriter's output buffer.
const lineBufSize = 4096

// lineWriter canonicalizes line breaks: a lone LF and a lone CR each
// become CRLF (RFC 5322 §2.3; CASE-05, CASE-18). With check set it also
// enforces what a 7bit or 8bit part may hold (RFC 2045 §2.7, §2.8): lines
// of at most 998 octets, no NUL, and for 7bit no octet above 127. It
// returns an *Error naming field when the content breaks a rule.
//
// It copies the stretches between line breaks whole, finding the breaks
// with bytes.IndexByte.
type lineWriter struct {
	w      io.Writer
	field  string
	check  bool
	allow8 bool
	cr     bool // the last octet written was a CR
	line   int  // octets on the current line
	buf    []byte
	err    error
}

func newLineWriter(w io.Writer, field string) *lineWriter {
	return &lineWriter{w: w, field: field, buf: make([]byte, 0, lineBufSize)}
}

func (w *lineWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	nextCR, nextLF := -1, -1 // positions in p of the next CR and LF, once looked up
	for i := 0; i < len(p); {
		if w.cr && p[i] == '\n' {
			// The LF of a CRLF whose CR was written as CRLF.
			w.cr = false
			i++
			continue
		}
		if nextCR < i {
			nextCR = indexFrom(p, i, '\r')
		}
		if nextLF < i {
			nextLF = indexFrom(p, i, '\n')
		}
		end := min(nextCR, nextLF)
		if end > i {
			w.text(p[i:end])
		}
		if end == len(p) || w.err != nil {
			if w.err != nil {
				return i, w.err
			}
			break
		}
		w.write([]byte{'\r', '\n'})
		w.cr, w.line = p[end] == '\r', 0
		i = end + 1
	}
	return len(p), w.err
}

// indexFrom returns the index of the first c in p at or after i, or
// len(p).
func indexFrom(p []byte, i int, c byte) int {
	if k := bytes.IndexByte(p[i:], c); k >= 0 {
		return i + k
	}
	return len(p)
}

// text writes s, a stretch without line breaks, checking it when asked.
// Faults are reported in the order of the octets: whichever comes first
// of a NUL, an 8-bit octet or the 999th octet of a line.
func (w *lineWriter) text(s []byte) {
	w.cr = false
	if w.check {
		ok := s[:min(len(s), maxLine-w.line)]
		clean := ok // the octets before the first NUL
		if nul := bytes.IndexByte(ok, 0); nul >= 0 {
			clean = ok[:nul]
		}
		if !w.allow8 {
			for _, c := range clean {
				if c >= 0x80 {
					w.err = fieldErr(w.field, "8-bit octet in a 7bit part")
					return
				}
			}
		}
		if len(clean) < len(ok) {
			w.err = fieldErr(w.field, "NUL octet in a 7bit or 8bit part")
			return
		}
		if len(ok) < len(s) {
			w.err = fieldErr(w.field, "line longer than 998 octets in a 7bit or 8bit part")
			return
		}
	}
	w.line += len(s)
	w.write(s)
}

// write buffers s, writing through when the buffer is full.
func (w *lineWriter) write(s []byte) {
	for len(s) > 0 && w.err == nil {
		if len(w.buf) == cap(w.buf) {
			w.flush()
		}
		n := min(len(s), cap(w.buf)-len(w.buf))
		w.buf = append(w.buf, s[:n]...)
		s = s[n:]
	}
}

func (w *lineWriter) flush() {
	if w.err == nil && len(w.buf) > 0 {
		_, w.err = w.w.Write(w.buf)
	}
	w.buf = w.buf[:0]
}

// Close writes the buffered output.
func (w *lineWriter) Close() error {
	w.flush()
	return w.err
}
