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
