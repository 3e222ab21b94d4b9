// SPDX-License-Identifier: Apache-2.0

package dkim

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
)

// TestRelaxedHeaderCASE03 covers CASE-03: under relaxed, a field whose
// value starts on a continuation line loses all whitespace after the
// colon, and WSP before the colon and at the end of the value goes too.
func TestRelaxedHeaderCASE03(t *testing.T) {
	cases := []struct{ in, want string }{
		{"List-Unsubscribe:\r\n   <mailto:unsub@example.com>\r\n", "list-unsubscribe:<mailto:unsub@example.com>\r\n"},
		{"SUBJECT :  Hello   World  \r\n", "subject:Hello World\r\n"},
		{"Subject:\t\r\n\tHello\r\n \t World\r\n", "subject:Hello World\r\n"},
		{"X-Empty:   \r\n", "x-empty:\r\n"},
		{"To:a@example.com\r\n", "to:a@example.com\r\n"},
	}
	for _, c := range cases {
		fields, _ := splitMessage(t, c.in+"\r\n")
		if len(fields) != 1 {
			t.Fatalf("%q: %d fields", c.in, len(fields))
		}
		if got := string(canonField(nil, fields[0].raw, Relaxed)); got != c.want {
			t.Errorf("canonField(%q, relaxed) = %q, want %q", c.in, got, c.want)
		}
		if got := string(canonField(nil, fields[0].raw, Simple)); got != c.in {
			t.Errorf("canonField(%q, simple) = %q, want it unchanged", c.in, got)
		}
	}
}

// TestRefoldCASE06 covers the dkim side of CASE-06. (A) Under relaxed, a
// relay that folds at whitespace already in the field keeps the signature
// good; one that inserts whitespace where there was none (after a comma
// with no space) breaks it, and the verifier says so. (B) A header line of
// more than 998 octets, which a relay would have to fold, is refused at
// signing with ErrLineTooLong, and nothing is signed.
func TestRefoldCASE06(t *testing.T) {
	k := testRSA(t)
	rec, _ := Record("s", "example.com", k.Public())
	vo := &VerifyOptions{Resolver: TXTRecords{rec.Name: rec.Value}}
	for _, c := range []struct {
		cc, refolded string
		ok           bool
	}{
		{"Person A <a@example.com>, Person B <b@example.com>", "Person A <a@example.com>,\r\n\tPerson B <b@example.com>", true},
		{"Person A <a@example.com>, Person B <b@example.com>", "Person A\r\n <a@example.com>,\r\n      Person B <b@example.com>", true},
		{"Person A <a@example.com>,Person B <b@example.com>", "Person A <a@example.com>,\r\n\tPerson B <b@example.com>", false},
	} {
		msg := "From: a@example.com\r\nCc: " + c.cc + "\r\nSubject: s\r\n\r\nbody\r\n"
		signed := mustSign(t, &SignOptions{Domain: "example.com", Selector: "s", Signer: k}, msg) + msg
		relayed := strings.Replace(signed, "Cc: "+c.cc, "Cc: "+c.refolded, 1)
		vs := verifyString(t, relayed, vo)
		var e *Error
		switch {
		case c.ok && vs[0].Err != nil:
			t.Errorf("Cc %q refolded as %q: %v", c.cc, c.refolded, vs[0].Err)
		case !c.ok && (!errors.As(vs[0].Err, &e) || e.Reason != "signature did not verify"):
			t.Errorf("Cc %q refolded as %q: err = %v, want a failed signature", c.cc, c.refolded, vs[0].Err)
		}
	}

	long := "From: a@example.com\r\nReferences: " + strings.Repeat("<x@example.com> ", 70) + "\r\n\r\nbody\r\n"
	folded := "From: a@example.com\r\nReferences: " + strings.Repeat("<x@example.com>\r\n ", 70) + "\r\n\r\nbody\r\n"
	for _, c := range []struct {
		msg  string
		want error
	}{{long, ErrLineTooLong}, {folded, nil}} {
		s, _ := NewSigner(&SignOptions{Domain: "example.com", Selector: "s", Signer: k})
		io.WriteString(s, c.msg)
		if err := s.Close(); !errors.Is(err, c.want) || (err != nil) != (s.Signature() == "") {
			t.Errorf("References of %d octets: err = %v, want %v", strings.Index(c.msg[21:], "\r\n"), err, c.want)
		}
	}
}

// TestSignNormalizedSEC30 covers the dkim side of SEC-30 and of rule 4
// (only CRLF on the wire): a message with LF endings, bare CRs and
// dot-leading lines is signed over its CRLF form, Sign writes exactly that
// form, and the signature verifies over those (un-stuffed) bytes.
func TestSignNormalizedSEC30(t *testing.T) {
	k := testRSA(t)
	rec, _ := Record("s", "example.com", k.Public())
	in := "From: a@example.com\nSubject: dots\n\n.\n..two\n.leading\rbare CR\r\nend"
	want := "From: a@example.com\r\nSubject: dots\r\n\r\n.\r\n..two\r\n.leading\r\nbare CR\r\nend"
	for _, c := range []Canonicalization{Simple, Relaxed} {
		var out bytes.Buffer
		o := &SignOptions{Domain: "example.com", Selector: "s", Signer: k, HeaderCanonicalization: c, BodyCanonicalization: c}
		if err := Sign(&out, strings.NewReader(in), o); err != nil {
			t.Fatal(err)
		}
		sig, rest, _ := strings.Cut(out.String(), "\r\nFrom:")
		if "From:"+rest != want || !strings.HasPrefix(sig, "DKIM-Signature:") {
			t.Errorf("%s: Sign wrote %q, want the signature and %q", c, out.String(), want)
		}
		if strings.Contains(strings.ReplaceAll(out.String(), "\r\n", ""), "\n") ||
			strings.Contains(strings.ReplaceAll(out.String(), "\r\n", ""), "\r") {
			t.Errorf("%s: output holds a bare CR or LF", c)
		}
		vs := verifyString(t, out.String(), &VerifyOptions{Resolver: TXTRecords{rec.Name: rec.Value}})
		if len(vs) != 1 || vs[0].Err != nil {
			t.Errorf("%s: %v", c, vs[0].Err)
		}
	}
}

// lineReader gives left octets of a repeated line without holding them.
type lineReader struct {
	left int64
	line []byte
	off  int
}

func (r *lineReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n := 0
	for n < len(p) {
		k := copy(p[n:], r.line[r.off:])
		r.off = (r.off + k) % len(r.line)
		n += k
	}
	r.left -= int64(n)
	return n, nil
}

// TestSignLargeBodyHeap streams a message with a 100 MiB body through a
// Signer (both canonicalizations, RSA and Ed25519 at once) and checks
// that the heap grows by less than 8 MiB: the body is hashed, not kept.
func TestSignLargeBodyHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("100 MiB body")
	}
	_, ed := rfcKeys(t)
	s, err := NewMultiSigner(
		&SignOptions{Domain: "example.com", Selector: "r", Signer: testRSA(t), BodyCanonicalization: Simple},
		&SignOptions{Domain: "example.com", Selector: "e", Signer: ed})
	if err != nil {
		t.Fatal(err)
	}
	body := &lineReader{left: 100 << 20, line: []byte("a line of body text,  with   spaces \t\r\n")}
	msg := io.MultiReader(strings.NewReader("From: a@example.com\r\nSubject: big\r\n\r\n"), body)

	runtime.GC()
	var before, now runtime.MemStats
	runtime.ReadMemStats(&before)
	peak := before.HeapAlloc
	buf := make([]byte, 32<<10)
	for i := 0; ; i++ {
		n, err := msg.Read(buf)
		s.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if i%256 == 0 {
			runtime.ReadMemStats(&now)
			peak = max(peak, now.HeapAlloc)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&now)
	peak = max(peak, now.HeapAlloc)
	if grew := int64(peak) - int64(before.HeapAlloc); grew >= 8<<20 {
		t.Errorf("heap grew by %d octets signing a 100 MiB body, want < 8 MiB", grew)
	}
	if len(s.Signatures()) != 2 {
		t.Errorf("%d signatures", len(s.Signatures()))
	}
}
