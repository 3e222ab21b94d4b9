// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"encoding/base64"
)

// The helpers here let canonicalization hand back the input's own bytes
// when they are already canonical, which is the usual case for messages
// composed by mailwright's mime package, so that a large attachment is
// not copied again.

// reuseWriter collects output that is expected to equal orig. While it
// does, nothing is copied; the first differing write copies the part of
// orig matched so far, and later writes are appended to that copy.
type reuseWriter struct {
	orig []byte
	n    int    // bytes of orig matched so far
	out  []byte // the copy, once the output differs
	diff bool
}

func (w *reuseWriter) Write(p []byte) {
	if !w.diff {
		if w.n+len(p) <= len(w.orig) && bytes.Equal(w.orig[w.n:w.n+len(p)], p) {
			w.n += len(p)
			return
		}
		w.diff = true
		w.out = make([]byte, w.n, len(w.orig)+len(p))
		copy(w.out, w.orig[:w.n])
	}
	w.out = append(w.out, p...)
}

func (w *reuseWriter) WriteString(s string) {
	if !w.diff && w.n+len(s) <= len(w.orig) && string(w.orig[w.n:w.n+len(s)]) == s {
		w.n += len(s)
		return
	}
	w.Write([]byte(s))
}

// Bytes returns the output: a prefix of orig (capacity capped, so that
// appending to it cannot overwrite orig) while nothing differed.
func (w *reuseWriter) Bytes() []byte {
	if !w.diff {
		return w.orig[:w.n:w.n]
	}
	return w.out
}

// canonicalBase64 reports whether b is exactly what encodeBase64 makes of
// its decoding: lines of 76 characters of the standard alphabet, each
// ending in CRLF, the last one shorter or equal, padding only at the very
// end, and no stray bits in the padding (so re-encoding gives the same
// bytes). It allocates nothing.
func canonicalBase64(b []byte) bool {
	var buf [57]byte
	strict := base64.StdEncoding.Strict()
	for len(b) > 0 {
		i := bytes.Index(b, []byte("\r\n"))
		if i <= 0 || i > 76 || i%4 != 0 {
			return false
		}
		line := b[:i]
		b = b[i+2:]
		if bytes.IndexByte(line, '\n') >= 0 || bytes.IndexByte(line, '\r') >= 0 {
			return false // the decoder would skip them
		}
		n, err := strict.Decode(buf[:], line)
		if err != nil || (len(b) > 0 && n != len(buf)) {
			return false // only the last line may be short or padded
		}
	}
	return true
}
