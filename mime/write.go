// SPDX-License-Identifier: Apache-2.0

package mime

import (
	"bufio"
	"io"
)

// copyBufLen is the size of the buffer content is copied through.
const copyBufLen = 32 << 10

// WriteTo writes m to w as an RFC 5322 message with CRLF line breaks and
// returns the number of bytes written.
//
// It first validates m, opens every attachment's source and renders every
// header; any problem found then is returned as an *Error (or the
// source's error) with nothing written. It then streams the bodies: no
// body or attachment is held in memory whole, so the heap does not grow
// with the message size. An error while streaming (a failing reader, or a
// reader body that breaks a forced 7bit or 8bit encoding) stops the write
// part-way.
func (m *Message) WriteTo(w io.Writer) (int64, error) {
	root, hdr, err := m.prepare()
	if err != nil {
		return 0, err
	}
	defer root.close()
	if m.hasReader() {
		m.consumed = true
	}
	cw := &countWriter{w: w}
	bw := bufio.NewWriterSize(cw, copyBufLen)
	s := &stream{w: bw, buf: make([]byte, copyBufLen)}
	bw.Write(hdr)
	bw.WriteString("\r\n")
	err = s.part(root)
	if err == nil && !s.endsCRLF() {
		bw.WriteString("\r\n")
	}
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	return cw.n, err
}

// close closes every source opened for the tree.
func (p *part) close() {
	if p.closer != nil {
		p.closer.Close()
	}
	for _, c := range p.children {
		c.close()
	}
}

// stream writes the bodies of a tree.
type stream struct {
	w    *bufio.Writer
	buf  []byte
	tail [2]byte // the last two octets written by a leaf
}

func (s *stream) endsCRLF() bool { return s.tail == [2]byte{'\r', '\n'} }

// part writes the body of p: its children between boundary delimiters
// (RFC 2046 §5.1.1), or its encoded content.
func (s *stream) part(p *part) error {
	if p.boundary == "" {
		return s.leaf(p)
	}
	for i, c := range p.children {
		if i > 0 {
			s.w.WriteString("\r\n")
		}
		s.w.WriteString("--" + p.boundary + "\r\n")
		s.w.Write(c.header.b)
		s.w.WriteString("\r\n")
		if err := s.part(c); err != nil {
			return err
		}
	}
	s.w.WriteString("\r\n--" + p.boundary + "--\r\n")
	s.tail = [2]byte{'\r', '\n'}
	return nil
}

// leaf encodes one part's content into the stream.
func (s *stream) leaf(p *part) error {
	t := &tailWriter{w: s.w}
	enc := p.encoder(t)
	err := s.copy(enc, p)
	if cerr := enc.Close(); err == nil {
		err = cerr
	}
	s.tail = t.tail
	return err
}

// copy feeds p's content to dst without holding it whole.
func (s *stream) copy(dst io.Writer, p *part) error {
	switch {
	case p.reader != nil:
		_, err := io.CopyBuffer(struct{ io.Writer }{dst}, p.reader, s.buf)
		return err
	case p.data != nil:
		_, err := dst.Write(p.data)
		return err
	}
	for str := p.str; len(str) > 0; {
		n := copy(s.buf, str)
		if _, err := dst.Write(s.buf[:n]); err != nil {
			return err
		}
		str = str[n:]
	}
	return nil
}

// encoder returns the writer chain that encodes p's content into w.
func (p *part) encoder(w io.Writer) io.WriteCloser {
	switch p.enc {
	case encQP:
		q := NewQPWriter(w)
		q.Binary = !p.text
		return q
	case encBase64:
		b := NewBase64Writer(w)
		if !p.text {
			return b
		}
		return &chain{newLineWriter(b, p.field), b}
	}
	lw := newLineWriter(w, p.field)
	lw.check, lw.allow8 = true, p.enc == enc8bit
	return lw
}

// chain writes to its first writer and closes both in order.
type chain struct {
	io.WriteCloser
	next io.Closer
}

func (c *chain) Close() error {
	err := c.WriteCloser.Close()
	if nerr := c.next.Close(); err == nil {
		err = nerr
	}
	return err
}

// tailWriter remembers the last two octets written through it.
type tailWriter struct {
	w    io.Writer
	tail [2]byte
}

func (t *tailWriter) Write(p []byte) (int, error) {
	switch len(p) {
	case 0:
	case 1:
		t.tail = [2]byte{t.tail[1], p[0]}
	default:
		t.tail = [2]byte{p[len(p)-2], p[len(p)-1]}
	}
	return t.w.Write(p)
}

// countWriter counts the octets written to w.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
