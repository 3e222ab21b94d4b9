// SPDX-License-Identifier: Apache-2.0

package mailsender

import (
	"strings"

	"github.com/mailwright/mailwright/mime"
)

// The methods in this file keep the names users of the classic component
// look for. Each only appends to a field of Message, which may as well be
// set directly; nothing is checked until the message is sent.

// AddAddress adds a To recipient. A non-empty name is its display name.
func (m *Message) AddAddress(addr, name string) { m.To = append(m.To, named(addr, name)) }

// AddCC adds a Cc recipient.
func (m *Message) AddCC(addr, name string) { m.Cc = append(m.Cc, named(addr, name)) }

// AddBCC adds a Bcc recipient: it gets the message but appears in no
// header.
func (m *Message) AddBCC(addr, name string) { m.Bcc = append(m.Bcc, named(addr, name)) }

// AddReplyTo adds a Reply-To address.
func (m *Message) AddReplyTo(addr, name string) { m.ReplyTo = append(m.ReplyTo, named(addr, name)) }

// AddAttachment attaches the file at path, read while the message is sent.
func (m *Message) AddAttachment(path string) {
	m.Attachments = append(m.Attachments, Attachment{Path: path})
}

// named writes "name <addr>", quoting the name when it holds characters
// that RFC 5322 allows in a display name only inside quotes. Line breaks
// and other control characters are kept, so that sending refuses them
// (SEC-19) instead of hiding them.
func named(addr, name string) string {
	if name == "" {
		return addr
	}
	if strings.ContainsAny(name, "()<>[]:;@\\,.\"") {
		name = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name) + `"`
	}
	return name + " <" + addr + ">"
}

// EncodeHeader returns text as RFC 2047 encoded words when it holds
// anything but printable ASCII, and unchanged otherwise, as the classic
// component's EncodeHeader did. Message fields need no such call: the
// Subject and display names are encoded when the message is composed, and
// an already encoded Subject is decoded and encoded again to the same
// result.
func EncodeHeader(text string) string { return mime.EncodeHeader(text) }
