// SPDX-License-Identifier: Apache-2.0

package mime

import (
	"math/rand/v2"
	stdmime "mime"
	"strings"
	"testing"
	"unicode/utf8"
)

// decodeField unfolds a field body (RFC 5322 §2.2.3) and decodes its
// encoded words with the standard library.
func decodeField(t testing.TB, body string) string {
	t.Helper()
	unfolded := strings.ReplaceAll(body, "\r\n", "")
	d, err := (&stdmime.WordDecoder{}).DecodeHeader(unfolded)
	if err != nil {
		t.Fatalf("DecodeHeader(%q): %v", unfolded, err)
	}
	return d
}

// checkWords asserts RFC 2047 §2 limits on a field body that starts
// after a field name of nameLen characters plus ": ".
func checkWords(t testing.TB, in, body string, nameLen int) {
	t.Helper()
	for i, line := range strings.Split(body, "\r\n") {
		if i == 0 {
			line = strings.Repeat("x", nameLen+2) + line
		}
		hasWord := strings.Contains(line, "=?")
		if hasWord && len(line) > foldAtWords {
			t.Fatalf("EncodeHeader(%q): line %d with encoded words is %d long: %q", in, i, len(line), line)
		}
		for _, w := range strings.Fields(line) {
			if strings.HasPrefix(w, "=?") && len(w) > maxWordLen {
				t.Fatalf("EncodeHeader(%q): word of %d characters: %q", in, len(w), w)
			}
		}
		if i > 0 && (line == "" || strings.TrimLeft(line, " \t") == "" || line[0] != ' ') {
			t.Fatalf("EncodeHeader(%q): bad continuation line %q", in, line)
		}
	}
}

func TestEncodeHeader(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Hello", "Hello"},
		{"Grüße", "=?UTF-8?B?R3LDvMOfZQ==?="},
		{"café au lait", "=?UTF-8?Q?caf=C3=A9_au_lait?="},
		{"日本語のテキスト", "=?UTF-8?B?5pel5pys6Kqe44Gu44OG44Kt44K544OI?="},
		{"a =?x?= b", "=?UTF-8?B?YSA9P3g/PSBi?="},
		{"please say =?x?= to me now", "=?UTF-8?Q?please_say_=3D=3Fx=3F=3D_to_me_now?="},
		{"", ""},
	}
	for _, tt := range tests {
		if got := EncodeHeader(tt.in); got != tt.want {
			t.Errorf("EncodeHeader(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestEncodedWordLength is CASE-10: a 136-character subject written in Q
// encoding becomes several words of at most 75 characters on lines of at
// most 76, and decodes back.
func TestEncodedWordLength(t *testing.T) {
	subject := "This \"encoded-word\" is longer than 75 characters which is not allowed " +
		"according to RFC-2047 (https://example.com/html/rfc2047#section-2)"
	if len(subject) != 136 {
		t.Fatalf("subject is %d long", len(subject))
	}
	var h headerBuf
	h.field("Subject")
	h.words(subject) // forced into encoded words, as the case asks
	h.end()
	field := string(h.b)
	body := strings.TrimSuffix(strings.TrimPrefix(field, "Subject:"), "\r\n")
	checkWords(t, subject, body, len("Subject")-1)
	if !strings.Contains(field, "?Q?") {
		t.Errorf("CASE-10: want Q encoding, got %q", field)
	}
	if n := strings.Count(field, "=?"); n < 3 {
		t.Errorf("CASE-10: %d words, want at least 3: %q", n, field)
	}
	if got := strings.TrimPrefix(decodeField(t, body), " "); got != subject {
		t.Errorf("CASE-10: decoded %q, want %q", got, subject)
	}
}

// TestEncodeHeaderRandom checks the properties over random text: words
// within 75, decoding gives the input, no character split.
func TestEncodeHeaderRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []string{"a", "Z", " ", "_", "=", "?", "=?", "?=", "é", "ß", "€", "日", "😀", ".", "\t"}
	for i := 0; i < 3000; i++ {
		var b strings.Builder
		n := r.IntN(200)
		for b.Len() < n {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		checkEncodeHeader(t, b.String())
	}
}

func checkEncodeHeader(t testing.TB, in string) {
	t.Helper()
	out := EncodeHeader(in)
	if !needsEncoding(in) {
		if out != in {
			t.Fatalf("EncodeHeader(%q) = %q, want it unchanged", in, out)
		}
		return
	}
	for _, w := range strings.Split(out, "\r\n ") {
		if len(w) > maxWordLen || !strings.HasPrefix(w, "=?UTF-8?") {
			t.Fatalf("EncodeHeader(%q): bad word %q", in, w)
		}
		d, err := (&stdmime.WordDecoder{}).Decode(w)
		if err != nil {
			t.Fatalf("EncodeHeader(%q): word %q: %v", in, w, err)
		}
		if utf8.ValidString(in) && !utf8.ValidString(d) {
			t.Fatalf("EncodeHeader(%q): word %q splits a character", in, w)
		}
	}
	if got := decodeField(t, out); got != in {
		t.Fatalf("decode(EncodeHeader(%q)) = %q", in, got)
	}
}

func FuzzEncodeHeader(f *testing.F) {
	for _, s := range []string{"", "Hello", "Grüße", "日本語", "=?utf-8?q?x?=", strings.Repeat("é", 80),
		"a  b", " lead", "trail "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		checkEncodeHeader(t, in)
	})
}
