// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"bytes"
	"encoding/binary"
	"io"
)

// maxLine is the longest text line in octets, CRLF excluded (RFC 5321
// section 4.5.3.1.6); a dot added by dot-stuffing does not count.
const maxLine = 998

// bodyEncoder puts a message on the wire as SMTP requires (SECURITY rule
// 4): every line ends in CRLF (a bare LF or bare CR becomes CRLF, or is an
// error with reject), a leading "." is doubled when stuff is set (DATA,
// RFC 5321 section 4.5.2), and lines over 998 octets, NUL, and 8-bit
// octets without allow8 are errors. Line ends are found with
// bytes.IndexByte and runs without changes go to the sink in one piece.
type bodyEncoder struct {
	w      io.Writer
	stuff  bool // double leading dots (DATA)
	allow8 bool // 8-bit octets allowed (8BITMIME)
	reject bool // bare CR or LF is an error

	atStart bool  // the next octet starts a line
	heldCR  bool  // the last octet was a CR not yet written
	lineLen int   // octets of the current line so far
	off     int64 // message offset of the start of p
	lineOff int64 // message offset of the current line
	err     error

	limit   int64 // the server's SIZE limit; 0 means none
	written int64 // octets given to the sink
}

func newBodyEncoder(w io.Writer, stuff, allow8, reject bool) bodyEncoder {
	return bodyEncoder{w: w, stuff: stuff, allow8: allow8, reject: reject, atStart: true}
}

var (
	crlf = []byte("\r\n")
	cr   = []byte("\r")
	lf   = []byte("\n")
	dot  = []byte(".")
)

// Write encodes p. After an error every call fails with it.
func (e *bodyEncoder) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	if err := e.encode(p); err != nil {
		e.err = err
		return 0, err
	}
	e.off += int64(len(p))
	return len(p), nil
}

// encode handles one buffer. start is the first octet of p not yet given
// to the sink; octets are held back only where something is inserted.
func (e *bodyEncoder) encode(p []byte) error {
	start, i := 0, 0
	for i < len(p) {
		if e.heldCR {
			e.heldCR = false
			if p[i] == '\n' { // a CRLF split across two writes
				if err := e.put(cr); err != nil {
					return err
				}
				i++
				e.newLine(i)
				continue
			}
			if err := e.bareEnd(i, crlf); err != nil {
				return err
			}
			e.newLine(i)
		}
		if e.atStart {
			e.atStart = false
			if e.stuff && p[i] == '.' {
				if err := e.flush(p[start:i], nil); err != nil {
					return err
				}
				if err := e.insert(dot); err != nil {
					return err
				}
				start = i
			}
		}
		rest := p[i:]
		j := bytes.IndexByte(rest, '\n')
		seg := rest
		if j >= 0 {
			seg = rest[:j]
		}
		if k := bytes.IndexByte(seg, '\r'); k >= 0 && (k < len(seg)-1 || j < 0) {
			if err := e.check(seg[:k], i); err != nil {
				return err
			}
			if i+k == len(p)-1 { // CR ends the buffer: decide on the next write
				if err := e.flush(p[start:i+k], nil); err != nil {
					return err
				}
				e.heldCR = true
				return nil
			}
			if err := e.bareEnd(i+k, nil); err != nil { // bare CR
				return err
			}
			if err := e.flush(p[start:i+k+1], lf); err != nil {
				return err
			}
			start, i = i+k+1, i+k+1
			e.newLine(i)
			continue
		}
		if j < 0 {
			if err := e.check(seg, i); err != nil {
				return err
			}
			break
		}
		body := seg
		if len(body) > 0 && body[len(body)-1] == '\r' {
			body = body[:len(body)-1]
		}
		if err := e.check(body, i); err != nil {
			return err
		}
		if lfAt := i + j; len(body) == len(seg) { // bare LF
			if err := e.bareEnd(lfAt, nil); err != nil {
				return err
			}
			if err := e.flush(p[start:lfAt], cr); err != nil {
				return err
			}
			start = lfAt
		}
		i += j + 1
		e.newLine(i)
	}
	return e.flush(p[start:], nil)
}

// newLine records that a line starts at offset i of the current buffer.
func (e *bodyEncoder) newLine(i int) {
	e.atStart = true
	e.lineLen = 0
	e.lineOff = e.off + int64(i)
}

// bareEnd handles a bare CR or LF at offset i: an error with reject,
// otherwise ins (if any) is written to complete a CRLF.
func (e *bodyEncoder) bareEnd(i int, ins []byte) error {
	if e.reject {
		return &BodyError{Offset: e.lineOff, Reason: "bare CR or LF (not part of CRLF)"}
	}
	if ins != nil {
		return e.put(ins)
	}
	return nil
}

// check accounts for a run of line content starting at offset i.
func (e *bodyEncoder) check(b []byte, i int) error {
	e.lineLen += len(b)
	if e.lineLen > maxLine {
		return &BodyError{Offset: e.lineOff, Reason: "line longer than 998 octets"}
	}
	if bytes.IndexByte(b, 0) >= 0 {
		return &BodyError{Offset: e.lineOff, Reason: "NUL octet"}
	}
	if !e.allow8 && has8bit(b) {
		return &ExtensionError{Extension: "8BITMIME", Reason: "8-bit message content (re-encode it as quoted-printable or base64)"}
	}
	return nil
}

// flush writes b and then ins.
func (e *bodyEncoder) flush(b, ins []byte) error {
	if len(b) > 0 {
		if err := e.put(b); err != nil {
			return err
		}
	}
	if ins != nil {
		return e.put(ins)
	}
	return nil
}

// put gives b to the sink. A message that grows past the server's SIZE
// limit stops there: the server would refuse it at the end anyway.
func (e *bodyEncoder) put(b []byte) error {
	e.written += int64(len(b))
	if e.limit > 0 && e.written > e.limit {
		return &SizeError{Size: e.written, Limit: e.limit, Partial: true}
	}
	_, err := e.w.Write(b)
	return err
}

// close ends the message: a held or missing final line end becomes CRLF,
// and with stuff the terminating ".\r\n" follows.
func (e *bodyEncoder) close() error {
	if e.err != nil {
		return e.err
	}
	switch {
	case e.heldCR:
		e.heldCR = false
		if err := e.bareEnd(0, crlf); err != nil {
			e.err = err
			return err
		}
	case !e.atStart:
		if err := e.put(crlf); err != nil {
			e.err = err
			return err
		}
	}
	e.atStart = true
	if e.stuff {
		return e.insert([]byte(".\r\n"))
	}
	return nil
}

// insert gives the sink octets of the transfer encoding (dot-stuffing and
// the terminator), which do not count toward the message size.
func (e *bodyEncoder) insert(b []byte) error {
	_, err := e.w.Write(b)
	return err
}

// has8bit reports whether b has an octet with the high bit set, eight
// octets at a time.
func has8bit(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&0x8080808080808080 != 0 {
			return true
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}
