// SPDX-License-Identifier: Apache-2.0

package mime

import (
	"errors"
	"net/mail"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseAddress(t *testing.T) {
	tests := []struct {
		in   string
		want Address
	}{
		{"alice@example.org", Address{Addr: "alice@example.org"}},
		{"<alice@example.org>", Address{Addr: "alice@example.org"}},
		{"Alice <alice@example.org>", Address{"Alice", "alice@example.org"}},
		{"  Alice   Q. Public  <a.q@example.org>  ", Address{"Alice Q. Public", "a.q@example.org"}},
		{`"Smith, John" <j@example.com>`, Address{"Smith, John", "j@example.com"}},
		{`"say \"hi\"" <j@example.com>`, Address{`say "hi"`, "j@example.com"}},
		{`"john doe"@example.com`, Address{Addr: "john doe@example.com"}},
		{"=?UTF-8?B?SsO2cmc=?= <j@example.com>", Address{"Jörg", "j@example.com"}},
		{"Jörg <jörg@bücher.example>", Address{"Jörg", "jörg@bücher.example"}},
		{"x@[192.0.2.1]", Address{Addr: "x@[192.0.2.1]"}},
		{"x@[IPv6:2001:db8::1]", Address{Addr: "x@[IPv6:2001:db8::1]"}},
	}
	for _, tt := range tests {
		got, err := ParseAddress(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseAddress(%q) = %+v, %v, want %+v", tt.in, got, err, tt.want)
		}
	}
}

// TestParseAddressStrict covers SEC-22 (inputs that lenient parsers
// misread), SEC-24 (sendmail option injection) and control characters.
func TestParseAddressStrict(t *testing.T) {
	bad := []string{
		// SEC-22
		"alice@example.org)<bob@example.org>",
		`"a@b"@c <d@e>`,
		"a@b@c",
		"alice@example.org <bob@example.org>",
		"Alice <alice@example.org> bob@example.org",
		// SEC-24
		`"attacker\" -oQ/tmp -X/var/www/x.php some"@example.com`,
		"-oQ/tmp@x",
		`"-oQ/tmp"@x`,
		// Control characters (SEC-19 when parsed).
		"Alice\r\nBcc: x <a@example.com>",
		"a@example.com\r\n",
		"a\x00@example.com",
		`"Alice` + "\n" + `" <a@example.com>`,
		"=?UTF-8?Q?a=0Ab?= <a@example.com>",
		// Unsupported or malformed.
		"(comment) a@example.com",
		"Group: a@example.com;",
		"<@route:a@example.com>",
		"", " ", "a@", "@b", "a@b..c", "a@-b.c", "a.@b", "a@b_c.d", "a@[999.1.1.1]",
		"<a@example.com", strings.Repeat("a", 65) + "@b.c",
	}
	for _, in := range bad {
		got, err := ParseAddress(in)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("ParseAddress(%q) = %+v, %v, want *Error", in, got, err)
		}
	}
}

func TestParseAddressList(t *testing.T) {
	got, err := ParseAddressList(`Alice <a@example.org>, b@example.org,"C, D" <c@example.org>`)
	want := []Address{{"Alice", "a@example.org"}, {"", "b@example.org"}, {"C, D", "c@example.org"}}
	if err != nil || !cmp.Equal(got, want) {
		t.Errorf("ParseAddressList = %v, %v, want %v", got, err, want)
	}
	for _, in := range []string{"", "a@b.c,", "a@b.c,,d@e.f", "a@b.c d@e.f", "a@b.c;d@e.f"} {
		if l, err := ParseAddressList(in); err == nil {
			t.Errorf("ParseAddressList(%q) = %v, want error", in, l)
		}
	}
}

// TestParseAddressRFC2047 parses the display names of RFC 2047 §8.
func TestParseAddressRFC2047(t *testing.T) {
	v := loadVectors(t)
	n := 0
	for _, ex := range v.Header {
		name, value, _ := strings.Cut(ex.Encoded, ": ")
		_, wantValue, _ := strings.Cut(ex.Decoded, ": ")
		if name == "Subject" {
			got, err := headerText(name, strings.ReplaceAll(value, "\r\n", ""))
			if err != nil || got != wantValue {
				t.Errorf("headerText(%q) = %q, %v, want %q", value, got, err, wantValue)
			}
			n++
			continue
		}
		want, err := mail.ParseAddress(wantValue)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseAddress(value)
		if err != nil || got.Name != want.Name || got.Addr != want.Address {
			t.Errorf("ParseAddress(%q) = %+v, %v, want %q <%s>", value, got, err, want.Name, want.Address)
		}
		n++
	}
	for _, ex := range v.Adjacency {
		in := strings.Trim(ex.Encoded, "()") + " <x@example.com>"
		in = strings.ReplaceAll(in, "\r\n", "")
		want := strings.Trim(ex.DisplayedAs, "()")
		got, err := ParseAddress(in)
		if err != nil || got.Name != want {
			t.Errorf("ParseAddress(%q) = %+v, %v, want name %q", in, got, err, want)
		}
		n++
	}
	if n < 10 {
		t.Fatalf("only %d vectors checked", n)
	}
}

// TestAddressString checks that String output parses back to the same
// address with our parser and with net/mail.
func TestAddressString(t *testing.T) {
	tests := []struct {
		a    Address
		want string
	}{
		{Address{Addr: "a@example.com"}, "a@example.com"},
		{Address{"Alice Smith", "a@example.com"}, "Alice Smith <a@example.com>"},
		{Address{"Smith, Alice", "a@example.com"}, `"Smith, Alice" <a@example.com>`},
		{Address{`a "b" \c`, "a@example.com"}, `"a \"b\" \\c" <a@example.com>`},
		{Address{"Jörg", "j@bücher.example"}, "=?UTF-8?B?SsO2cmc=?= <j@xn--bcher-kva.example>"},
		{Address{"=?UTF-8?Q?x?=", "a@example.com"}, "=?UTF-8?B?PT9VVEYtOD9RP3g/PQ==?= <a@example.com>"},
		{Address{Addr: "john doe@example.com"}, `"john doe"@example.com`},
		// A bare "." is obs-phrase, which must not be generated (RFC 5322
		// §4; Python's email package reports it as a defect).
		{Address{"John Q. Public", "jqp@example.com"}, `"John Q. Public" <jqp@example.com>`},
	}
	for _, tt := range tests {
		got := tt.a.String()
		if got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.a, got, tt.want)
		}
		back, err := ParseAddress(got)
		if err != nil || back.Name != tt.a.Name {
			t.Errorf("ParseAddress(%q) = %+v, %v", got, back, err)
		}
		m, err := mail.ParseAddress(got)
		if err != nil || m.Name != tt.a.Name {
			t.Errorf("mail.ParseAddress(%q) = %+v, %v", got, m, err)
		}
	}
}

func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{"a@b.c", "A <a@b.c>", `"x" <a@b.c>`, "alice@example.org)<bob@example.org>",
		`"a@b"@c <d@e>`, "a@b@c", "=?UTF-8?Q?a?= <a@b.c>", "x@[1.2.3.4]", "-x@y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		a, err := ParseAddress(in)
		if err != nil {
			return
		}
		// Whatever we accept is one unambiguous mailbox: it has no
		// control characters, and writing it and parsing it again gives
		// the same address, with our parser and with net/mail.
		if hasControl(a.Name) || hasControl(a.Addr) || strings.HasPrefix(a.Addr, "-") {
			t.Fatalf("ParseAddress(%q) = %+v", in, a)
		}
		s := a.String()
		back, err := ParseAddress(s)
		if err != nil {
			t.Fatalf("ParseAddress(%q) = %v (from %q)", s, err, in)
		}
		if back.Name != a.Name || asciiDomainAddr(back.Addr) != asciiDomainAddr(a.Addr) {
			t.Fatalf("round trip of %q: %+v -> %q -> %+v", in, a, s, back)
		}
		if isASCII(a.Addr[:strings.LastIndexByte(a.Addr, '@')]) {
			m, err := mail.ParseAddress(s)
			if err != nil || m.Name != a.Name {
				t.Fatalf("mail.ParseAddress(%q) = %+v, %v; want name %q", s, m, err, a.Name)
			}
		}
	})
}

func asciiDomainAddr(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	return addr[:at+1] + strings.ToLower(asciiDomain(addr[at+1:]))
}
