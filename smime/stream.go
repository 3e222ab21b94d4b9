// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
)

// outEntity is an entity as it is about to be written: its header fields
// and a function that writes its body of a known size. Signing and
// encrypting build these, so that the content is never copied into an
// intermediate body: [Protector.Protect] writes it to its writer in one
// pass, and [Sign] and [Encrypt] render it into [Entity.Body] once.
type outEntity struct {
	header []Field
	size   int64 // body length in bytes
	body   func(w io.Writer) error
}

// headerBytes returns the folded header fields and the empty line.
func (e *outEntity) headerBytes() []byte {
	var b bytes.Buffer
	for _, f := range e.header {
		b.WriteString(foldField(f.Name, f.Value))
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// len is the length of the whole entity as writeTo writes it.
func (e *outEntity) len() int64 { return int64(len(e.headerBytes())) + e.size }

func (e *outEntity) writeTo(w io.Writer) error {
	if _, err := w.Write(e.headerBytes()); err != nil {
		return err
	}
	return e.body(w)
}

// entity renders the body into memory.
func (e *outEntity) entity() (*Entity, error) {
	var b bytes.Buffer
	b.Grow(int(e.size))
	if err := e.body(&b); err != nil {
		return nil, err
	}
	return &Entity{Header: e.header, Body: b.Bytes()}, nil
}

// rawBody is a body made of pieces written as they are.
func rawBody(pieces ...[]byte) (int64, func(io.Writer) error) {
	var n int64
	for _, p := range pieces {
		n += int64(len(p))
	}
	return n, func(w io.Writer) error {
		for _, p := range pieces {
			if _, err := w.Write(p); err != nil {
				return err
			}
		}
		return nil
	}
}

// b64Size is the length of n bytes in base64 lines of 76 characters with
// CRLF ends, as encodeBase64 and b64Writer write them.
func b64Size(n int64) int64 {
	lines := (n + 56) / 57
	return (n+2)/3*4 + 2*lines
}

// b64Body is a base64 body (lines of 76, CRLF) of the n bytes src writes.
func b64Body(n int64, src func(io.Writer) error) (int64, func(io.Writer) error) {
	return b64Size(n), func(w io.Writer) error {
		bw := &b64Writer{w: w}
		if err := src(bw); err != nil {
			return err
		}
		if err := bw.Close(); err != nil {
			return err
		}
		if bw.n != n {
			return errors.New("smime: internal error: body length changed while writing")
		}
		return nil
	}
}

// b64Writer encodes what is written to it as base64 in lines of 76
// characters ending in CRLF; Close writes the last line.
type b64Writer struct {
	w       io.Writer
	pending []byte // less than one line of input
	scratch []byte
	n       int64 // input bytes taken
}

const b64Line = 57 // input bytes per 76-character line

func (b *b64Writer) Write(p []byte) (int, error) {
	b.n += int64(len(p))
	taken := len(p)
	if len(b.pending) > 0 {
		k := min(b64Line-len(b.pending), len(p))
		b.pending, p = append(b.pending, p[:k]...), p[k:]
		if len(b.pending) < b64Line {
			return taken, nil
		}
		if err := b.lines(b.pending); err != nil {
			return 0, err
		}
		b.pending = b.pending[:0]
	}
	for len(p) >= b64Line {
		k := min(len(p), 1024*b64Line) / b64Line * b64Line
		if err := b.lines(p[:k]); err != nil {
			return 0, err
		}
		p = p[k:]
	}
	b.pending = append(b.pending, p...)
	return taken, nil
}

// lines writes p, whose length is a multiple of b64Line unless it is the
// last piece, as lines.
func (b *b64Writer) lines(p []byte) error {
	need := base64.StdEncoding.EncodedLen(len(p)) + 2*((len(p)+b64Line-1)/b64Line)
	if cap(b.scratch) < need {
		b.scratch = make([]byte, need)
	}
	out := b.scratch[:0]
	for len(p) > 0 {
		k := min(len(p), b64Line)
		out = base64.StdEncoding.AppendEncode(out, p[:k])
		out = append(out, '\r', '\n')
		p = p[k:]
	}
	_, err := b.w.Write(out)
	return err
}

func (b *b64Writer) Close() error {
	if len(b.pending) == 0 {
		return nil
	}
	err := b.lines(b.pending)
	b.pending = b.pending[:0]
	return err
}
