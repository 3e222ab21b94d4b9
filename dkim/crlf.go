// SPDX-License-Identifier: Apache-2.0

package dkim

import (
	"bytes"
	"io"
)

// crlfWriter turns each bare CR and bare LF into CRLF on the way to w.
type crlfWriter struct {
	w   io.Writer
	cr  bool // the last byte written was a CR
	err error
}

// NewCRLFWriter returns a writer that passes what it is given to w with
// each bare CR and each bare LF turned into CRLF: the exact bytes a Signer
// hashes for the same input. Close writes the LF a final bare CR needs; it
// does not close w.
func NewCRLFWriter(w io.Writer) io.WriteCloser {
	return &crlfWriter{w: w}
}

func (c *crlfWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	start, i := 0, 0
	if c.cr {
		c.cr = false
		if len(p) > 0 && p[0] == '\n' {
			i = 1
		} else if len(p) > 0 {
			c.put([]byte{'\n'})
		} else {
			c.cr = true
		}
	}
	for i < len(p) && c.err == nil {
		nl := bytes.IndexByte(p[i:], '\n')
		if nl < 0 {
			nl = len(p) - i
		}
		line := p[i : i+nl]
		cr := bytes.IndexByte(line, '\r')
		switch {
		case cr >= 0 && cr < len(line)-1: // bare CR inside the line
			c.put(p[start : i+cr+1])
			c.put([]byte{'\n'})
			i += cr + 1
			start = i
		case i+nl == len(p): // the tail, without LF
			if cr == len(line)-1 && cr >= 0 {
				c.cr = true
			}
			i = len(p)
		case cr < 0: // bare LF
			c.put(p[start : i+nl])
			c.put([]byte{'\r'})
			start = i + nl
			i += nl + 1
		default: // CRLF
			i += nl + 1
		}
	}
	c.put(p[start:i])
	if c.err != nil {
		return 0, c.err
	}
	return len(p), nil
}

func (c *crlfWriter) put(p []byte) {
	if c.err == nil && len(p) > 0 {
		_, c.err = c.w.Write(p)
	}
}

// Close completes a final bare CR with its LF.
func (c *crlfWriter) Close() error {
	if c.cr {
		c.cr = false
		c.put([]byte{'\n'})
	}
	return c.err
}
