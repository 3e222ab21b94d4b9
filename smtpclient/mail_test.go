// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mailwright/mailwright/tlsprofile"
)

func TestCheckAddress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		utf8 bool
		ok   bool
	}{
		{"a@example.com", false, true},
		{"first.last+tag@sub.example.co.uk", false, true},
		{`"john doe"@example.com`, false, true},
		{`"a> b"@example.com`, false, true},
		{`"a\"b"@example.com`, false, true},
		{"user@[192.0.2.1]", false, true},
		{"user@[IPv6:2001:db8::1]", false, true},
		{"ñఛ@example.com", true, true},
		{"a@bücher.example", true, true},
		{"!#$%&'*+-/=?^_`{|}~@example.com", false, true},
		{"", false, false},
		{"a", false, false},
		{"@example.com", false, false},
		{"a@", false, false},
		{"a..b@example.com", false, false},
		{".a@example.com", false, false},
		{"a b@example.com", false, false},
		{"a@-example.com", false, false},
		{"a@example..com", false, false},
		{"a@exa_mple.com", false, false},
		{"a@[1.2.3.4", false, false},
		{`"unterminated@example.com`, false, false},
		{"a@example.com\xff", false, false},
		{strings.Repeat("a", 250) + "@example.com", false, false},
	}
	for _, tt := range tests {
		u, err := checkAddress("recipient address", tt.in, false)
		if (err == nil) != tt.ok || (tt.ok && u != tt.utf8) {
			t.Errorf("checkAddress(%q) = %v, %v, want utf8 %v, ok %v", tt.in, u, err, tt.utf8, tt.ok)
		}
	}
}

// SEC-14, SEC-15, SEC-16: command and parameter injection, control
// characters: a typed error naming the field, and zero bytes written.
func TestInjectionSEC14SEC15SEC16(t *testing.T) {
	t.Parallel()
	c, s := dialPlain(t, func(s *srv) {
		s.greet("DSN", "SIZE")
		s.expect("NOOP")
		s.send("250 ok")
	})
	ctx := context.Background()
	bad := []struct {
		id   string
		call func() error
	}{
		{"SEC-14", func() error { return c.Rcpt(ctx, "recipient@example.net>\r\nDATA\r\nInjected\r\n.\r\nQUIT\r\n", nil) }},
		{"SEC-15 rcpt", func() error { return c.Rcpt(ctx, "victim@example.org> NOTIFY=SUCCESS", nil) }},
		{"SEC-15 mail", func() error { return c.Mail(ctx, "a@example.com> SIZE=1", nil) }},
		{"SEC-16 NUL", func() error { return c.Mail(ctx, "a\x00b@example.com", nil) }},
		{"SEC-16 SOH", func() error { return c.Rcpt(ctx, "a\x01b@example.com", nil) }},
		{"SEC-16 TAB", func() error { return c.Rcpt(ctx, "a\tb@example.com", nil) }},
		{"SEC-16 DEL", func() error { return c.Rcpt(ctx, "a\x7fb@example.com", nil) }},
		{"SEC-16 ORCPT", func() error {
			return c.Rcpt(ctx, "a@example.com", &RcptOptions{OriginalRecipient: "x@y\r\nQUIT"})
		}},
		{"SEC-15 NOTIFY", func() error {
			return c.Rcpt(ctx, "a@example.com", &RcptOptions{Notify: []string{"SUCCESS NEVER"}})
		}},
		{"SEC-15 RET", func() error { return c.Mail(ctx, "a@example.com", &MailOptions{Return: "FULL\r\nQUIT"}) }},
		{"SendMail", func() error {
			_, err := c.SendMail(ctx, "a@example.com", []string{"ok@example.org", "b@x>\r\nRSET"},
				strings.NewReader("x\r\n"), nil)
			return err
		}},
	}
	for _, tt := range bad {
		err := tt.call()
		var ae *ArgumentError
		if !errors.As(err, &ae) {
			t.Errorf("%s: error = %v, want an ArgumentError", tt.id, err)
			continue
		}
		for _, leak := range []string{"example", "QUIT", "DATA", "\x00", "\x01"} {
			if strings.Contains(err.Error(), leak) {
				t.Errorf("%s: error %q shows the value", tt.id, err)
			}
		}
	}
	if err := c.Noop(ctx); err != nil {
		t.Fatal(err)
	}
	if got := s.received(); got != "EHLO localhost\r\nNOOP\r\n" {
		t.Errorf("wire = %q, want only EHLO and NOOP", got)
	}
}

// SEC-16: a control character in the EHLO name is refused before
// connecting.
func TestLocalNameSEC16(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"a\x00b", "a\x01b", "a\tb", "a\x7fb", "a b", "a\r\nRSET"} {
		o := plain()
		o.LocalName = name
		_, err := Dial(context.Background(), "127.0.0.1:1", o)
		var ae *ArgumentError
		if !errors.As(err, &ae) || ae.Field != "LocalName" || strings.Contains(err.Error(), name) {
			t.Errorf("LocalName %q: error = %v", name, err)
		}
	}
}

// CASE-20: SMTPUTF8 goes on MAIL, only when an address needs it, never on
// RCPT; a server without it gets nothing of the transaction.
func TestSMTPUTF8CASE20(t *testing.T) {
	t.Parallel()
	k := &sink{ext: []string{"SMTPUTF8", "PIPELINING"}}
	c, err := Dial(context.Background(), k.start(t), plain())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var lines []string
	c.trace = &tracer{w: lineRecorder(func(l string) { lines = append(lines, l) })}
	for _, to := range []string{"ñఛ@example.com", "plain@example.com"} {
		if _, err := c.SendMail(context.Background(), "a@example.com", []string{to}, strings.NewReader("x\r\n"), nil); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		"C: MAIL FROM:<a@example.com> SMTPUTF8", "C: RCPT TO:<ñఛ@example.com>",
		"C: MAIL FROM:<a@example.com>", "C: RCPT TO:<plain@example.com>",
	}
	var got []string
	for _, l := range lines {
		if strings.HasPrefix(l, "C: MAIL") || strings.HasPrefix(l, "C: RCPT") {
			got = append(got, l)
		}
	}
	if !cmp.Equal(got, want) {
		t.Errorf("commands:\n%q\nwant\n%q", got, want)
	}

	c2, s := dialPlain(t, func(s *srv) {
		s.greet("PIPELINING")
		s.expect("NOOP")
		s.send("250 ok")
	})
	_, err = c2.SendMail(context.Background(), "a@example.com", []string{"ñఛ@example.com"}, strings.NewReader("x\r\n"), nil)
	var ee *ExtensionError
	if !errors.As(err, &ee) || ee.Extension != "SMTPUTF8" {
		t.Fatalf("SendMail error = %v, want an ExtensionError for SMTPUTF8", err)
	}
	c2.Noop(context.Background())
	if got := s.received(); got != "EHLO localhost\r\nNOOP\r\n" {
		t.Errorf("wire = %q", got)
	}
}

// lineRecorder turns trace output into lines.
type lineRecorder func(string)

func (f lineRecorder) Write(p []byte) (int, error) {
	f(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// CASE-19: 8-bit content without 8BITMIME is refused before anything is
// sent; with 8BITMIME, MAIL carries BODY=8BITMIME.
func TestEightBitCASE19(t *testing.T) {
	t.Parallel()
	body := "Content-Transfer-Encoding: 8bit\r\n\r\ncaf\xc3\xa9\r\n"
	c, s := dialPlain(t, func(s *srv) {
		s.greet("PIPELINING")
		s.expect("NOOP")
		s.send("250 ok")
	})
	_, err := c.SendMail(context.Background(), "a@example.com", []string{"b@example.org"}, strings.NewReader(body), nil)
	var ee *ExtensionError
	if !errors.As(err, &ee) || ee.Extension != "8BITMIME" {
		t.Fatalf("SendMail error = %v, want an ExtensionError for 8BITMIME", err)
	}
	c.Noop(context.Background())
	if got := s.received(); got != "EHLO localhost\r\nNOOP\r\n" {
		t.Errorf("wire = %q", got)
	}

	// With PIPELINING the MAIL reply is read after the body is encoded:
	// the encoder must follow what MAIL declared, not what the server has
	// confirmed so far.
	for _, ext := range [][]string{{"8BITMIME"}, {"8BITMIME", "PIPELINING"}, {"8BITMIME", "PIPELINING", "CHUNKING"}} {
		k := &sink{ext: ext}
		c2, err := Dial(context.Background(), k.start(t), plain())
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		c2.trace = &tracer{w: lineRecorder(func(l string) { lines = append(lines, l) })}
		if _, err := c2.SendMail(context.Background(), "a@example.com", []string{"b@example.org"}, strings.NewReader(body), nil); err != nil {
			t.Fatalf("%v: %v", ext, err)
		}
		if lines[0] != "C: MAIL FROM:<a@example.com> BODY=8BITMIME" {
			t.Errorf("%v: MAIL line = %q", ext, lines[0])
		}
		if m := k.messages(); len(m) != 1 || string(m[0].body) != body {
			t.Errorf("%v: server got %+v", ext, m)
		}
		c2.Close()
	}
}

// A message larger than the server's SIZE limit is refused before any byte
// of it is sent (RFC 1870).
func TestSizeLimit(t *testing.T) {
	t.Parallel()
	c, s := dialPlain(t, func(s *srv) {
		s.greet("SIZE 10", "PIPELINING")
		s.expect("NOOP")
		s.send("250 ok")
	})
	_, err := c.SendMail(context.Background(), "a@example.com", []string{"b@example.org"},
		strings.NewReader("0123456789ABCDEF\r\n"), nil)
	var se *SizeError
	if !errors.As(err, &se) || se.Size != 18 || se.Limit != 10 {
		t.Fatalf("SendMail error = %v, want a SizeError", err)
	}
	c.Noop(context.Background())
	if got := s.received(); got != "EHLO localhost\r\nNOOP\r\n" {
		t.Errorf("wire = %q", got)
	}
}

// CASE-12: the legacy AUTH= form, the union of AUTH lines, lower-case
// keywords, duplicates, and SIZE with and without a number.
func TestParseEHLOCASE12(t *testing.T) {
	t.Parallel()
	tests := []struct {
		msg   string
		ext   map[string]string
		mechs []string
	}{
		{"mx.example.com\nAUTH=LOGIN\n8BITMIME",
			map[string]string{"AUTH": "LOGIN", "8BITMIME": ""}, []string{"LOGIN"}},
		{"mx\nAUTH=PLAIN LOGIN\nAUTH PLAIN LOGIN CRAM-MD5",
			map[string]string{"AUTH": "PLAIN LOGIN CRAM-MD5"}, []string{"PLAIN", "LOGIN", "CRAM-MD5"}},
		{"mx\nsize 1000\npipelining\nSIZE 5\nauth plain",
			map[string]string{"SIZE": "1000", "PIPELINING": "", "AUTH": "PLAIN"}, []string{"PLAIN"}},
		{"mx\nSIZE\n-bad\nX_Y\n\nSTARTTLS",
			map[string]string{"SIZE": "", "STARTTLS": ""}, nil},
	}
	for _, tt := range tests {
		ext, mechs := parseEHLO(tt.msg)
		if !cmp.Equal(ext, tt.ext) || !cmp.Equal(mechs, tt.mechs) {
			t.Errorf("parseEHLO(%q) = %v, %v, want %v, %v", tt.msg, ext, mechs, tt.ext, tt.mechs)
		}
	}
	for param, want := range map[string]int64{"": 0, "35882577": 35882577, "1000 extra": 1000, "-5": 0, "x": 0} {
		if got := parseSize(map[string]string{"SIZE": param}); got != want {
			t.Errorf("parseSize(SIZE %q) = %d, want %d", param, got, want)
		}
	}
	if got := parseSize(map[string]string{}); got != 0 {
		t.Errorf("parseSize without SIZE = %d, want 0", got)
	}
}

func FuzzParseEHLO(f *testing.F) {
	f.Add("mx\nAUTH=LOGIN\nSIZE 10\n8BITMIME")
	f.Fuzz(func(t *testing.T, msg string) {
		ext, mechs := parseEHLO(msg)
		for kw := range ext {
			if !isKeyword(kw) {
				t.Fatalf("keyword %q", kw)
			}
		}
		for _, m := range mechs {
			if m != strings.ToUpper(m) || strings.ContainsAny(m, " \t\n") {
				t.Fatalf("mechanism %q", m)
			}
		}
	})
}

func FuzzCheckAddress(f *testing.F) {
	f.Add("a@example.com")
	f.Add(`"a b"@[1.2.3.4]`)
	f.Fuzz(func(t *testing.T, a string) {
		if _, err := checkAddress("address", a, true); err != nil {
			return
		}
		if strings.ContainsAny(a, "\r\n\x00<>") && !strings.HasPrefix(a, `"`) {
			t.Fatalf("checkAddress(%q) accepted", a)
		}
		if strings.ContainsAny(a, "\r\n\x00") {
			t.Fatalf("checkAddress(%q) accepted a line end or NUL", a)
		}
	})
}

// A reader that can tell its length gets SIZE checked before anything is
// sent, even past the first block; a plain stream that grows past the
// limit is cut off and its transaction aborted.
func TestSizeLimitStream(t *testing.T) {
	t.Parallel()
	big := strings.Repeat(strings.Repeat("s", 98)+"\r\n", 1000) // 100,000 octets
	for _, ext := range [][]string{{"PIPELINING"}, {"PIPELINING", "CHUNKING"}} {
		k := &sink{ext: append([]string{"SIZE 90000"}, ext...)}
		addr := k.start(t)
		c, err := Dial(context.Background(), addr, plain())
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.SendMail(context.Background(), "a@example.com", []string{"b@example.org"}, strings.NewReader(big), nil)
		var se *SizeError
		if !errors.As(err, &se) || se.Partial || se.Size != 100000 || se.Limit != 90000 {
			t.Errorf("%v: SendMail(strings.Reader) = %v, want a SizeError before sending", ext, err)
		}
		if err := c.Noop(context.Background()); err != nil {
			t.Errorf("%v: connection unusable after a SizeError before sending: %v", ext, err)
		}
		_, err = c.SendMail(context.Background(), "a@example.com", []string{"b@example.org"},
			io.MultiReader(strings.NewReader(big)), nil)
		if !errors.As(err, &se) || !se.Partial || se.Limit != 90000 {
			t.Errorf("%v: SendMail(stream) = %v, want a partial SizeError", ext, err)
		}
		if !errors.Is(c.Noop(context.Background()), ErrClosed) {
			t.Errorf("%v: connection still open after an aborted message", ext)
		}
		if n := len(k.messages()); n != 0 {
			t.Errorf("%v: server got %d messages, want 0", ext, n)
		}
	}
}

// REQUIRETLS (RFC 8689) goes on MAIL only over TLS with a verified
// certificate and when the server offers it; otherwise nothing is sent.
func TestRequireTLS(t *testing.T) {
	t.Parallel()
	pki := thePKI(t)
	for _, policy := range []tlsprofile.Policy{tlsprofile.Verify, tlsprofile.Encrypt} {
		addr, _ := serve(t, func(s *srv) {
			s.greet("STARTTLS")
			s.expect("STARTTLS")
			s.send("220 go ahead")
			if !s.startTLS(pki.serverTLS(t, certOpts{}, "127.0.0.1")) {
				return
			}
			s.expect("EHLO localhost")
			s.ehlo("REQUIRETLS")
			if policy == tlsprofile.Verify {
				s.expect("MAIL FROM:<a@example.com> REQUIRETLS")
				s.send("250 ok")
			}
			s.quit()
		})
		c, err := Dial(context.Background(), addr, tlsOpts(t, policy))
		if err != nil {
			t.Fatal(err)
		}
		err = c.Mail(context.Background(), "a@example.com", &MailOptions{RequireTLS: true})
		if policy == tlsprofile.Verify && err != nil {
			t.Errorf("Mail with REQUIRETLS over verified TLS: %v", err)
		}
		if policy == tlsprofile.Encrypt && !errors.Is(err, ErrTLSRequired) {
			t.Errorf("Mail with REQUIRETLS over unverified TLS = %v, want ErrTLSRequired", err)
		}
		c.Quit(context.Background())
	}

	c, s := dialPlain(t, func(s *srv) {
		s.greet("REQUIRETLS")
		s.expect("NOOP")
		s.send("250 ok")
	})
	if err := c.Mail(context.Background(), "a@example.com", &MailOptions{RequireTLS: true}); !errors.Is(err, ErrTLSRequired) {
		t.Errorf("Mail with REQUIRETLS in clear = %v, want ErrTLSRequired", err)
	}
	c.Noop(context.Background())
	if got := s.received(); got != "EHLO localhost\r\nNOOP\r\n" {
		t.Errorf("wire = %q", got)
	}
	c2, _ := dialPlain(t, func(s *srv) { s.greet() })
	var ee *ExtensionError
	if err := c2.Mail(context.Background(), "a@example.com", &MailOptions{RequireTLS: true}); !errors.As(err, &ee) ||
		ee.Extension != "REQUIRETLS" {
		t.Errorf("Mail with REQUIRETLS not offered = %v, want an ExtensionError", err)
	}
}
