// SPDX-License-Identifier: Apache-2.0

package dkim

import (
	"errors"
	"fmt"
	"strings"
)

// tag is one tag=value pair of a tag list (RFC 6376 section 3.2), with
// folding whitespace around the value removed.
type tag struct {
	name, value string
}

// tagList is a parsed tag list, in order.
type tagList []tag

// get returns the value of the named tag and whether it is present.
func (l tagList) get(name string) (string, bool) {
	for _, t := range l {
		if t.name == name {
			return t.value, true
		}
	}
	return "", false
}

// parseTagList parses "tag=value; tag=value" (RFC 6376 section 3.2). Tag
// names are case-sensitive; a repeated tag is an error.
func parseTagList(s string) (tagList, error) {
	var l tagList
	specs := strings.Split(s, ";")
	for i, spec := range specs {
		if strings.Trim(spec, " \t\r\n") == "" {
			if i == len(specs)-1 {
				break // the list may end with ";"
			}
			return nil, errors.New("dkim: empty tag in tag list")
		}
		name, value, ok := strings.Cut(spec, "=")
		if !ok {
			return nil, fmt.Errorf("dkim: tag without \"=\": %q", strings.TrimSpace(spec))
		}
		name = strings.Trim(name, " \t\r\n")
		if !validTagName(name) {
			return nil, fmt.Errorf("dkim: invalid tag name %q", name)
		}
		value = strings.Trim(value, " \t\r\n")
		if !validTagValue(value) {
			return nil, fmt.Errorf("dkim: invalid value for tag %s", name)
		}
		if _, dup := l.get(name); dup {
			return nil, fmt.Errorf("dkim: tag %s appears twice", name)
		}
		l = append(l, tag{name, value})
	}
	return l, nil
}

// validTagName checks ALPHA *ALNUMPUNC.
func validTagName(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isAlpha(c) && !('0' <= c && c <= '9') && c != '_' {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return 'A' <= c&^0x20 && c&^0x20 <= 'Z' }

// validTagValue checks that v holds only VALCHAR (%x21-3A / %x3C-7E) and
// folding whitespace between them.
func validTagValue(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == ' ' || c == '\t':
		case c == '\r':
			if i+2 >= len(v) || v[i+1] != '\n' || (v[i+2] != ' ' && v[i+2] != '\t') {
				return false
			}
			i++
		case c < 0x21 || c > 0x7e || c == ';':
			return false
		}
	}
	return true
}

// stripFWS removes all whitespace from a tag value such as b=, bh=, h= or
// p=, where folding may appear anywhere.
func stripFWS(v string) string {
	if !strings.ContainsAny(v, " \t\r\n") {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case ' ', '\t', '\r', '\n':
		default:
			b.WriteByte(v[i])
		}
	}
	return b.String()
}
