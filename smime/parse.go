// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"strings"
)

// rawField is a header field as written: its name and the whole field,
// folding included, with CRLF line ends.
type rawField struct {
	name string
	raw  []byte
}

// value returns the unfolded, trimmed field value.
func (f rawField) value() string {
	v := f.raw[len(f.name)+1:]
	v = bytes.ReplaceAll(v, []byte("\r\n"), nil)
	return strings.TrimSpace(string(v))
}

func lookup(fields []rawField, name string) (string, bool) {
	for _, f := range fields {
		if strings.EqualFold(f.name, name) {
			return f.value(), true
		}
	}
	return "", false
}

// nextLine returns the line at the start of b without its line end, and
// the rest after the line end. Line ends are LF or CRLF.
func nextLine(b []byte) (line, rest []byte, ended bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return b, nil, false
	}
	line, rest = b[:i], b[i+1:]
	return bytes.TrimSuffix(line, []byte("\r")), rest, true
}

// splitHeader splits an entity into its header fields and body. The
// header may use LF or CRLF line ends; the fields come back with CRLF.
// An entity without any header starts with an empty line.
func splitHeader(b []byte) ([]rawField, []byte, error) {
	var fields []rawField
	rest := b
	for len(rest) > 0 {
		line, next, ended := nextLine(rest)
		if len(line) == 0 && ended {
			return fields, next, nil
		}
		if !ended {
			return nil, nil, formatErrorf("no empty line between header and body")
		}
		rest = next
		if bytes.IndexByte(line, '\r') >= 0 {
			return nil, nil, formatErrorf("header line %q has a bare CR", truncate(line))
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(fields) == 0 {
				return nil, nil, formatErrorf("header starts with a continuation line")
			}
			f := &fields[len(fields)-1]
			f.raw = append(append(f.raw, line...), "\r\n"...)
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || bytes.ContainsAny(line[:colon], " \t") {
			return nil, nil, formatErrorf("header line %q is not a field", truncate(line))
		}
		raw := append(append([]byte(nil), line...), "\r\n"...)
		fields = append(fields, rawField{name: string(line[:colon]), raw: raw})
	}
	if len(b) == 0 {
		return nil, nil, nil
	}
	return nil, nil, formatErrorf("no empty line between header and body")
}

func truncate(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}

// multipart is a multipart body split at its delimiter lines (RFC 2046
// §5.1.1). The line break before a delimiter belongs to the delimiter, so
// parts hold exactly the bytes of each body part.
type multipart struct {
	preamble []byte
	parts    [][]byte
	epilogue []byte
}

// splitMultipart splits body, whose line ends may be LF, CRLF or a lone CR.
func splitMultipart(body []byte, boundary string) (*multipart, error) {
	if boundary == "" {
		return nil, formatErrorf("multipart without boundary")
	}
	dash := []byte("--" + boundary)
	m := &multipart{}
	start := -1 // start of the current part; -1 while in the preamble
	for pos := 0; pos < len(body); {
		// Lines end as toCRLF ends them (LF, CRLF or a lone CR), so that
		// the parts found here are the parts a second pass over the
		// canonical output finds (found by FuzzCanonicalize).
		line, rest, ended := nextBodyLine(body[pos:])
		next := len(body) - len(rest)
		close, isDelim := delimiter(line, dash)
		if isDelim {
			end := max(lineBreakStart(body, pos), start)
			if start < 0 {
				m.preamble = body[:end]
			} else {
				m.parts = append(m.parts, body[start:end])
			}
			if close {
				if ended {
					m.epilogue = body[next:]
				}
				return m, nil
			}
			start = next
		}
		if !ended {
			break
		}
		pos = next
	}
	return nil, formatErrorf("multipart body has no closing boundary %q", boundary)
}

// delimiter reports whether line is a delimiter line for dash
// ("--boundary"), and whether it is the closing one.
func delimiter(line, dash []byte) (close, ok bool) {
	if !bytes.HasPrefix(line, dash) {
		return false, false
	}
	rest := line[len(dash):]
	if bytes.HasPrefix(rest, []byte("--")) {
		close, rest = true, rest[2:]
	}
	if len(bytes.TrimRight(rest, " \t")) != 0 {
		return false, false
	}
	return close, true
}

// lineBreakStart returns where the line break before position pos starts
// (pos itself when pos is 0).
func lineBreakStart(b []byte, pos int) int {
	if pos == 0 {
		return 0
	}
	end := pos - 1
	if b[end] == '\n' && end > 0 && b[end-1] == '\r' {
		end--
	}
	return end
}

// nextBodyLine is nextLine for bodies, where a lone CR also ends a line.
func nextBodyLine(b []byte) (line, rest []byte, ended bool) {
	i := bytes.IndexAny(b, "\r\n")
	if i < 0 {
		return b, nil, false
	}
	if b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n' {
		return b[:i], b[i+2:], true
	}
	return b[:i], b[i+1:], true
}

// toCRLF turns every line end (LF, CRLF or a lone CR) into CRLF.
func toCRLF(b []byte) []byte {
	if !needsCRLF(b) {
		return b
	}
	out := make([]byte, 0, len(b)+len(b)/32)
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '\r':
			out = append(out, '\r', '\n')
			if i+1 < len(b) && b[i+1] == '\n' {
				i++
			}
		case c == '\n':
			out = append(out, '\r', '\n')
		default:
			out = append(out, c)
		}
	}
	return out
}

// needsCRLF reports whether b holds a bare CR or a bare LF: it holds
// neither when CRs, LFs and CRLF pairs are equally many.
func needsCRLF(b []byte) bool {
	n := bytes.Count(b, []byte("\r\n"))
	return bytes.Count(b, []byte("\n")) != n || bytes.Count(b, []byte("\r")) != n
}
