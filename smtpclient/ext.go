// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"slices"
	"strconv"
	"strings"
)

// parseEHLO reads the extension lines of an EHLO reply (RFC 5321 section
// 4.1.1.1): the first line is the server's name, each further line an
// ehlo-keyword with optional parameters. Keywords are stored upper case;
// a repeated keyword keeps its first parameters. The legacy "AUTH=LOGIN"
// form counts as "AUTH LOGIN", and the mechanisms of every AUTH line are
// merged (CASE-12).
func parseEHLO(msg string) (ext map[string]string, mechs []string) {
	ext = map[string]string{}
	lines := strings.Split(msg, "\n")
	for _, line := range lines[1:] {
		kw, param, _ := strings.Cut(strings.TrimSpace(line), " ")
		kw = strings.ToUpper(kw)
		if rest, ok := strings.CutPrefix(kw, "AUTH="); ok {
			kw, param = "AUTH", rest+" "+param
		}
		if !isKeyword(kw) {
			continue
		}
		param = strings.TrimSpace(param)
		if kw == "AUTH" {
			for _, m := range strings.Fields(strings.ToUpper(param)) {
				if !slices.Contains(mechs, m) {
					mechs = append(mechs, m)
				}
			}
			ext[kw] = strings.Join(mechs, " ")
			continue
		}
		if _, dup := ext[kw]; !dup {
			ext[kw] = param
		}
	}
	return ext, mechs
}

// isKeyword reports whether kw is an ehlo-keyword: a letter or digit, then
// letters, digits and hyphens.
func isKeyword(kw string) bool {
	if kw == "" || kw[0] == '-' {
		return false
	}
	for i := 0; i < len(kw); i++ {
		c := kw[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// sizeLimit returns the server's SIZE limit (RFC 1870), or 0 when it gave
// none or no number.
func (c *Client) sizeLimit() int64 { return c.sizeMax }

// parseSize reads the parameter of the SIZE keyword: a number, or nothing
// for no stated limit.
func parseSize(ext map[string]string) int64 {
	p, ok := ext["SIZE"]
	if !ok {
		return 0
	}
	p, _, _ = strings.Cut(p, " ")
	n, err := strconv.ParseInt(p, 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// has reports whether the server offered the extension kw (upper case).
func (c *Client) has(kw string) bool {
	_, ok := c.ext[kw]
	return ok
}
