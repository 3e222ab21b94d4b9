// SPDX-License-Identifier: Apache-2.0

package mime

import (
	"fmt"
	stdmime "mime"
	"strings"
	"unicode/utf8"
)

// reservedFields are produced from Message fields and may not be given in
// Message.Header (SEC-23).
var reservedFields = map[string]bool{
	"from": true, "to": true, "cc": true, "bcc": true, "reply-to": true,
	"subject": true, "date": true, "message-id": true, "mime-version": true,
	"content-type": true, "content-transfer-encoding": true,
	"content-disposition": true, "content-id": true,
}

// singletonFields may appear at most once (RFC 5322 §3.6).
var singletonFields = map[string]bool{
	"sender": true, "in-reply-to": true, "references": true,
}

// Validate reports the first reason m cannot be written, as an *Error, or
// nil. WriteTo calls it before writing anything.
func (m *Message) Validate() error {
	if m.From.Addr == "" {
		return fieldErr("From", "missing")
	}
	if err := m.checkAddresses(); err != nil {
		return err
	}
	if _, err := headerText("Subject", m.Subject); err != nil {
		return err
	}
	if m.MessageID != "" {
		if err := checkMessageID(m.MessageID); err != nil {
			return err
		}
	}
	if err := checkHeader(m.Header); err != nil {
		return err
	}
	if err := m.checkBodies(); err != nil {
		return err
	}
	if m.consumed && m.hasReader() {
		return ErrSourceConsumed
	}
	return nil
}

func (m *Message) checkAddresses() error {
	if err := checkAddress("From", m.From, m.SMTPUTF8); err != nil {
		return err
	}
	lists := []struct {
		name string
		list []Address
	}{{"To", m.To}, {"Cc", m.Cc}, {"Bcc", m.Bcc}, {"ReplyTo", m.ReplyTo}}
	for _, l := range lists {
		for i, a := range l.list {
			if err := checkAddress(fmt.Sprintf("%s[%d]", l.name, i), a, m.SMTPUTF8); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkAddress checks one address of a message (SEC-19: no control
// character in the display name).
func checkAddress(field string, a Address, utf8ok bool) error {
	if hasControl(a.Name) {
		return fieldErr(field, "control character in display name")
	}
	if !utf8.ValidString(a.Name) {
		return fieldErr(field, "display name is not valid UTF-8")
	}
	if err := checkAddrValue(a.Addr); err != nil {
		return fieldErr(field, err.(*Error).Reason)
	}
	local := a.Addr[:strings.LastIndexByte(a.Addr, '@')]
	if !utf8ok && !isASCII(local) {
		return fieldErr(field, "UTF-8 local part needs SMTPUTF8")
	}
	return nil
}

// headerText checks an unstructured value and returns the text to write.
// CR, LF, NUL and the other controls but TAB are refused, never stripped
// (SEC-17, SEC-18). A value holding encoded words is decoded first; if a
// word decodes to a control character the value is refused (SEC-21), and
// if it does not decode it is kept as literal text, which the writer then
// encodes so that no reader decodes it.
func headerText(field, v string) (string, error) {
	if i := strings.IndexFunc(v, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }); i >= 0 {
		return "", fieldErr(field, "control character (CR, LF or other) in header value")
	}
	if !utf8.ValidString(v) {
		return "", fieldErr(field, "header value is not valid UTF-8")
	}
	if !strings.Contains(v, "=?") {
		return v, nil
	}
	d, err := wordDecoder.DecodeHeader(v)
	if err != nil || d == v {
		return v, nil
	}
	if hasControl(strings.ReplaceAll(d, "\t", " ")) || !utf8.ValidString(d) {
		return "", fieldErr(field, "encoded word decodes to a control character")
	}
	return d, nil
}

// checkMessageID accepts id-left "@" id-right of printable ASCII without
// white space or angle brackets (RFC 5322 §3.6.4).
func checkMessageID(id string) error {
	id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
	at := strings.IndexByte(id, '@')
	if at <= 0 || at == len(id)-1 {
		return fieldErr("MessageID", "not of the form left@right")
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c >= 0x7f || strings.IndexByte("<>\"\\()[],;", c) >= 0 {
			return fieldErr("MessageID", "character not allowed in a Message-ID")
		}
	}
	return nil
}

// checkHeader checks the extra fields: names per RFC 5322 §2.2 (SEC-20),
// values as unstructured text, no reserved or repeated singleton field.
func checkHeader(h []Field) error {
	seen := map[string]bool{}
	for i, f := range h {
		field := fmt.Sprintf("Header[%d]", i)
		if err := checkFieldName(f.Name); err != nil {
			return fieldErr(field+".Name", err.Error())
		}
		key := strings.ToLower(f.Name)
		if reservedFields[key] {
			return fieldErr(field+".Name", "field is set by a Message field")
		}
		if singletonFields[key] && seen[key] {
			return fieldErr(field+".Name", "field may appear only once")
		}
		seen[key] = true
		if _, err := headerText(field+".Value", f.Value); err != nil {
			return err
		}
	}
	return nil
}

// checkFieldName accepts 1 to 76 printable ASCII characters other than
// ':' (RFC 5322 §2.2 ftext).
func checkFieldName(name string) error {
	if name == "" {
		return fmt.Errorf("empty field name")
	}
	if len(name) > 76 {
		return fmt.Errorf("field name longer than 76 characters")
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c >= 0x7f || c == ':' {
			return fmt.Errorf("character not allowed in a field name")
		}
	}
	return nil
}

func (m *Message) checkBodies() error {
	if m.Text != "" && m.TextReader != nil {
		return fieldErr("Text", "both Text and TextReader are set")
	}
	if m.HTML != "" && m.HTMLReader != nil {
		return fieldErr("HTML", "both HTML and HTMLReader are set")
	}
	enc, err := parseEncoding(m.TransferEncoding)
	if err != nil {
		return err
	}
	if err := checkTextBody("Text", m.Text, enc); err != nil {
		return err
	}
	if err := checkTextBody("HTML", m.HTML, enc); err != nil {
		return err
	}
	for _, l := range m.partLists() {
		for i, a := range l.list {
			field := fmt.Sprintf("%s[%d]", l.name, i)
			if err := checkAttachment(field, a, l.name == "Inline"); err != nil {
				return err
			}
		}
	}
	return nil
}

type partList struct {
	name string
	list []Attachment
}

func (m *Message) partLists() []partList {
	return []partList{{"Alternatives", m.Alternatives}, {"Inline", m.Inline},
		{"Attachments", m.Attachments}}
}

// checkTextBody refuses a string body that the forced encoding cannot
// carry (SEC-29, CASE-11).
func checkTextBody(field, s string, enc encoding) error {
	if enc != enc7bit && enc != enc8bit {
		return nil
	}
	st := scanText(s)
	switch {
	case st.maxLine > maxLine:
		return fieldErr(field, "line longer than 998 octets cannot be sent as "+enc.String())
	case st.nul:
		return fieldErr(field, "NUL octet cannot be sent as "+enc.String())
	case st.eight && enc == enc7bit:
		return fieldErr(field, "8-bit text cannot be sent as 7bit")
	}
	return nil
}

func checkAttachment(field string, a Attachment, inline bool) error {
	n := 0
	if a.Data != nil {
		n++
	}
	if a.Open != nil {
		n++
	}
	if a.Reader != nil {
		n++
	}
	if n != 1 {
		return fieldErr(field, "exactly one of Data, Open and Reader must be set")
	}
	if hasControl(a.Filename) || !utf8.ValidString(a.Filename) {
		return fieldErr(field+".Filename", "control character or invalid UTF-8")
	}
	if a.ContentType != "" {
		if _, _, err := stdmime.ParseMediaType(a.ContentType); err != nil {
			return fieldErr(field+".ContentType", "not a media type")
		}
		if hasControl(a.ContentType) {
			return fieldErr(field+".ContentType", "control character")
		}
		// An attachment is written in base64, which RFC 2046 §5.1 and
		// §5.2.1 forbid for multipart and message types.
		// TODO(#5): write message/rfc822 attachments (forwarded mail)
		// as 7bit or 8bit after checking their lines.
		if mt, _, _ := stdmime.ParseMediaType(a.ContentType); strings.HasPrefix(mt, "multipart/") ||
			strings.HasPrefix(mt, "message/") {
			return fieldErr(field+".ContentType", "multipart and message types cannot be attachments")
		}
	}
	if inline && a.ContentID == "" {
		return fieldErr(field+".ContentID", "missing for an inline part")
	}
	if a.ContentID != "" {
		if err := checkContentID(a.ContentID); err != nil {
			return fieldErr(field+".ContentID", err.Error())
		}
	}
	return nil
}

// checkContentID accepts printable ASCII without white space, angle
// brackets or quotes; one pair of surrounding angle brackets is allowed.
func checkContentID(id string) error {
	id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
	if id == "" {
		return fmt.Errorf("empty")
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c >= 0x7f || strings.IndexByte("<>\"\\", c) >= 0 {
			return fmt.Errorf("character not allowed in a Content-ID")
		}
	}
	return nil
}

func (m *Message) hasReader() bool {
	if m.TextReader != nil || m.HTMLReader != nil {
		return true
	}
	for _, l := range m.partLists() {
		for _, a := range l.list {
			if a.Reader != nil {
				return true
			}
		}
	}
	return false
}
