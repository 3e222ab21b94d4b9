// SPDX-License-Identifier: Apache-2.0

package dkim

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// FuzzParseTagList: whatever the input, parseTagList does not panic; a
// list it accepts has valid, distinct names and values without ";", and
// writing it out again gives the same list.
func FuzzParseTagList(f *testing.F) {
	for _, s := range []string{
		"v=1; a=rsa-sha256; d=example.net; s=brisbane;",
		"v=DKIM1; k=rsa; p=MIGf MA0G\r\n\tCSqG",
		" a = b ;c=;", "a=b;;c=d", "=x", "a", "a=b; a=c", "A1_=\x7f",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := parseTagList(s)
		if err != nil {
			return
		}
		var b strings.Builder
		seen := map[string]bool{}
		for _, tg := range l {
			if !validTagName(tg.name) || seen[tg.name] || strings.ContainsRune(tg.value, ';') {
				t.Fatalf("parseTagList(%q) accepted %+v", s, tg)
			}
			seen[tg.name] = true
			b.WriteString(tg.name + "=" + tg.value + "; ")
		}
		l2, err := parseTagList(b.String())
		if err != nil || len(l2) != len(l) {
			t.Fatalf("parseTagList(%q) = %v, then %q gives %v, %v", s, l, b.String(), l2, err)
		}
		for i := range l {
			if l[i] != l2[i] {
				t.Fatalf("round trip of %q: %+v became %+v", s, l[i], l2[i])
			}
		}
	})
}

// FuzzHeader: whatever the header octets and however they are split, the
// header reader and field parser do not panic; accepted fields put
// together give back the header block; each relaxed form is one line,
// starts with the lower-case name and a colon, holds no tab, no two spaces
// in a row and no space around the colon or at the end, and stays the
// same when canonicalized again.
func FuzzHeader(f *testing.F) {
	f.Add([]byte("From: a@example.com\r\nSubject:  x \r\n\ty\r\n\r\nbody"), 7)
	f.Add([]byte("A:\r\n b\nC : d\re:f\r\n\r\n"), 3)
	f.Add([]byte(" x\r\n"), 0)
	f.Fuzz(func(t *testing.T, msg []byte, split int) {
		var h headerReader
		split = min(max(split, 0), len(msg))
		n, err := h.write(msg[:split])
		if err == nil && !h.done {
			var k int
			k, err = h.write(msg[split:])
			n = split + k
		}
		if err != nil {
			return
		}
		h.close()
		if n > len(msg) {
			t.Fatalf("header reader took %d of %d octets", n, len(msg))
		}
		fields, err := parseFields(h.buf)
		if err != nil {
			return
		}
		var all []byte
		for _, fl := range fields {
			all = append(all, fl.raw...)
			checkRelaxedField(t, fl)
		}
		if !bytes.Equal(all, h.buf) {
			t.Fatalf("fields %q do not make up %q", all, h.buf)
		}
	})
}

func checkRelaxedField(t *testing.T, fl field) {
	t.Helper()
	c := string(canonField(nil, fl.raw, Relaxed))
	body, ok := strings.CutSuffix(c, "\r\n")
	if !ok || strings.ContainsAny(body, "\r\n\t") || strings.Contains(body, "  ") ||
		!strings.HasPrefix(body, fl.key+":") || fl.key != strings.ToLower(fl.name) {
		t.Fatalf("relaxed %q = %q", fl.raw, c)
	}
	v := body[len(fl.key)+1:]
	if strings.HasPrefix(v, " ") || strings.HasSuffix(v, " ") {
		t.Fatalf("relaxed %q = %q: space around the value", fl.raw, c)
	}
	again, err := parseFields([]byte(c))
	if err != nil || len(again) != 1 || string(canonField(nil, again[0].raw, Relaxed)) != c {
		t.Fatalf("relaxed %q = %q is not stable", fl.raw, c)
	}
}

// FuzzVerify: any message gives one Verification per DKIM-Signature field
// (or an error when its header cannot be read), every failure is an
// *Error, and nothing panics. The seeds are the RFC 8463 message and
// damaged copies of it.
func FuzzVerify(f *testing.F) {
	v := loadRFC8463(f)
	f.Add([]byte(v.Signed))
	f.Add([]byte(strings.Replace(v.Signed, "b=", "b=;", 1)))
	f.Add([]byte(strings.Replace(v.Signed, "h=from", "h=", 1)))
	f.Add([]byte("DKIM-Signature: v=1; a=ed25519-sha256; d=x; s=y; h=from; bh=AA==; b=AA==; l=9\r\nFrom: a@x\r\n\r\nhi"))
	records := rfcRecords(f)
	f.Fuzz(func(t *testing.T, msg []byte) {
		vs, err := Verify(context.Background(), bytes.NewReader(msg), &VerifyOptions{Resolver: records, AllowSHA1: true})
		if err != nil {
			return
		}
		var h headerReader
		h.write(msg)
		h.close()
		fields, _ := parseFields(h.buf)
		n := 0
		for _, fl := range fields {
			if fl.key == "dkim-signature" {
				n++
			}
		}
		if len(vs) != n {
			t.Fatalf("%d results for %d signatures", len(vs), n)
		}
		for _, r := range vs {
			var e *Error
			if r.Err != nil && !errors.As(r.Err, &e) {
				t.Fatalf("error %T %v is not an *Error", r.Err, r.Err)
			}
		}
	})
}
