// SPDX-License-Identifier: Apache-2.0

package mailsender

import (
	"fmt"
	"io"
	"time"
)

// Message is one e-mail as the classic components describe it. Addresses
// are "user@example.com" or "Name <user@example.com>"; display names and
// the Subject may hold any Unicode text (they are encoded per RFC 2047).
// The zero value is an empty message; From, a recipient and a Subject are
// required to send it.
type Message struct {
	// From is the author's address (RFC 5322 §3.6.2). Required. It is also
	// the envelope sender (MAIL FROM) unless EnvelopeFrom is set.
	From string
	// FromName is the author's display name; empty means the name given in
	// From, if any.
	FromName string
	// To, Cc and Bcc are the recipients. Bcc addresses receive the message
	// but appear in no header.
	To, Cc, Bcc []string
	// ReplyTo lists the addresses replies should go to.
	ReplyTo []string
	// EnvelopeFrom, when set, is the MAIL FROM address (bounces go there).
	EnvelopeFrom string

	// Subject is the Subject field, without line breaks.
	Subject string
	// Body is the text of the message: plain text, or HTML when IsHTML.
	Body string
	// IsHTML says that Body is HTML.
	IsHTML bool
	// HTMLBody is an HTML alternative sent with a plain-text Body
	// (multipart/alternative). It is ignored when IsHTML is set.
	HTMLBody string
	// Attachments are added after the body, in order.
	Attachments []Attachment
	// Header holds extra header fields, in order (for example
	// List-Unsubscribe). Structural fields (From, To, Cc, Bcc, Subject,
	// Date, Message-ID, MIME-Version, Content-*) may not appear here.
	Header []Field
	// ContentTransferEncoding chooses the body encoding:
	// "quoted-printable", "base64", or empty for the best one per part.
	ContentTransferEncoding string

	// Date is the Date field; the zero value means the time of sending.
	Date time.Time
	// MessageID is the Message-ID without angle brackets; empty means a
	// new random one at the From address's domain.
	MessageID string
}

// Attachment is one attached file: either a file on disk (Path) or a reader
// (Content). The content is read once, while the message is composed, and
// never held in memory as a whole.
type Attachment struct {
	// Path names a file to attach; Name defaults to its base name.
	Path string
	// Content is read instead of Path when it is not nil.
	Content io.Reader
	// Name is the file name the recipient sees.
	Name string
	// ContentType is the media type; empty means one guessed from Name.
	ContentType string
	// Inline shows the part inline (for example an image an HTML body
	// refers to) rather than as an attachment.
	Inline bool
	// ContentID, when set, is the Content-ID an HTML body refers to with
	// "cid:".
	ContentID string
}

// Field is one extra header field.
type Field struct {
	Name, Value string
}

// envelope returns the MAIL FROM address and every RCPT TO address.
func (m *Message) envelope() (from string, rcpt []string, err error) {
	from = m.EnvelopeFrom
	if from == "" {
		a, err := parseAddr("Message.From", m.From)
		if err != nil {
			return "", nil, err
		}
		from = a.Addr
	}
	for _, l := range []struct {
		name  string
		addrs []string
	}{{"Message.To", m.To}, {"Message.Cc", m.Cc}, {"Message.Bcc", m.Bcc}} {
		for i, s := range l.addrs {
			a, err := parseAddr(fmt.Sprintf("%s[%d]", l.name, i), s)
			if err != nil {
				return "", nil, err
			}
			rcpt = append(rcpt, a.Addr)
		}
	}
	return from, rcpt, nil
}
