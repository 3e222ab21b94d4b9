// SPDX-License-Identifier: Apache-2.0

package dkim

import (
	"crypto"
	_ "crypto/sha1"
	_ "crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// recorder is a hash.Hash that keeps what it is given.
type recorder struct{ strings.Builder }

func (r *recorder) Sum(b []byte) []byte { return append(b, r.String()...) }
func (r *recorder) Size() int           { return 0 }
func (r *recorder) BlockSize() int      { return 1 }

// canonBody canonicalizes body, written in pieces of the given sizes
// (cycled), and returns the canonical octets.
func canonBody(c Canonicalization, body string, pieces ...int) string {
	bc := newBodyCanon(c)
	rec := &recorder{}
	bc.hashes = []*bodyHash{{h: rec, left: -1}}
	for i, k := 0, 0; len(body) > 0; k++ {
		n := len(body)
		if len(pieces) > 0 && pieces[k%len(pieces)] > 0 {
			n = min(n, pieces[k%len(pieces)])
		}
		bc.Write([]byte(body[:n]))
		body = body[n:]
		i += n
	}
	bc.Close()
	return rec.String()
}

// refBody is a direct, slow reading of RFC 6376 section 3.4.3 and 3.4.4
// (after section 5.3 line-end normalization), to check canonBody against.
func refBody(c Canonicalization, body string) string {
	body = strings.ReplaceAll(body, "\r\n", "\n")
	body = strings.ReplaceAll(body, "\r", "\n")
	lines := strings.Split(body, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if c == Relaxed {
		for i, l := range lines {
			l = strings.Join(strings.FieldsFunc(l, func(r rune) bool { return r == ' ' || r == '\t' }), " ")
			orig := lines[i]
			if orig != "" && (orig[0] == ' ' || orig[0] == '\t') && l != "" {
				l = " " + l
			}
			lines[i] = l
		}
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		if c == Simple {
			return "\r\n"
		}
		return ""
	}
	return strings.Join(lines, "\r\n") + "\r\n"
}

func bh(h crypto.Hash, s string) string {
	d := h.New()
	d.Write([]byte(s))
	return base64.StdEncoding.EncodeToString(d.Sum(nil))
}

type canonVectors struct {
	Input    string `json:"input_message"`
	Examples map[string]struct {
		Header string `json:"header"`
		Body   string `json:"body"`
	}
	Empty struct {
		Values map[string]struct {
			Body string `json:"canonical_body"`
			BH   string `json:"bh"`
		} `json:"values"`
	} `json:"empty_body_hashes"`
}

func loadCanonVectors(t *testing.T) canonVectors {
	t.Helper()
	b, err := os.ReadFile("testdata/rfc6376-canonicalization.json")
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	var v canonVectors
	json.Unmarshal(b, &v)
	v.Examples = map[string]struct {
		Header string `json:"header"`
		Body   string `json:"body"`
	}{}
	for _, k := range []string{"example1_relaxed_relaxed", "example2_simple_simple", "example3_relaxed_simple"} {
		var e struct {
			Header string `json:"header"`
			Body   string `json:"body"`
		}
		if err := json.Unmarshal(raw[k], &e); err != nil {
			t.Fatal(err)
		}
		v.Examples[k] = e
	}
	return v
}

// TestCanonicalizationRFC6376 checks the examples of RFC 6376 section 3.4.6,
// with the body written whole and in pieces of every small size.
func TestCanonicalizationRFC6376(t *testing.T) {
	v := loadCanonVectors(t)
	cases := []struct {
		name   string
		hc, bc Canonicalization
	}{
		{"example1_relaxed_relaxed", Relaxed, Relaxed},
		{"example2_simple_simple", Simple, Simple},
		{"example3_relaxed_simple", Relaxed, Simple},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := v.Examples[c.name]
			var h headerReader
			n, err := h.write([]byte(v.Input))
			if err != nil || !h.done {
				t.Fatalf("header not ended: %v", err)
			}
			fields, err := parseFields(h.buf)
			if err != nil {
				t.Fatal(err)
			}
			var got []byte
			for _, f := range fields {
				got = canonField(got, f.raw, c.hc)
			}
			if string(got) != want.Header {
				t.Errorf("header = %q, want %q", got, want.Header)
			}
			body := v.Input[n:]
			for k := 0; k <= len(body); k++ {
				if got := canonBody(c.bc, body, k); got != want.Body {
					t.Errorf("body in pieces of %d = %q, want %q", k, got, want.Body)
				}
			}
		})
	}
}

// TestEmptyBodyCASE01 covers CASE-01: an empty body and a body of CRLFs
// hash as one CRLF under simple and as nothing under relaxed.
func TestEmptyBodyCASE01(t *testing.T) {
	v := loadCanonVectors(t)
	for _, body := range []string{"", "\r\n", "\r\n\r\n\r\n", "\n\n"} {
		for key, want := range v.Empty.Values {
			c, alg, _ := strings.Cut(key, "/")
			h := crypto.SHA256
			if alg == "sha1" {
				h = crypto.SHA1
			}
			got := canonBody(Canonicalization(c), body)
			if got != want.Body || bh(h, got) != want.BH {
				t.Errorf("%s body %q: canonical %q bh=%s, want %q bh=%s", key, body, got, bh(h, got), want.Body, want.BH)
			}
		}
	}
	// Under relaxed, lines of only whitespace count as empty too.
	if got := canonBody(Relaxed, " \r\n\t\r\n  "); got != "" {
		t.Errorf("relaxed whitespace-only body = %q, want empty", got)
	}
	if got := canonBody(Simple, " \r\n\r\n"); got != " \r\n" {
		t.Errorf("simple whitespace body = %q, want %q", got, " \r\n")
	}
}

// TestWhitespaceLastLineCASE02 covers CASE-02.
func TestWhitespaceLastLineCASE02(t *testing.T) {
	cases := []struct {
		c          Canonicalization
		body, want string
		bh         string
	}{
		{Relaxed, "Hello!\r\n  \r\n\r\n", "Hello!\r\n", "EVfAHeUMDygbJe0SkMWJHjgXGjtiTLZnMQbyWqzsrCY="},
		{Simple, "Hello!\r\n  \r\n\r\n", "Hello!\r\n  \r\n", "u3rrfJGdJgpqQfMmPpfHOLAo2a93b6wOOCXAr2FunaM="},
		{Relaxed, "Hello!\r\n  \r\nTest\r\n\r\n", "Hello!\r\n\r\nTest\r\n", "dJIf24ONlOGZy4dotdng3ripGOTDtC1YaLrF3mW6Y0M="},
	}
	for _, c := range cases {
		for k := 0; k <= len(c.body); k++ {
			got := canonBody(c.c, c.body, k)
			if got != c.want || bh(crypto.SHA256, got) != c.bh {
				t.Errorf("%s %q in pieces of %d = %q, want %q (bh=%s)", c.c, c.body, k, got, c.want, c.bh)
			}
		}
	}
}

// TestLineEndingsCASE05 covers CASE-05: bare LF and mixed endings hash as
// their CRLF form.
func TestLineEndingsCASE05(t *testing.T) {
	cases := []struct{ in, crlf string }{
		{"line1\nline2\n", "line1\r\nline2\r\n"},
		{"smthing\n\n--b\nContent-Type: application/gzip\n\nAAAA\r\nAAAA\r\n",
			"smthing\r\n\r\n--b\r\nContent-Type: application/gzip\r\n\r\nAAAA\r\nAAAA\r\n"},
		{"a\rb\r\r\nc\r", "a\r\nb\r\n\r\nc\r\n"},
	}
	for _, c := range cases {
		for _, canon := range []Canonicalization{Simple, Relaxed} {
			want := canonBody(canon, c.crlf)
			for k := 0; k <= len(c.in); k++ {
				if got := canonBody(canon, c.in, k); got != want {
					t.Errorf("%s %q in pieces of %d = %q, want %q", canon, c.in, k, got, want)
				}
			}
		}
	}
}

func TestBodyAgainstReference(t *testing.T) {
	bodies := []string{
		"", "x", "x\r\n", " x \r\n", "\t\tx\t \t y  \r\n\r\n \r\n",
		"a  b\r\n\r\n\r\nc\r\n \t \r\n", ".\r\n..\r\n", "no end", "a\r\r\r\n\n\n b",
		strings.Repeat("word  word\tword \r\n", 200) + "\r\n\r\n",
		strings.Repeat("x", 40000) + "  y\r\n",
	}
	for _, body := range bodies {
		for _, c := range []Canonicalization{Simple, Relaxed} {
			want := refBody(c, body)
			for _, k := range []int{0, 1, 2, 3, 7, 64, 4096} {
				if got := canonBody(c, body, k); got != want {
					t.Errorf("%s %.40q in pieces of %d = %.80q, want %.80q", c, body, k, got, want)
				}
			}
		}
	}
}

// FuzzBodyCanon checks the streaming canonicalizer, with every kernel,
// against the reference for any body cut into two writes anywhere or into
// writes of any size, and that relaxed is idempotent.
func FuzzBodyCanon(f *testing.F) {
	f.Add("Hello!\r\n  \r\n\r\n", 3)
	f.Add(" C \r\nD \t E\r\n\r\n\r\n", 5)
	f.Add("a\rb\n\r\n  \t", 1)
	f.Add(strings.Repeat("ab \t", 9)+"\r\n \r\n\n"+strings.Repeat("x", 20)+"  \r", 17)
	f.Add(strings.Repeat("\r\n", 20)+"word  \n\r\r\n"+strings.Repeat(" ", 30)+"y", 40)
	f.Fuzz(func(t *testing.T, body string, k int) {
		k = int(uint(k) % uint(len(body)+1))
		for _, c := range []Canonicalization{Simple, Relaxed} {
			want := refBody(c, body)
			for kern := range relaxedKernels {
				if got := canonCuts(c, kern, body, []int{k}, -1); got != want {
					t.Fatalf("%s kernel %d %q cut at %d = %q, want %q", c, kern, body, k, got, want)
				}
			}
			if got := canonBody(c, body, k); got != want {
				t.Fatalf("%s %q in pieces of %d = %q, want %q", c, body, k, got, want)
			}
		}
		once := canonBody(Relaxed, body)
		if twice := canonBody(Relaxed, once); twice != once {
			t.Fatalf("relaxed not idempotent: %q then %q", once, twice)
		}
	})
}

// TestBodyRandomLong compares long random bodies, written in pieces of
// several sizes, with the reference: runs of clean lines, tabs, space runs
// and bare line ends spread over search windows and write boundaries.
func TestBodyRandomLong(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 40; n++ {
		var b strings.Builder
		for b.Len() < 20000+r.IntN(50000) {
			switch x := r.IntN(100); {
			case x < 60:
				b.WriteString("word")
			case x < 80:
				b.WriteByte(' ')
			case x < 90:
				b.WriteString("\r\n")
			case x < 93:
				b.WriteByte('\t')
			case x < 95+n%5:
				b.WriteByte("\r\n \x01"[r.IntN(4)])
			default:
				b.WriteString(strings.Repeat("clean line of text\r\n", r.IntN(400)))
			}
		}
		body := b.String()
		for _, c := range []Canonicalization{Simple, Relaxed} {
			want := refBody(c, body)
			for _, k := range []int{0, 1000, 4093, 32 << 10} {
				if got := canonBody(c, body, k); got != want {
					t.Fatalf("body %d, %s, pieces of %d: canonical forms differ", n, c, k)
				}
			}
		}
	}
}
