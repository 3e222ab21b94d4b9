// SPDX-License-Identifier: Apache-2.0

package mime

import "io"

// lineWriter canonicalizes line breaks: a lone LF and a lone CR each
// become CRLF (RFC 5322 §2.3; CASE-05, CASE-18). With check set it also
// enforces what a 7bit or 8bit part may hold (RFC 2045 §2.7, §2.8): lines
// of at most 998 octets, no NUL, and for 7bit no octet above 127. It
// returns an *Error naming field when the content breaks a rule.
type lineWriter struct {
	w      io.Writer
	field  string
	check  bool
	allow8 bool
	cr     bool
	line   int
	buf    []byte
	err    error
}

func newLineWriter(w io.Writer, field string) *lineWriter {
	return &lineWriter{w: w, field: field, buf: make([]byte, 0, 4096+2)}
}

func (w *lineWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	for i, c := range p {
		switch {
		case c == '\n' && w.cr:
			w.cr = false
			continue
		case c == '\r' || c == '\n':
			w.buf = append(w.buf, '\r', '\n')
			w.cr, w.line = c == '\r', 0
		default:
			w.cr = false
			w.line++
			w.buf = append(w.buf, c)
			if w.check {
				w.checkOctet(c)
			}
		}
		if len(w.buf) >= 4096 {
			w.flush()
		}
		if w.err != nil {
			return i, w.err
		}
	}
	return len(p), nil
}

func (w *lineWriter) checkOctet(c byte) {
	switch {
	case w.line > maxLine:
		w.err = fieldErr(w.field, "line longer than 998 octets in a 7bit or 8bit part")
	case c == 0:
		w.err = fieldErr(w.field, "NUL octet in a 7bit or 8bit part")
	case c >= 0x80 && !w.allow8:
		w.err = fieldErr(w.field, "8-bit octet in a 7bit part")
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
