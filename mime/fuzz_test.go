// SPDX-License-Identifier: Apache-2.0

package mime

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
)

var fuzzEncodings = []string{"", "quoted-printable", "base64", "7bit", "8bit"}

// fieldBody returns the body of the one field called name in the header
// section h, unfolded (RFC 5322 §2.2.3), or false when the field is not
// there exactly once.
func fieldBody(h, name string) (string, bool) {
	var body string
	n := 0
	for _, f := range fields(h) {
		k, v, _ := strings.Cut(f, ":")
		if strings.EqualFold(k, name) {
			body = strings.ReplaceAll(strings.TrimSuffix(v, "\r\n"), "\r\n", "")
			n++
		}
	}
	return strings.TrimPrefix(body, " "), n == 1
}

// FuzzMessage composes messages from fuzzed header values and bodies.
// Each is either refused with an *Error and not one byte written, or it
// reads back through net/mail and mime/multipart with exactly the fields
// it was given and nothing more (SEC-17 to SEC-21 for any input, not only
// the rows' examples), a From that ParseAddress reads back unchanged, and
// every part decoding to its input.
func FuzzMessage(f *testing.F) {
	f.Add("Hello", "Alice", "v", "Hi\r\n", "a.txt", uint8(0))
	f.Add("Hi\r\nBcc: victim@example.org", "Alice\r\nBcc: x", "a\nb", "x", "b\r\n.txt", uint8(1))
	f.Add("=?UTF-8?Q?=0A?=Bcc: injected@example.com", `"a@b" <c>`, "=?UTF-8?B?DQo=?=", "", "", uint8(2))
	f.Add("Grüße aus Köln, "+strings.Repeat("très long ", 8), "Jöhn \"Q\" Public, Jr.",
		strings.Repeat("xx ", 40), strings.Repeat("y", 1000)+"\n.\nFrom me", "日本語.pdf", uint8(0))
	f.Add("  lead  and  trail  ", "a  b", "x\ty", "a\x00b\rc", "résumé final.docx", uint8(1))
	f.Add("😀", "😀", "é", "é\r\n", "😀", uint8(2))
	f.Add("plain", "", "v", "ascii\n", "f.txt", uint8(4))
	f.Fuzz(func(t *testing.T, subject, name, value, text, filename string, enc uint8) {
		m := baseMessage()
		m.Subject = subject
		m.From.Name = name
		m.Header = []Field{{"X-Fuzz", value}}
		m.Text = text
		m.TransferEncoding = fuzzEncodings[int(enc)%len(fuzzEncodings)]
		m.Attachments = []Attachment{{Filename: filename, Data: []byte(text)}}
		var b bytes.Buffer
		if _, err := m.WriteTo(&b); err != nil {
			if e := (*Error)(nil); !errors.As(err, &e) {
				t.Fatalf("error %v is %T, want *Error", err, err)
			}
			if b.Len() != 0 {
				t.Fatalf("%d bytes written before the error %v", b.Len(), err)
			}
			return
		}
		checkWire(t, b.Bytes(), m.TransferEncoding == "8bit")
		msg, leaves := parseMessage(t, b.Bytes())
		checkFuzzFields(t, m, headerSection(b.Bytes()), msg.Header)
		if text == "" {
			// No body: the message is the attachment alone.
			leaves = append([]leaf{{}}, leaves...)
		}
		if len(leaves) != 2 {
			t.Fatalf("%d parts, want 2", len(leaves))
		}
		if leaves[0].Body != canonicalText(text) {
			t.Fatalf("text part decodes to %q, want %q", leaves[0].Body, canonicalText(text))
		}
		if leaves[1].Body != text {
			t.Fatalf("attachment decodes to %q, want %q", leaves[1].Body, text)
		}
		if got := leaves[1].DispParams["filename"]; got != filename {
			t.Fatalf("filename %q, want %q", got, filename)
		}
	})
}

// checkFuzzFields asserts that the header section h of the message
// written from m holds exactly the expected fields, once each, and that
// the fuzzed ones read back as given.
func checkFuzzFields(t *testing.T, m *Message, h string, got map[string][]string) {
	t.Helper()
	want := []string{"Content-Type", "Date", "From", "Message-Id", "Mime-Version", "To", "X-Fuzz"}
	if m.Subject != "" {
		want = append(want, "Subject")
	}
	if m.Text == "" {
		want = append(want, "Content-Disposition", "Content-Transfer-Encoding")
	}
	var names []string
	for k := range got {
		names = append(names, k)
	}
	slices.Sort(names)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("header fields %q, want %q\n%s", names, want, h)
	}
	from, _ := fieldBody(h, "From")
	if a, err := ParseAddress(from); err != nil || a != m.From {
		t.Fatalf("From %q reads back as %+v, %v; want %+v", from, a, err, m.From)
	}
	for name, in := range map[string]string{"Subject": m.Subject, "X-Fuzz": m.Header[0].Value} {
		body, ok := fieldBody(h, name)
		if in == "" || strings.Contains(in, "=?") {
			continue // encoded-word input is decoded first: see TestEncodedWordInput
		}
		if !ok {
			t.Fatalf("%s is not there exactly once", name)
		}
		if d := decodeField(t, body); d != in {
			t.Fatalf("%s %q decodes to %q, want %q", name, body, d, in)
		}
	}
}

// FuzzAddressList parses a fuzzed address list strictly and, when it is
// accepted, writes it as the To field: the field reads back as the same
// list (Unicode domains as their A-labels unless SMTPUTF8 is allowed),
// or the message is refused with an *Error and nothing written.
func FuzzAddressList(f *testing.F) {
	for _, s := range []string{"a@b.example", "A <a@b.example>, \"Smith, J\" <j@c.example>",
		"=?UTF-8?Q?J=C3=B6rg?= <j@bücher.example>", "ñ@example.com", "x@[192.0.2.1], y@z.example",
		"John Q. Public <jqp@example.com>"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, utf8ok bool) {
		list, err := ParseAddressList(s)
		if err != nil {
			return
		}
		m := baseMessage()
		m.To, m.SMTPUTF8 = list, utf8ok
		var b bytes.Buffer
		if _, err := m.WriteTo(&b); err != nil {
			if e := (*Error)(nil); !errors.As(err, &e) || b.Len() != 0 {
				t.Fatalf("error %v (%T) after %d bytes", err, err, b.Len())
			}
			return
		}
		checkWire(t, b.Bytes(), utf8ok)
		body, ok := fieldBody(headerSection(b.Bytes()), "To")
		if !ok {
			t.Fatalf("no single To field")
		}
		back, err := ParseAddressList(body)
		if err != nil || len(back) != len(list) {
			t.Fatalf("To %q reads back as %+v, %v; want %+v", body, back, err, list)
		}
		for i := range list {
			want := list[i].Addr
			if !utf8ok {
				want = asciiDomainAddr(want)
			}
			if back[i].Name != list[i].Name || asciiDomainAddr(back[i].Addr) != asciiDomainAddr(want) {
				t.Fatalf("address %d: %+v reads back as %+v from %q", i, list[i], back[i], body)
			}
		}
	})
}
