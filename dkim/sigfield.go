// SPDX-License-Identifier: Apache-2.0

package dkim

import "strings"

// stripB returns a DKIM-Signature field, given without its final CRLF,
// with the value of its b= tag removed, whitespace around it included, and
// everything else exactly as it was (RFC 6376 section 3.7). ok is false
// when there is no b= tag.
func stripB(f string) (string, bool) {
	colon := strings.IndexByte(f, ':')
	if colon < 0 {
		return f, false
	}
	for i := colon + 1; i < len(f); {
		end := strings.IndexByte(f[i:], ';')
		if end < 0 {
			end = len(f)
		} else {
			end += i
		}
		spec := f[i:end]
		if eq := strings.IndexByte(spec, '='); eq >= 0 && strings.Trim(spec[:eq], " \t\r\n") == "b" {
			return f[:i+eq+1] + f[end:], true
		}
		i = end + 1
	}
	return f, false
}
