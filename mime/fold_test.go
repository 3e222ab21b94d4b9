// SPDX-License-Identifier: Apache-2.0

package mime

import (
	"bytes"
	"math/rand/v2"
	"net/mail"
	"regexp"
	"strings"
	"testing"
)

// TestFoldRFC5322 checks the §2.2.3 example: folding inserts CRLF before
// existing white space and unfolding removes it again.
func TestFoldRFC5322(t *testing.T) {
	v := loadVectors(t)
	if v.Limits.Max != maxLine || v.Limits.Recommended != foldAt {
		t.Fatalf("limits %+v differ from %d/%d", v.Limits, maxLine, foldAt)
	}
	if got := strings.ReplaceAll(v.Folding.Folded, "\r\n", ""); got != v.Folding.Unfolded {
		t.Fatalf("unfold(%q) = %q", v.Folding.Folded, got)
	}
	// Our folder breaks the same field the same way when the limit bites.
	var h headerBuf
	h.field("Subject")
	for _, w := range strings.Split("This is a test", " ") {
		h.tok(token{s: w})
	}
	h.end()
	if got := string(h.b); got != v.Folding.Unfolded+"\r\n" {
		t.Errorf("short field folded: %q", got)
	}
}

// headerLines returns the header section of a written message.
func headerSection(b []byte) string {
	i := bytes.Index(b, []byte("\r\n\r\n"))
	return string(b[:i+2])
}

var wspRun = regexp.MustCompile(`[ \t]+`)

// relaxed is the DKIM relaxed header canonical form (RFC 6376 §3.4.2) of
// one field.
func relaxed(field string) string {
	name, value, _ := strings.Cut(field, ":")
	value = strings.ReplaceAll(value, "\r\n", "")
	value = wspRun.ReplaceAllString(value, " ")
	return strings.ToLower(strings.TrimSpace(name)) + ":" + strings.TrimSpace(value)
}

// fields splits a header section into whole fields, folds kept.
func fields(h string) []string {
	var out []string
	for _, l := range strings.SplitAfter(h, "\r\n") {
		if l == "" {
			continue
		}
		if (l[0] == ' ' || l[0] == '\t') && len(out) > 0 {
			out[len(out)-1] += l
		} else {
			out = append(out, l)
		}
	}
	return out
}

// refold folds a field at every white space the rules allow (the most a
// relay can do), or unfolds it completely.
func refold(field string, fold bool) string {
	field = strings.ReplaceAll(strings.TrimSuffix(field, "\r\n"), "\r\n", "")
	if !fold {
		return field + "\r\n"
	}
	name, value, _ := strings.Cut(field, ":")
	value = strings.TrimLeft(value, " ")
	return name + ": " + strings.ReplaceAll(value, " ", "\r\n ") + "\r\n"
}

// TestRefoldStable is CASE-06: generated header lines are within 998
// octets, address lists have a space after each comma, and refolding by
// the rules does not change the relaxed canonical form.
func TestRefoldStable(t *testing.T) {
	m := baseMessage()
	m.To = []Address{{"Person A", "a@example.com"}, {"Person B", "b@example.com"},
		{"Jörg Müller-Lüdenscheidt", "j@example.com"}, {"Smith, John", "s@example.com"}}
	m.Cc = []Address{{Addr: "c@example.com"}, {Addr: "d@example.com"}}
	m.Subject = "A subject long enough to be folded because it goes on past seventy-eight columns"
	var refs []string
	for i := 0; i < 40; i++ {
		refs = append(refs, "<"+strings.Repeat("r", 20)+itoa(i)+"@example.com>")
	}
	m.Header = []Field{{"References", strings.Join(refs, " ")}}
	b := write(t, m)
	h := headerSection(b)
	if !strings.Contains(h, "<a@example.com>, Person B") {
		t.Errorf("no space after comma in:\n%s", h)
	}
	for _, l := range strings.Split(h, "\r\n") {
		if len(l) > foldAt {
			t.Errorf("line of %d > %d: %q", len(l), foldAt, l)
		}
	}
	for _, f := range fields(h) {
		for _, fold := range []bool{false, true} {
			if got, want := relaxed(refold(f, fold)), relaxed(f); got != want {
				t.Errorf("CASE-06: relaxed form changed by refolding:\n%q\n%q", want, got)
			}
		}
	}
	msg, _ := parseMessage(t, b)
	list, err := msg.Header.AddressList("To")
	if err != nil || len(list) != 4 || list[2].Name != "Jörg Müller-Lüdenscheidt" || list[3].Name != "Smith, John" {
		t.Errorf("To read back as %v, %v", list, err)
	}
	if got := msg.Header.Get("References"); got != strings.Join(refs, " ") {
		t.Errorf("References read back as %q", got)
	}
}

// TestUnbreakable checks that a field that cannot be folded within 998
// octets is an error, not a long line.
func TestUnbreakable(t *testing.T) {
	m := baseMessage()
	m.Header = []Field{{"X-Long", strings.Repeat("x", 1200)}}
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err == nil || b.Len() != 0 {
		t.Fatalf("WriteTo = %v, %d bytes; want an error and none", err, b.Len())
	}
	// The same text as Subject is encoded, so it can be broken anywhere.
	m.Header, m.Subject = nil, strings.Repeat("x", 1200)
	write(t, m)
}

// checkField is the header property: the field parses back to the input
// with net/mail, has no CR or LF that is not CRLF followed by white space,
// and no line over 998 octets.
func checkField(t testing.TB, name, value string) {
	t.Helper()
	m := baseMessage()
	m.Header = []Field{{name, value}}
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		if _, verr := headerText(name, value); verr == nil && checkFieldName(name) == nil &&
			!reservedFields[strings.ToLower(name)] && !strings.Contains(err.Error(), "998") {
			t.Fatalf("field %q: %q: %v", name, value, err)
		}
		return
	}
	h := headerSection(b.Bytes())
	for i := 0; i < len(h); i++ {
		switch h[i] {
		case '\r':
			if i+1 >= len(h) || h[i+1] != '\n' {
				t.Fatalf("bare CR in %q", h)
			}
		case '\n':
			if h[i-1] != '\r' || i+1 < len(h) && h[i+1] != ' ' && h[i+1] != '\t' && !isFieldStart(h[i+1:]) {
				t.Fatalf("bad line break in %q", h)
			}
		}
	}
	for _, l := range strings.Split(h, "\r\n") {
		if len(l) > maxLine {
			t.Fatalf("line of %d octets", len(l))
		}
	}
	msg, err := mail.ReadMessage(&b)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := headerText(name, value)
	got, err := wordDecoder.DecodeHeader(msg.Header.Get(name))
	if err != nil || got != strings.Trim(want, " \t") && got != want {
		t.Fatalf("field %q = %q read back as %q, %v", name, value, got, err)
	}
	if n := len(msg.Header); n != 9 {
		t.Fatalf("field %q = %q: %d fields read back, want 9", name, value, n)
	}
}

func isFieldStart(s string) bool {
	i := strings.IndexAny(s, ":\r\n ")
	return i > 0 && s[i] == ':' || strings.HasPrefix(s, "\r\n")
}

func TestFieldRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	alphabet := []string{"a", "B", " ", "  ", "\t", ",", "<x@y>", "=?", "?=", "é", "日", strings.Repeat("z", 90)}
	for i := 0; i < 1500; i++ {
		var b strings.Builder
		n := r.IntN(400)
		for b.Len() < n {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		checkField(t, "X-Test", b.String())
	}
}

func FuzzHeaderField(f *testing.F) {
	for _, s := range []string{"", "plain", "Grüße", "a\r\nBcc: x", "=?UTF-8?Q?=0A?=Bcc: x", strings.Repeat("word ", 300),
		strings.Repeat("x", 1000), " lead", "trail ", "a\tb"} {
		f.Add("X-Test", s)
	}
	f.Fuzz(func(t *testing.T, name, value string) {
		checkField(t, name, value)
	})
}
