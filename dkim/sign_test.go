// SPDX-License-Identifier: Apache-2.0

package dkim

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

type rfc8463 struct {
	Seed     string            `json:"ed25519_private_seed_b64"`
	RSAPEM   string            `json:"rsa_private_key_pem"`
	DNS      map[string]string `json:"dns_txt"`
	Unsigned string            `json:"unsigned_message_crlf"`
	Signed   string            `json:"signed_message_crlf"`
}

func loadRFC8463(t testing.TB) rfc8463 {
	t.Helper()
	b, err := os.ReadFile("testdata/rfc8463-appendix-a.json")
	if err != nil {
		t.Fatal(err)
	}
	var v rfc8463
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func rfcKeys(t testing.TB) (rsaKey, edKey crypto.Signer) {
	t.Helper()
	v := loadRFC8463(t)
	r, err := LoadKey([]byte(v.RSAPEM))
	if err != nil {
		t.Fatal(err)
	}
	e, err := LoadKey([]byte(v.Seed))
	if err != nil {
		t.Fatal(err)
	}
	return r, e
}

// splitMessage returns the header fields and the body of a CRLF message.
func splitMessage(t testing.TB, msg string) ([]field, string) {
	t.Helper()
	var h headerReader
	n, err := h.write([]byte(msg))
	if err != nil {
		t.Fatal(err)
	}
	fs, err := parseFields(h.buf)
	if err != nil {
		t.Fatal(err)
	}
	return fs, msg[n:]
}

// TestRFC8463Resign re-signs the header of both RFC 8463 A.3 signatures
// with the A.1 keys and must give their b= values octet for octet: the
// header canonicalization, the hash input and both algorithms are right.
func TestRFC8463Resign(t *testing.T) {
	v := loadRFC8463(t)
	rsaKey, edKey := rfcKeys(t)
	fields, body := splitMessage(t, v.Signed)
	if got := bh(crypto.SHA256, canonBody(Relaxed, body)); got != "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=" {
		t.Errorf("body hash = %s", got)
	}
	keys := strings.Split("from:to:subject:date:message-id:from:subject:date", ":")
	for i, k := range []crypto.Signer{edKey, rsaKey} {
		raw := strings.TrimSuffix(string(fields[i].raw), "\r\n")
		tags, err := parseTagList(raw[strings.IndexByte(raw, ':')+1:])
		if err != nil {
			t.Fatal(err)
		}
		want, _ := tags.get("b")
		head, ok := stripB(raw)
		if !ok {
			t.Fatal("no b= tag")
		}
		b, err := signHeader(k, crypto.SHA256, fields[2:], keys, head, Relaxed)
		if err != nil {
			t.Fatal(err)
		}
		if got := base64.StdEncoding.EncodeToString(b); got != stripFWS(want) {
			t.Errorf("signature %d: b=%s, want %s", i, got, stripFWS(want))
		}
	}
}

// TestSignatureFieldCASE04 covers CASE-04: the header hash ends with the
// canonical signature field, b= empty, and no CRLF after it.
func TestSignatureFieldCASE04(t *testing.T) {
	head := "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=sel;\r\n" +
		" h=from:to; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b="
	want := "dkim-signature:v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=sel; " +
		"h=from:to; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b="
	fields, _ := splitMessage(t, "From: a@example.com\r\nTo: b@example.org\r\n\r\n")
	got := string(headerHashInput(fields, []string{"from", "to"}, head, Relaxed))
	if got != "from:a@example.com\r\nto:b@example.org\r\n"+want {
		t.Errorf("hash input = %q", got)
	}
	// And the signer's own field: what it hashed is its field minus b=.
	s := mustSign(t, &SignOptions{Domain: "example.com", Selector: "sel", Signer: testRSA(t)},
		"From: a@example.com\r\n\r\nhi\r\n")
	f := strings.TrimSuffix(s, "\r\n")
	stripped, _ := stripB(f)
	if !strings.HasSuffix(stripped, "b=") || strings.Count(f, "b=") != 1 {
		t.Errorf("field does not end with b=: %q", f)
	}
}

var rsaTestKey *rsa.PrivateKey

// testRSA returns the RFC 8463 RSA key (1024 bits, enough for tests).
func testRSA(t testing.TB) *rsa.PrivateKey {
	if rsaTestKey == nil {
		k, _ := rfcKeys(t)
		rsaTestKey = k.(*rsa.PrivateKey)
	}
	return rsaTestKey
}

func mustSign(t testing.TB, o *SignOptions, msg string) string {
	t.Helper()
	s, err := NewSigner(o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return s.Signature()
}

func fixedNow() time.Time { return time.Unix(1528637909, 0) }

// TestSignFieldGolden pins the field the signer writes for the RFC 8463
// message: tags, folding and both signatures.
func TestSignFieldGolden(t *testing.T) {
	v := loadRFC8463(t)
	rsaKey, edKey := rfcKeys(t)
	got := mustSign(t, &SignOptions{Domain: "football.example.com", Selector: "test", Signer: rsaKey, Now: fixedNow}, v.Unsigned) +
		mustSign(t, &SignOptions{Domain: "football.example.com", Selector: "brisbane", Signer: edKey, Now: fixedNow,
			HeaderCanonicalization: Simple, BodyCanonicalization: Simple, Identity: "joe@football.example.com",
			Expiration: time.Hour, BodyLength: true}, v.Unsigned)
	checkGolden(t, "testdata/rfc8463-resigned.golden", got)
}

// TestSignStreaming checks that the field does not depend on how the
// message is cut into writes.
func TestSignStreaming(t *testing.T) {
	v := loadRFC8463(t)
	msg := strings.ReplaceAll(v.Unsigned, "\r\n", "\n") + "  trailing \n\n\n"
	o := &SignOptions{Domain: "football.example.com", Selector: "test", Signer: testRSA(t), Now: fixedNow}
	want := mustSign(t, o, msg)
	for k := 1; k < len(msg); k++ {
		s, _ := NewSigner(o)
		for p := msg; len(p) > 0; {
			n := min(k, len(p))
			s.Write([]byte(p[:n]))
			p = p[n:]
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if s.Signature() != want {
			t.Fatalf("pieces of %d: %q, want %q", k, s.Signature(), want)
		}
	}
}

func TestSignDomain(t *testing.T) {
	cases := []struct {
		from, domain string
		ok           bool
	}{
		{"a@example.com", "example.com", true},
		{"A <a@Mail.Example.COM>", "example.com", true},
		{"a@example.com", "mail.example.com", false},
		{"a@badexample.com", "example.com", false},
		{"a@example.com, b@other.org", "example.com", false},
		{"=?x-unknown?q?Jos=E9?= <a@example.com>", "example.com", true},
	}
	for _, c := range cases {
		s, err := NewSigner(&SignOptions{Domain: c.domain, Selector: "s", Signer: testRSA(t)})
		if err != nil {
			t.Fatal(err)
		}
		s.Write([]byte("From: " + c.from + "\r\n\r\nbody\r\n"))
		err = s.Close()
		var de *DomainError
		if c.ok != (err == nil) || !c.ok && !errors.As(err, &de) {
			t.Errorf("From %q, d=%s: err = %v", c.from, c.domain, err)
		}
	}
}

func TestSignRejects(t *testing.T) {
	k := testRSA(t)
	bad := []*SignOptions{
		nil,
		{Selector: "s", Signer: k},
		{Domain: "example.com", Signer: k},
		{Domain: "example.com", Selector: "s"},
		{Domain: "exa mple.com", Selector: "s", Signer: k},
		{Domain: "example.com", Selector: "s", Signer: k, Algorithm: Ed25519SHA256},
		{Domain: "example.com", Selector: "s", Signer: k, HeaderCanonicalization: "loose"},
		{Domain: "example.com", Selector: "s", Signer: k, HeaderKeys: []string{"To"}},
		{Domain: "example.com", Selector: "s", Signer: k, Identity: "a@other.com"},
	}
	for i, o := range bad {
		if _, err := NewSigner(o); err == nil {
			t.Errorf("options %d accepted", i)
		}
	}
	for _, msg := range []string{
		"From: a@example.com\r\nFrom: b@example.com\r\n\r\n",
		" folded first\r\nFrom: a@example.com\r\n\r\n",
		"no colon\r\nFrom: a@example.com\r\n\r\n",
		"To: b@example.com\r\n\r\n",
	} {
		s, _ := NewSigner(&SignOptions{Domain: "example.com", Selector: "s", Signer: k})
		s.Write([]byte(msg))
		if err := s.Close(); err == nil || s.Signature() != "" {
			t.Errorf("message %q signed", msg)
		}
	}
}

// TestHeaderKeysSEC23 covers SEC-23: with Oversign, From, Subject, To, Cc,
// Date, Message-ID and Content-Type are listed once more than they occur,
// so none can be added after signing; the exclusion flags take fields out.
func TestHeaderKeysSEC23(t *testing.T) {
	msg := "From: a@example.com\r\nTo: b@example.com\r\nTo: c@example.com\r\nSubject: s\r\n" +
		"Date: Fri, 04 Dec 2026 12:00:00 +0000\r\nMessage-ID: <1@example.com>\r\n" +
		"List-Unsubscribe: <mailto:u@example.com>\r\nX-Other: x\r\n\r\n"
	fields, _ := splitMessage(t, msg)
	cases := []struct {
		o    SignOptions
		want string
	}{
		{SignOptions{}, "from:to:to:subject:date:message-id:list-unsubscribe"},
		{SignOptions{Oversign: true},
			"from:to:to:subject:date:message-id:list-unsubscribe:from:subject:to:cc:date:message-id:content-type"},
		{SignOptions{Exclude: ExcludeDate | ExcludeMessageID | ExcludeListUnsubscribe},
			"from:to:to:subject"},
		{SignOptions{Oversign: true, Exclude: ExcludeDate},
			"from:to:to:subject:message-id:list-unsubscribe:from:subject:to:cc:message-id:content-type"},
		{SignOptions{HeaderKeys: []string{"From", "X-Other", "From"}, Oversign: true},
			"from:x-other:from:subject:subject:to:to:to:cc:date:date:message-id:message-id:content-type"},
	}
	for _, c := range cases {
		sig := &signature{o: c.o}
		if got := strings.Join(sig.headerKeys(fields), ":"); got != c.want {
			t.Errorf("%+v: h=%s, want %s", c.o, got, c.want)
		}
	}
	if ExcludeDate != 1 || ExcludeMessageID != 2 || ExcludeListUnsubscribe != 4 ||
		ExcludeListUnsubscribePost != 8 || ExcludeFeedbackID != 16 {
		t.Error("exclusion flags do not match the classic bits 1 to 5")
	}
}

func TestDualSign(t *testing.T) {
	v := loadRFC8463(t)
	rsaKey, edKey := rfcKeys(t)
	o1 := &SignOptions{Domain: "football.example.com", Selector: "test", Signer: rsaKey, Now: fixedNow}
	o2 := &SignOptions{Domain: "football.example.com", Selector: "brisbane", Signer: edKey, Now: fixedNow}
	s, err := NewMultiSigner(o1, o2)
	if err != nil {
		t.Fatal(err)
	}
	s.Write([]byte(v.Unsigned))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if len(s.canons) != 1 || len(s.canons[0].hashes) != 1 {
		t.Errorf("dual signing made %d canonicalizers", len(s.canons))
	}
	want := mustSign(t, o1, v.Unsigned) + mustSign(t, o2, v.Unsigned)
	if s.Signature() != want {
		t.Errorf("dual = %q, want %q", s.Signature(), want)
	}
}

func TestSignConvenience(t *testing.T) {
	msg := "From: a@example.com\nSubject: x\n\n.dot\nline\r\n"
	o := &SignOptions{Domain: "example.com", Selector: "s", Signer: testRSA(t), Now: fixedNow}
	want := mustSign(t, o, msg) + strings.ReplaceAll(strings.ReplaceAll(msg, "\r\n", "\n"), "\n", "\r\n")
	for _, r := range []func() any{
		func() any { return bytes.NewReader([]byte(msg)) },
		func() any { return strings.NewReader(msg) },
		func() any { return struct{ *strings.Reader }{strings.NewReader(msg)} },
	} {
		var out bytes.Buffer
		rd := r()
		if err := Sign(&out, rd.(interface{ Read([]byte) (int, error) }), o); err != nil {
			t.Fatal(err)
		}
		if out.String() != want {
			t.Errorf("%T: %q, want %q", rd, out.String(), want)
		}
	}
}

var _ = ed25519.PublicKey(nil)
