// SPDX-License-Identifier: Apache-2.0

package dkim

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// maxHeaderBytes bounds the header block that signer and verifier buffer.
const maxHeaderBytes = 1 << 20

var errHeaderTooLong = errors.New("dkim: header block longer than 1 MiB")

// maxLineOctets is the longest line RFC 5322 section 2.1.1 allows, CRLF
// not counted.
const maxLineOctets = 998

// ErrLineTooLong is returned (wrapped) by Signer.Close for a header line
// longer than 998 octets: a relay would have to fold it, which breaks the
// signature. Fold the field at its whitespace before signing.
var ErrLineTooLong = errors.New("dkim: header line longer than 998 octets (RFC 5322 section 2.1.1)")

// checkLineLengths fails when a physical line of a field is too long.
func checkLineLengths(fields []field) error {
	for _, f := range fields {
		for rest := f.raw; len(rest) > 0; {
			n := bytes.IndexByte(rest, '\n')
			if n < 0 {
				n = len(rest)
			}
			if len(bytes.TrimSuffix(rest[:n], []byte("\r"))) > maxLineOctets {
				return fmt.Errorf("%w: %s field", ErrLineTooLong, f.name)
			}
			rest = rest[min(n+1, len(rest)):]
		}
	}
	return nil
}

// field is one header field as it appears in the message, CRLF included.
type field struct {
	raw  []byte
	name string // the field name as written, without trailing WSP
	key  string // name in lower case
}

// headerReader collects the header block of a message written to it,
// normalizing each bare CR and bare LF to CRLF, and reports where the body
// starts.
type headerReader struct {
	buf     []byte
	cr      bool
	lineLen int // bytes of the current line so far
	done    bool
}

// write consumes header bytes from p and returns how many it took; once
// the empty line ending the header block is read, done is set and the rest
// of p is body.
func (h *headerReader) write(p []byte) (int, error) {
	for i, b := range p {
		if len(h.buf) > maxHeaderBytes {
			return i, errHeaderTooLong
		}
		switch {
		case b == '\r':
			if h.cr && h.endLine() {
				return i, nil // the body starts with this CR
			}
			h.cr = true
		case b == '\n':
			h.cr = false
			if h.endLine() {
				return i + 1, nil
			}
		default:
			if h.cr {
				h.cr = false
				if h.endLine() {
					return i, nil
				}
			}
			h.buf = append(h.buf, b)
			h.lineLen++
		}
	}
	return len(p), nil
}

// endLine ends the current line and reports whether it was the empty line
// that ends the header block.
func (h *headerReader) endLine() bool {
	if h.lineLen == 0 {
		h.done = true
		return true
	}
	h.buf = append(h.buf, '\r', '\n')
	h.lineLen = 0
	return false
}

// close ends a message that has no body: a last line without a line end is
// taken as a whole field.
func (h *headerReader) close() {
	if !h.done && (h.cr || h.lineLen > 0) {
		h.endLine()
	}
	h.cr, h.done = false, true
}

// parseFields splits a header block of CRLF lines into fields.
func parseFields(b []byte) ([]field, error) {
	var fs []field
	for len(b) > 0 {
		end := fieldEnd(b)
		raw := b[:end]
		if raw[0] == ' ' || raw[0] == '\t' {
			return nil, errors.New("dkim: header block starts with a continuation line")
		}
		colon := bytes.IndexByte(raw, ':')
		if colon < 0 {
			return nil, errors.New("dkim: header line without a colon: " + quoteShort(raw))
		}
		name := strings.TrimRight(string(raw[:colon]), " \t")
		if !validFieldName(name) {
			return nil, errors.New("dkim: malformed header field name: " + quoteShort(raw))
		}
		fs = append(fs, field{raw: raw, name: name, key: string(appendLower(nil, []byte(name)))})
		b = b[end:]
	}
	return fs, nil
}

// validFieldName checks that a field name is one or more printable ASCII
// characters other than the colon (RFC 5322 section 2.2, ftext).
func validFieldName(name string) bool {
	for i := 0; i < len(name); i++ {
		if name[i] < 33 || name[i] > 126 {
			return false
		}
	}
	return name != ""
}

// fieldEnd returns the length of the first field in b: up to and including
// the CRLF that is not followed by WSP.
func fieldEnd(b []byte) int {
	i := 0
	for {
		nl := bytes.IndexByte(b[i:], '\n')
		if nl < 0 {
			return len(b)
		}
		i += nl + 1
		if i == len(b) || b[i] != ' ' && b[i] != '\t' {
			return i
		}
	}
}

func quoteShort(b []byte) string {
	s := strings.TrimRight(string(b), "\r\n")
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return "\"" + s + "\""
}

// canonField appends the canonical form of a whole field (CRLF included)
// to dst (RFC 6376 section 3.4.1 and 3.4.2).
func canonField(dst []byte, raw []byte, c Canonicalization) []byte {
	if c != Relaxed {
		return append(dst, raw...)
	}
	colon := bytes.IndexByte(raw, ':')
	dst = appendLower(dst, bytes.TrimRight(raw[:colon], " \t\r\n"))
	dst = append(dst, ':')
	return append(appendRelaxedValue(dst, raw[colon+1:]), '\r', '\n')
}

// appendRelaxedValue unfolds v, turns every WSP run into one SP and drops
// WSP at both ends.
func appendRelaxedValue(dst, v []byte) []byte {
	wsp := false
	started := false
	for _, b := range v {
		switch b {
		case '\r', '\n':
		case ' ', '\t':
			wsp = started
		default:
			if wsp {
				dst = append(dst, ' ')
				wsp = false
			}
			dst = append(dst, b)
			started = true
		}
	}
	return dst
}

func appendLower(dst, s []byte) []byte {
	for _, b := range s {
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		dst = append(dst, b)
	}
	return dst
}
