// SPDX-License-Identifier: Apache-2.0

package mime

import (
	"strings"
	"testing"
)

func TestTypeByName(t *testing.T) {
	tests := []struct{ name, want string }{
		{"report.pdf", "application/pdf"},
		{"REPORT.PDF", "application/pdf"},
		{"data.csv", "text/csv"},
		{"a.b.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"invite.ics", "text/calendar"},
		{"noext", ""},
		{"", ""},
		// Message types are never chosen: they may not be base64.
		{"forward.eml", ""},
	}
	for _, tt := range tests {
		if got := typeByName(tt.name); got != tt.want {
			t.Errorf("typeByName(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestSniffType(t *testing.T) {
	tests := []struct{ head, want string }{
		{"%PDF-1.7\n", "application/pdf"},
		{string(png1x1), "image/png"},
		{"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"},
		{"GIF89a\x01\x00", "image/gif"},
		{"PK\x03\x04\x14\x00", "application/zip"},
		{"\x1f\x8b\x08\x00", "application/gzip"},
		{"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"},
		{invite, "text/calendar"},
		{"BEGIN:VCARD\r\n", "text/vcard"},
		{"  <!DOCTYPE html><html>", "text/html; charset=utf-8"},
		{"<HTML><body>", "text/html; charset=utf-8"},
		{"plain text, Grüße\r\n\tand a tab", "text/plain; charset=utf-8"},
		{"text cut in a character \xc3", "text/plain; charset=utf-8"},
		{"bad \xc3 UTF-8 inside", "application/octet-stream"},
		{"a\x00b", "application/octet-stream"},
		{"\x7f", "application/octet-stream"},
		{"", "application/octet-stream"},
	}
	for _, tt := range tests {
		if got := sniffType([]byte(tt.head)); got != tt.want {
			t.Errorf("sniffType(%q) = %q, want %q", tt.head, got, tt.want)
		}
	}
}

// TestAttachmentType checks the order of choice for an attachment's type:
// the caller's ContentType, then the file name, then the content, read
// from a reader without losing the octets sniffed.
func TestAttachmentType(t *testing.T) {
	tests := []struct {
		a    Attachment
		want string
	}{
		{Attachment{Filename: "x.pdf", ContentType: "application/x-custom", Data: png1x1}, "application/x-custom"},
		{Attachment{Filename: "logo.dat.png", Data: []byte("not a png")}, "image/png"},
		{Attachment{Filename: "logo", Data: png1x1}, "image/png"},
		{Attachment{Reader: strings.NewReader(string(png1x1))}, "image/png"},
		{Attachment{Filename: "notes", Reader: strings.NewReader("just text\n")}, "text/plain"},
		{Attachment{Data: []byte{0, 1, 2}}, "application/octet-stream"},
	}
	for i, tt := range tests {
		m := baseMessage()
		m.Attachments = []Attachment{tt.a}
		_, leaves := parseMessage(t, write(t, m))
		if got := leaves[1].MediaType; got != tt.want {
			t.Errorf("%d: type %q, want %q", i, got, tt.want)
		}
		want := string(tt.a.Data)
		if tt.a.Reader != nil {
			want = map[string]string{"image/png": string(png1x1), "text/plain": "just text\n"}[tt.want]
		}
		if leaves[1].Body != want {
			t.Errorf("%d: body %q, want %q", i, leaves[1].Body, want)
		}
	}
	for _, ct := range []string{"message/rfc822", "multipart/mixed; boundary=x", "Message/Partial; id=1"} {
		m := baseMessage()
		m.Attachments = []Attachment{{ContentType: ct, Data: []byte("x")}}
		if err := m.Validate(); err == nil || !strings.Contains(err.Error(), "Attachments[0].ContentType") {
			t.Errorf("ContentType %q: Validate = %v, want an error naming the field", ct, err)
		}
	}
}
