// SPDX-License-Identifier: Apache-2.0

package mime

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// TestRejectBeforeWriting covers SEC-17 to SEC-24 and SEC-29: each bad
// message gives an *Error naming the field, and not one byte is written.
func TestRejectBeforeWriting(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(m *Message)
		field string
	}{
		{"SEC-17 subject CRLF", func(m *Message) { m.Subject = "Hi\r\nBcc: victim@example.org" }, "Subject"},
		{"SEC-18 bare LF", func(m *Message) { m.Subject = "Hi\nBcc: x" }, "Subject"},
		{"SEC-18 bare CR", func(m *Message) { m.Subject = "Hi\rBcc: x" }, "Subject"},
		{"SEC-18 trailing LF", func(m *Message) { m.Subject = "Hi\n" }, "Subject"},
		{"SEC-18 NUL", func(m *Message) { m.Subject = "Hi\x00" }, "Subject"},
		{"SEC-18 header value LF", func(m *Message) { m.Header = []Field{{"X-A", "a\nBcc: x"}} }, "Header[0].Value"},
		{"SEC-19 display name", func(m *Message) { m.From.Name = "Alice\r\nBcc: x" }, "From"},
		{"SEC-19 display name in To", func(m *Message) { m.To[0].Name = "Bob\nX: y" }, "To[0]"},
		{"SEC-19 addr CRLF", func(m *Message) { m.To[0].Addr = "bob@example.net\r\nBcc: x@y" }, "To[0]"},
		{"SEC-20 name CRLF", func(m *Message) { m.Header = []Field{{"X-Foo\r\nBcc", "v"}} }, "Header[0].Name"},
		{"SEC-20 name space", func(m *Message) { m.Header = []Field{{"X Foo", "v"}} }, "Header[0].Name"},
		{"SEC-20 name colon", func(m *Message) { m.Header = []Field{{"X-Foo:", "v"}} }, "Header[0].Name"},
		{"SEC-20 empty name", func(m *Message) { m.Header = []Field{{"", "v"}} }, "Header[0].Name"},
		{"SEC-21 encoded newline", func(m *Message) { m.Subject = "=?UTF-8?Q?=0A?=Bcc: injected@example.com" }, "Subject"},
		{"SEC-21 encoded CR in header", func(m *Message) { m.Header = []Field{{"X-A", "=?UTF-8?B?DQo=?="}} }, "Header[0].Value"},
		{"SEC-23 second From", func(m *Message) { m.Header = []Field{{"From", "mallory@example.com"}} }, "Header[0].Name"},
		{"SEC-23 second Subject", func(m *Message) { m.Header = []Field{{"subject", "x"}} }, "Header[0].Name"},
		{"SEC-23 Content-Type", func(m *Message) { m.Header = []Field{{"Content-Type", "text/html"}} }, "Header[0].Name"},
		{"SEC-23 Bcc header", func(m *Message) { m.Header = []Field{{"Bcc", "x@example.com"}} }, "Header[0].Name"},
		{"SEC-23 two References", func(m *Message) {
			m.Header = []Field{{"References", "<a@b>"}, {"references", "<c@d>"}}
		}, "Header[1].Name"},
		{"empty From", func(m *Message) { m.From = Address{Name: "Alice"} }, "From"},
		{"SEC-22 bad From", func(m *Message) { m.From.Addr = "a@b@c" }, "From"},
		{"SEC-24 leading hyphen", func(m *Message) { m.From.Addr = "-oQ/tmp@example.org" }, "From"},
		{"UTF-8 local part without SMTPUTF8", func(m *Message) { m.To[0].Addr = "ñ@example.net" }, "To[0]"},
		{"bad Message-ID", func(m *Message) { m.MessageID = "no at sign" }, "MessageID"},
		{"bad encoding", func(m *Message) { m.TransferEncoding = "uuencode" }, "TransferEncoding"},
		{"SEC-29 7bit long line", func(m *Message) {
			m.TransferEncoding = "7bit"
			m.Text = strings.Repeat("x", 5000)
		}, "Text"},
		{"SEC-29 8bit NUL", func(m *Message) {
			m.TransferEncoding = "8bit"
			m.Text = "a\x00b"
		}, "Text"},
		{"7bit with UTF-8", func(m *Message) {
			m.TransferEncoding = "7bit"
			m.HTML = "é"
		}, "HTML"},
		{"two text sources", func(m *Message) { m.TextReader = strings.NewReader("x") }, "Text"},
		{"attachment without source", func(m *Message) {
			m.Attachments = []Attachment{{Filename: "a.txt"}}
		}, "Attachments[0]"},
		{"attachment filename CRLF", func(m *Message) {
			m.Attachments = []Attachment{{Filename: "a\r\n.txt", Data: []byte("x")}}
		}, "Attachments[0].Filename"},
		{"attachment bad type", func(m *Message) {
			m.Attachments = []Attachment{{ContentType: "text/plain;\r\n x", Data: []byte("x")}}
		}, "Attachments[0].ContentType"},
		// The same kinds of injection through every other field that
		// reaches the header.
		{"SEC-19 Cc display name", func(m *Message) { m.Cc = []Address{{"C\rD", "c@example.org"}} }, "Cc[0]"},
		{"SEC-19 Reply-To addr", func(m *Message) {
			m.ReplyTo = []Address{{Addr: "r@example.org>\r\nBcc: x@example.org"}}
		}, "ReplyTo[0]"},
		{"SEC-19 Bcc addr", func(m *Message) { m.Bcc = []Address{{Addr: "b@example.org\n"}} }, "Bcc[0]"},
		{"SEC-18 Message-ID CRLF", func(m *Message) { m.MessageID = "a@example.org>\r\nBcc: x" }, "MessageID"},
		{"SEC-20 Content-ID CRLF", func(m *Message) {
			m.Inline = []Attachment{{ContentID: "a@b>\r\nBcc: x", Data: []byte("x")}}
		}, "Inline[0].ContentID"},
		{"SEC-18 alternative type LF", func(m *Message) {
			m.Alternatives = []Attachment{{ContentType: "text/calendar; method=REQUEST\nBcc: x", Data: []byte("x")}}
		}, "Alternatives[0].ContentType"},
		{"SEC-18 filename NUL", func(m *Message) {
			m.Attachments = []Attachment{{Filename: "a\x00.txt", Data: []byte("x")}}
		}, "Attachments[0].Filename"},
		{"inline without Content-ID", func(m *Message) {
			m.Inline = []Attachment{{Filename: "a.png", Data: []byte("x")}}
		}, "Inline[0].ContentID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := baseMessage()
			tt.edit(m)
			var b bytes.Buffer
			n, err := m.WriteTo(&b)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("WriteTo = %v, want *Error", err)
			}
			if e.Field != tt.field {
				t.Errorf("Field = %q, want %q (%v)", e.Field, tt.field, e)
			}
			if n != 0 || b.Len() != 0 {
				t.Errorf("wrote %d bytes (%q), want none", b.Len(), b.String())
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Errorf("error text carries a line break: %q", err)
			}
			if verr := m.Validate(); verr == nil {
				t.Errorf("Validate() = nil, want error")
			}
		})
	}
}

// TestEncodedWordInput is SEC-21 for input that is not an injection: raw
// "=?" text that does not decode is written so that a reader shows it
// literally, and EncodeHeader output is taken as the text it encodes.
func TestEncodedWordInput(t *testing.T) {
	tests := []struct{ subject, want string }{
		{"=?x-unknown?Q?abc?= and =?", "=?x-unknown?Q?abc?= and =?"},
		{EncodeHeader("Grüße aus Köln"), "Grüße aus Köln"},
		{"=?UTF-8?Q?Bcc=3A_x?=", "Bcc: x"},
		{"price: 5 =? 6", "price: 5 =? 6"},
	}
	for _, tt := range tests {
		m := baseMessage()
		m.Subject = tt.subject
		b := write(t, m)
		msg, _ := parseMessage(t, b)
		got, err := wordDecoder.DecodeHeader(msg.Header.Get("Subject"))
		if err != nil || got != tt.want {
			t.Errorf("Subject %q: read back %q, %v, want %q", tt.subject, got, err, tt.want)
		}
		if len(msg.Header["Bcc"]) != 0 {
			t.Errorf("Subject %q: a Bcc field appeared", tt.subject)
		}
	}
}

// TestBccNotWritten checks that Bcc stays out of the message.
func TestBccNotWritten(t *testing.T) {
	m := baseMessage()
	m.Bcc = []Address{{"Secret", "secret@example.com"}}
	b := write(t, m)
	if bytes.Contains(bytes.ToLower(b), []byte("bcc")) || bytes.Contains(b, []byte("secret")) {
		t.Errorf("Bcc leaked into the message:\n%s", b)
	}
}

// TestLineBreaksCanonical is CASE-05 and CASE-18 on the mime side: lone
// LF and lone CR in text become CRLF, whatever the encoding.
func TestLineBreaksCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		{"line1\nline2\rline3\r\n", "line1\r\nline2\r\nline3\r\n"}, // CASE-18
		{"line1\nline2\n", "line1\r\nline2\r\n"},                   // CASE-05 (A)
		{"smthing\n\n--b\nContent-Type: application/gzip\n\nAAAA\r\nAAAA\r\n", // CASE-05 (B)
			"smthing\r\n\r\n--b\r\nContent-Type: application/gzip\r\n\r\nAAAA\r\nAAAA\r\n"},
		{"A\n.\nMAIL FROM:<x@evil>\n", "A\r\n.\r\nMAIL FROM:<x@evil>\r\n"},
		{"é\nü\r", "é\r\nü\r\n"},
	}
	for _, enc := range []string{"", "7bit", "8bit", "quoted-printable", "base64"} {
		for _, tt := range tests {
			if enc == "7bit" && !isASCII(tt.in) {
				continue
			}
			for _, reader := range []bool{false, true} {
				m := baseMessage()
				m.TransferEncoding = enc
				if reader {
					m.Text, m.TextReader = "", strings.NewReader(tt.in)
				} else {
					m.Text = tt.in
				}
				var b bytes.Buffer
				if _, err := m.WriteTo(&b); err != nil {
					t.Fatal(err)
				}
				checkWire(t, b.Bytes(), enc == "8bit")
				_, leaves := parseMessage(t, b.Bytes())
				if len(leaves) != 1 || leaves[0].Body != tt.want {
					t.Errorf("enc %q reader %v: body %q, want %q", enc, reader, leaves[0].Body, tt.want)
				}
			}
		}
	}
}

// TestLongLines is CASE-11 and SEC-29: a line over 998 octets or a NUL
// never goes out as 7bit; the chosen encoding keeps every line short and
// decodes back.
func TestLongLines(t *testing.T) {
	tests := []struct{ name, html string }{
		{"CASE-11", `<a href="https://example.com/?q=` + strings.Repeat("x", 2000) + `">`},
		{"SEC-29 5000 octets", strings.Repeat("y", 5000)},
		{"SEC-29 NUL", "a\x00b"},
	}
	for _, tt := range tests {
		m := baseMessage()
		m.Text, m.HTML = "", tt.html
		b := write(t, m)
		_, leaves := parseMessage(t, b)
		if leaves[0].Encoding == "7bit" || leaves[0].Encoding == "8bit" {
			t.Errorf("%s: written as %s", tt.name, leaves[0].Encoding)
		}
		// A single-part message ends in CRLF, so a body without a final
		// line break gains one.
		if strings.TrimSuffix(leaves[0].Body, "\r\n") != tt.html {
			t.Errorf("%s: body does not decode back", tt.name)
		}
	}
}

// TestNeeds8BitMIME is CASE-19 on the mime side: only a forced 8bit part
// with non-ASCII content needs 8BITMIME; by default the same content is
// re-encoded to 7 bits.
func TestNeeds8BitMIME(t *testing.T) {
	tests := []struct {
		enc  string
		text string
		rdr  bool
		want bool
	}{
		{"", "café", false, false},
		{"quoted-printable", "café", false, false},
		{"8bit", "café", false, true},
		{"8BIT", "plain", false, false},
		{"8bit", "", true, true},
		{"", "", true, false},
	}
	for _, tt := range tests {
		m := baseMessage()
		m.TransferEncoding, m.Text = tt.enc, tt.text
		if tt.rdr {
			m.TextReader = strings.NewReader("caf\xc3\xa9")
		}
		if got := m.Needs8BitMIME(); got != tt.want {
			t.Errorf("Needs8BitMIME(enc %q, %q, reader %v) = %v, want %v", tt.enc, tt.text, tt.rdr, got, tt.want)
		}
		var b bytes.Buffer
		if _, err := m.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		has8 := bytes.ContainsFunc(b.Bytes(), func(r rune) bool { return r >= 0x80 })
		if has8 != tt.want {
			t.Errorf("enc %q: 8-bit octets written = %v, Needs8BitMIME = %v", tt.enc, has8, tt.want)
		}
	}
}

func TestNeedsSMTPUTF8(t *testing.T) {
	m := baseMessage()
	if m.NeedsSMTPUTF8() {
		t.Error("ASCII message needs SMTPUTF8")
	}
	m.To[0].Addr = "bob@bücher.example"
	if m.NeedsSMTPUTF8() {
		t.Error("IDNA domain needs SMTPUTF8; it is written as an A-label")
	}
	b := write(t, m)
	if !bytes.Contains(b, []byte("bob@xn--bcher-kva.example")) {
		t.Errorf("domain not written as A-label:\n%s", b)
	}
	m.Bcc = []Address{{Addr: "ñఛ@example.com"}}
	m.SMTPUTF8 = true
	if !m.NeedsSMTPUTF8() {
		t.Error("UTF-8 local part in Bcc does not need SMTPUTF8")
	}
	m.Bcc, m.To[0].Addr = nil, "jörg@example.com"
	var out bytes.Buffer
	if _, err := m.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	checkWire(t, out.Bytes(), true)
	if !bytes.Contains(out.Bytes(), []byte("<jörg@example.com>")) {
		t.Errorf("UTF-8 local part not written as UTF-8:\n%s", out.Bytes())
	}
}

// TestWriteTwice checks that a message of re-readable sources writes the
// same bytes twice and that a single-use reader is refused the second
// time.
func TestWriteTwice(t *testing.T) {
	m := baseMessage()
	m.MessageID = "fixed@example.org"
	m.Attachments = []Attachment{
		{Filename: "a.bin", Data: []byte{1, 2, 3}},
		{Filename: "b.txt", Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("b")), nil }},
	}
	m.Rand = nil
	r1 := &fixedRand{}
	m.Rand = r1
	first := write(t, m)
	m.Rand = &fixedRand{}
	if second := write(t, m); !bytes.Equal(first, second) {
		t.Errorf("second write differs")
	}
	m.Attachments = append(m.Attachments, Attachment{Filename: "c", Reader: strings.NewReader("c")})
	write(t, m)
	if _, err := m.WriteTo(io.Discard); !errors.Is(err, ErrSourceConsumed) {
		t.Errorf("second write with a reader: %v, want ErrSourceConsumed", err)
	}
}

func TestOpenError(t *testing.T) {
	m := baseMessage()
	closed := false
	m.Attachments = []Attachment{
		{Filename: "a", Open: func() (io.ReadCloser, error) {
			return closeFunc{strings.NewReader("a"), func() { closed = true }}, nil
		}},
		{Filename: "b", Open: func() (io.ReadCloser, error) { return nil, errors.New("no such file") }},
	}
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err == nil || b.Len() != 0 {
		t.Fatalf("WriteTo = %v with %d bytes written, want an error and none", err, b.Len())
	}
	if !closed {
		t.Error("first attachment left open")
	}
}

type closeFunc struct {
	io.Reader
	f func()
}

func (c closeFunc) Close() error { c.f(); return nil }

// TestSignedShape is CASE-26 on the mime side: parts come out 7-bit,
// base64 in lines of exactly 76 characters, no trailing white space, no
// trailing soft break.
func TestSignedShape(t *testing.T) {
	m := baseMessage()
	m.TransferEncoding = "quoted-printable"
	m.Text = strings.Repeat("word ", 40) + "\nend "
	m.Attachments = []Attachment{{Filename: "x.bin", Data: bytes.Repeat([]byte{0xAB, 0xCD, 0xEF}, 300)}}
	b := write(t, m)
	_, leaves := parseMessage(t, b)
	if leaves[0].Body != canonicalText(m.Text) || leaves[1].Body != string(m.Attachments[0].Data) {
		t.Fatal("parts do not decode back")
	}
	lines := strings.Split(string(b), "\r\n")
	b64 := 0
	for _, l := range lines {
		if strings.HasSuffix(l, " ") || strings.HasSuffix(l, "\t") {
			t.Errorf("line ends in white space: %q", l)
		}
		if len(l) == 76 && !strings.ContainsAny(l, " =:") {
			b64++
		}
	}
	if want := 900 / 57; b64 != want {
		t.Errorf("%d full base64 lines of 76, want %d", b64, want)
	}
}

// TestDateAndMessageID checks the generated Date (RFC 5322 §3.3, from the
// injected clock) and Message-ID (unique, on the From domain as an
// A-label) and that the first write stores both in the Message.
func TestDateAndMessageID(t *testing.T) {
	now := time.Date(2026, 2, 3, 4, 5, 6, 0, time.FixedZone("", -(7*3600+30*60)))
	seen := map[string]bool{}
	for i := 0; i < 50; i++ {
		m := baseMessage()
		m.Date, m.Rand, m.Now = time.Time{}, nil, func() time.Time { return now }
		m.From.Addr = "alice@bücher.example"
		msg, _ := parseMessage(t, write(t, m))
		if got := msg.Header.Get("Date"); got != "Tue, 03 Feb 2026 04:05:06 -0730" {
			t.Fatalf("Date %q", got)
		}
		if d, err := msg.Header.Date(); err != nil || !d.Equal(now) || !m.Date.Equal(now) {
			t.Fatalf("Date reads as %v, %v; stored %v", d, err, m.Date)
		}
		id := msg.Header.Get("Message-ID")
		if !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@xn--bcher-kva.example>") || seen[id] {
			t.Fatalf("Message-ID %q: not on the From domain, or repeated", id)
		}
		if m.MessageID != strings.Trim(id, "<>") {
			t.Fatalf("stored MessageID %q, wrote %q", m.MessageID, id)
		}
		seen[id] = true
	}
}
