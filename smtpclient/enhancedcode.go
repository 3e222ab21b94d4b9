// SPDX-License-Identifier: Apache-2.0

package smtpclient

import "strconv"

// EnhancedCode is an RFC 3463 status code class.subject.detail, such as
// {5, 7, 1} for "5.7.1". The zero value means none.
type EnhancedCode [3]int

// String returns the dotted form, or "" for the zero value.
func (c EnhancedCode) String() string {
	if c == (EnhancedCode{}) {
		return ""
	}
	return strconv.Itoa(c[0]) + "." + strconv.Itoa(c[1]) + "." + strconv.Itoa(c[2])
}

// parseEnhancedCode reads an enhanced code at the start of text (RFC 3463
// section 2: class 2, 4 or 5; subject and detail of one to three digits
// without a leading zero)
// followed by a space or the end. It returns the code and the length of
// the text it used, or ok false.
func parseEnhancedCode(text string) (c EnhancedCode, n int, ok bool) {
	if len(text) < 5 || (text[0] != '2' && text[0] != '4' && text[0] != '5') || text[1] != '.' {
		return c, 0, false
	}
	c[0] = int(text[0] - '0')
	i := 2
	for part := 1; part < 3; part++ {
		v, digits, lead := 0, 0, i
		for i < len(text) && text[i] >= '0' && text[i] <= '9' && digits < 4 {
			v = v*10 + int(text[i]-'0')
			i++
			digits++
		}
		if digits == 0 || digits > 3 || (digits > 1 && text[lead] == '0') {
			return EnhancedCode{}, 0, false
		}
		c[part] = v
		if part == 1 {
			if i >= len(text) || text[i] != '.' {
				return EnhancedCode{}, 0, false
			}
			i++
		}
	}
	if i < len(text) && text[i] != ' ' {
		return EnhancedCode{}, 0, false
	}
	return c, i, true
}
