// SPDX-License-Identifier: Apache-2.0

package main

import (
	"fmt"
	"strings"
)

// shellQuote returns s as one word for a shell that can be pasted: as it
// is when it holds only characters no shell treats specially, in single
// quotes otherwise, and as $'...' (bash, zsh, ksh) when it holds a control
// character such as a newline, which single quotes would keep but a
// terminal paste would break.
func shellQuote(s string) string {
	switch {
	case s == "":
		return "''"
	case strings.IndexFunc(s, isShellSpecial) < 0:
		return s
	case strings.IndexFunc(s, isControl) < 0:
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	var b strings.Builder
	b.WriteString("$'")
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\\' || r == '\'':
			b.WriteString(`\` + string(r))
		case isControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteString("'")
	return b.String()
}

// isShellSpecial reports whether r is outside the characters that are
// safe unquoted in every shell.
func isShellSpecial(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return false
	}
	return !strings.ContainsRune("@%+=:,./_-", r)
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
