// SPDX-License-Identifier: Apache-2.0

package mime

import (
	"encoding/base64"
	"io"
)

// b64LineIn is the number of input octets per 76-character output line.
const b64LineIn = 57

// b64Lines is the number of lines a Base64Writer encodes per write.
const b64Lines = 64

// Base64Writer encodes what is written to it as base64 (RFC 2045 §6.8) in
// lines of 76 characters, each ended by CRLF, and writes the result to an
// underlying writer. The line length never varies, so a signed part keeps
// the shape relays leave alone (CASE-26). Close must be called to write
// the last line; it does not close the underlying writer.
type Base64Writer struct {
	w   io.Writer
	in  [b64LineIn]byte
	n   int
	out []byte
	err error
}

// NewBase64Writer returns a Base64Writer that writes to w.
func NewBase64Writer(w io.Writer) *Base64Writer {
	return &Base64Writer{w: w, out: make([]byte, 0, b64Lines*78)}
}

// Write encodes p. It returns len(p) unless the underlying writer fails.
func (w *Base64Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	total := len(p)
	if w.n > 0 {
		k := copy(w.in[w.n:], p)
		w.n += k
		p = p[k:]
		if w.n < b64LineIn {
			return total, nil
		}
		w.line(w.in[:])
		w.n = 0
	}
	for len(p) >= b64LineIn {
		w.line(p[:b64LineIn])
		p = p[b64LineIn:]
	}
	w.n = copy(w.in[:], p)
	if w.err != nil {
		return total - len(p), w.err
	}
	return total, nil
}

// line encodes up to 57 octets as one output line, writing the buffered
// lines through first when there is no room left for it.
func (w *Base64Writer) line(p []byte) {
	if len(w.out)+78 > cap(w.out) {
		w.flush()
	}
	n := len(w.out)
	enc := base64.StdEncoding.EncodedLen(len(p))
	w.out = w.out[:n+enc+2]
	base64.StdEncoding.Encode(w.out[n:], p)
	w.out[n+enc], w.out[n+enc+1] = '\r', '\n'
}

func (w *Base64Writer) flush() {
	if w.err == nil && len(w.out) > 0 {
		_, w.err = w.w.Write(w.out)
	}
	w.out = w.out[:0]
}

// Close writes the last, possibly shorter, line and the buffered output.
func (w *Base64Writer) Close() error {
	if w.n > 0 {
		w.line(w.in[:w.n])
		w.n = 0
	}
	w.flush()
	return w.err
}
