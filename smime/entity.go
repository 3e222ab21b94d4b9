// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"io"
	"strings"
)

// Field is one header field of an [Entity]. Value is unfolded; folding
// happens when the entity is written.
type Field struct {
	Name  string
	Value string
}

// Entity is a MIME entity made by this package: the header fields that
// describe it, in order, and its body in canonical form (CRLF line ends,
// 7-bit). The header holds only Content-* fields; a caller building a
// message merges them into the message header (replacing the message's
// own Content-* fields) and adds MIME-Version: 1.0.
type Entity struct {
	Header []Field
	Body   []byte
}

// Get returns the value of the first field named name (case-insensitive),
// or "".
func (e *Entity) Get(name string) string {
	for _, f := range e.Header {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// Bytes returns the entity as written by [Entity.WriteTo].
func (e *Entity) Bytes() []byte {
	var b bytes.Buffer
	b.Grow(len(e.Body) + 512)
	e.WriteTo(&b)
	return b.Bytes()
}

// WriteTo writes the header fields (folded at 78 columns where the value
// has parameters), an empty line and the body.
func (e *Entity) WriteTo(w io.Writer) (int64, error) {
	var b bytes.Buffer
	for _, f := range e.Header {
		b.WriteString(foldField(f.Name, f.Value))
	}
	b.WriteString("\r\n")
	n, err := w.Write(b.Bytes())
	if err != nil {
		return int64(n), err
	}
	m, err := w.Write(e.Body)
	return int64(n + m), err
}

// foldField writes "Name: value\r\n", breaking the line before a
// parameter ("; x=y") when it would pass 78 columns.
func foldField(name, value string) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteString(":")
	col := len(name) + 1
	for i, piece := range strings.Split(value, "; ") {
		if i > 0 {
			b.WriteString(";")
			col++
		}
		if i > 0 && col+1+len(piece) > 78 {
			b.WriteString("\r\n\t")
			col = 8
		} else {
			b.WriteString(" ")
			col++
		}
		b.WriteString(piece)
		col += len(piece)
	}
	b.WriteString("\r\n")
	return b.String()
}
