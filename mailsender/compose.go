// SPDX-License-Identifier: Apache-2.0

package mailsender

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/net/idna"

	"github.com/mailwright/mailwright/mime"
)

// parseAddr parses one address for the field named field.
func parseAddr(field, s string) (mime.Address, error) {
	if strings.TrimSpace(s) == "" {
		return mime.Address{}, fieldErr(field, "is empty")
	}
	a, err := mime.ParseAddress(s)
	if err != nil {
		return mime.Address{}, &FieldError{Field: field, Err: err}
	}
	return a, nil
}

func parseList(field string, list []string) ([]mime.Address, error) {
	out := make([]mime.Address, 0, len(list))
	for i, s := range list {
		a, err := parseAddr(fmt.Sprintf("%s[%d]", field, i), s)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// mimeMessage turns m into the mime package's message.
func (s *Sender) mimeMessage(m *Message) (*mime.Message, error) {
	from, err := parseAddr("Message.From", m.From)
	if err != nil {
		return nil, err
	}
	if m.FromName != "" {
		from.Name = m.FromName
	}
	mm := &mime.Message{
		From:             from,
		Subject:          m.Subject,
		Date:             m.Date,
		MessageID:        m.MessageID,
		TransferEncoding: m.ContentTransferEncoding,
		Now:              s.Now,
		Rand:             s.Rand,
	}
	if len(m.To)+len(m.Cc)+len(m.Bcc) == 0 {
		return nil, fieldErr("Message.To", "is empty: the message has no recipient")
	}
	if mm.To, err = parseList("Message.To", m.To); err != nil {
		return nil, err
	}
	if mm.Cc, err = parseList("Message.Cc", m.Cc); err != nil {
		return nil, err
	}
	if mm.Bcc, err = parseList("Message.Bcc", m.Bcc); err != nil {
		return nil, err
	}
	if mm.ReplyTo, err = parseList("Message.ReplyTo", m.ReplyTo); err != nil {
		return nil, err
	}
	if m.IsHTML {
		mm.HTML = m.Body
	} else {
		mm.Text, mm.HTML = m.Body, m.HTMLBody
	}
	for _, f := range m.Header {
		mm.Header = append(mm.Header, mime.Field{Name: f.Name, Value: f.Value})
	}
	if mm.MessageID == "" {
		if mm.MessageID, err = newMessageID(s.Rand, from.Addr); err != nil {
			return nil, err
		}
	}
	return mm, attach(mm, m.Attachments)
}

// newMessageID makes a Message-ID at the domain of addr from 16 random
// bytes (RFC 5322 section 3.6.4).
func newMessageID(r io.Reader, addr string) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	var b [16]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("mailsender: Message-ID: %w", err)
	}
	domain := addr[strings.LastIndexByte(addr, '@')+1:]
	// A Message-ID is ASCII (RFC 5322 msg-id): an internationalised
	// domain goes in its A-label form.
	if a, err := idna.Lookup.ToASCII(domain); err == nil {
		domain = a
	}
	return hex.EncodeToString(b[:]) + "@" + domain, nil
}

// attach adds the attachments to mm. Files are opened each time the
// message is written, and read as they are written.
func attach(mm *mime.Message, list []Attachment) error {
	for i, a := range list {
		field := fmt.Sprintf("Message.Attachments[%d]", i)
		var p mime.Attachment
		switch {
		case a.Content != nil:
			p = mime.Attachment{Filename: a.Name, Reader: a.Content}
		case a.Path != "":
			if _, err := os.Stat(a.Path); err != nil {
				return &FieldError{Field: field, Err: err}
			}
			p = mime.AttachFile(a.Path)
			if a.Name != "" {
				p.Filename = a.Name
			}
		default:
			return fieldErr(field, "has neither Path nor Content")
		}
		p.ContentType, p.ContentID = a.ContentType, a.ContentID
		if a.Inline {
			mm.Inline = append(mm.Inline, p)
		} else {
			mm.Attachments = append(mm.Attachments, p)
		}
	}
	return nil
}
