// SPDX-License-Identifier: Apache-2.0

package dkim

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
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

// TestSignLargeBodyHeap streams a message with a 100 MiB body (24 MiB
// under the race detector) through a Signer (both canonicalizations, RSA
// and Ed25519 at once) and checks that the heap grows by less than 8 MiB:
// the body is hashed, not kept.
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
	size := int64(100 << 20)
	if raceEnabled {
		size = 24 << 20
	}
	body := &lineReader{left: size, line: []byte("a line of body text,  with   spaces \t\r\n")}
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
		t.Errorf("heap grew by %d octets signing a %d MiB body, want < 8 MiB", grew, size>>20)
	}
	if len(s.Signatures()) != 2 {
		t.Errorf("%d signatures", len(s.Signatures()))
	}
}

// TestSignPipeSpools signs a 12 MiB message read from a pipe (no Seek):
// Sign spools it to a temporary file, so the heap stays small; the output
// verifies, and the file is gone afterwards.
func TestSignPipeSpools(t *testing.T) {
	if testing.Short() {
		t.Skip("12 MiB message")
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	k := testRSA(t)
	rec, _ := Record("s", "example.com", k.Public())
	body := &lineReader{left: 12 << 20, line: []byte("line of the body\n")} // LF endings
	msg := io.MultiReader(strings.NewReader("From: a@example.com\nSubject: pipe\n\n"), body)

	pr, pw := io.Pipe()
	type result struct {
		vs  []*Verification
		err error
	}
	done := make(chan result)
	go func() {
		vs, err := Verify(context.Background(), pr, &VerifyOptions{Resolver: TXTRecords{rec.Name: rec.Value}})
		io.Copy(io.Discard, pr)
		done <- result{vs, err}
	}()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err := Sign(pw, struct{ io.Reader }{msg}, &SignOptions{Domain: "example.com", Selector: "s", Signer: k})
	runtime.ReadMemStats(&after)
	pw.CloseWithError(err)
	r := <-done
	if err != nil || r.err != nil || len(r.vs) != 1 || r.vs[0].Err != nil {
		t.Fatalf("Sign: %v; Verify: %v %v", err, r.err, r.vs)
	}
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew >= 8<<20 {
		t.Errorf("heap grew by %d octets, want < 8 MiB", grew)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestSpool(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	for _, n := range []int{0, 10, spoolMemory, spoolMemory + 1, 3 * spoolMemory} {
		s := &spool{}
		want := bytes.Repeat([]byte("0123456789abcdef"), n/16+1)[:n]
		for p := want; len(p) > 0; p = p[min(len(p), 1000):] {
			if _, err := s.Write(p[:min(len(p), 1000)]); err != nil {
				t.Fatal(err)
			}
		}
		if (s.file != nil) != (n > spoolMemory) {
			t.Errorf("%d octets: file %v", n, s.file)
		}
		var got bytes.Buffer
		if _, err := s.WriteTo(&got); err != nil || !bytes.Equal(got.Bytes(), want) {
			t.Errorf("%d octets: WriteTo gave %d octets, %v", n, got.Len(), err)
		}
		name := ""
		if s.file != nil {
			name = s.file.Name()
		}
		if err := s.Close(); err != nil {
			t.Error(err)
		}
		if _, err := os.Stat(name); name != "" && !os.IsNotExist(err) {
			t.Errorf("%s not removed", name)
		}
	}
}
