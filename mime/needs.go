// SPDX-License-Identifier: Apache-2.0

package mime

import "strings"

// Needs8BitMIME reports whether the written message will carry octets
// above 127 in a body, so that the SMTP client must send it with
// BODY=8BITMIME (RFC 6152) and must not send it to a server that lacks
// 8BITMIME (CASE-19). That happens only when TransferEncoding is "8bit"
// and a text body is not plain ASCII; a body given as a reader then counts
// as 8-bit since it cannot be looked at in advance. In every other case
// the message is 7-bit: non-ASCII text is quoted-printable or base64.
func (m *Message) Needs8BitMIME() bool {
	if enc, err := parseEncoding(m.TransferEncoding); err != nil || enc != enc8bit {
		return false
	}
	if m.TextReader != nil || m.HTMLReader != nil || !isASCII(m.Text) || !isASCII(m.HTML) {
		return true
	}
	for _, a := range m.Alternatives {
		if strings.HasPrefix(strings.ToLower(a.ContentType), "text/") || a.ContentType == "" {
			if a.Data == nil || !isASCII(string(a.Data)) {
				return true
			}
		}
	}
	return false
}

// NeedsSMTPUTF8 reports whether an address of the message, Bcc included,
// has a UTF-8 local part, so that the SMTP client must send MAIL with the
// SMTPUTF8 parameter (RFC 6531) and must not send it to a server that
// lacks SMTPUTF8. Such addresses are only valid when m.SMTPUTF8 is true.
func (m *Message) NeedsSMTPUTF8() bool {
	all := [][]Address{{m.From}, m.To, m.Cc, m.Bcc, m.ReplyTo}
	for _, list := range all {
		for _, a := range list {
			at := strings.LastIndexByte(a.Addr, '@')
			if at > 0 && !isASCII(a.Addr[:at]) {
				return true
			}
		}
	}
	return false
}
