// SPDX-License-Identifier: Apache-2.0

package dkim

import (
	"context"
	"crypto"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

func rfcRecords(t testing.TB) TXTRecords {
	v := loadRFC8463(t)
	var b strings.Builder
	for name, value := range v.DNS {
		b.WriteString(name + " " + value + "\n")
	}
	m, err := ParseTXTRecords(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func verifyString(t testing.TB, msg string, o *VerifyOptions) []*Verification {
	t.Helper()
	vs, err := Verify(context.Background(), strings.NewReader(msg), o)
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// TestVerifyRFC8463 verifies both signatures of RFC 8463 A.3 with the A.2
// records, and fails them once a signed header field or the body changes.
func TestVerifyRFC8463(t *testing.T) {
	v := loadRFC8463(t)
	o := &VerifyOptions{Resolver: rfcRecords(t)}
	vs := verifyString(t, v.Signed, o)
	if len(vs) != 2 {
		t.Fatalf("%d results, want 2", len(vs))
	}
	for i, want := range []Algorithm{Ed25519SHA256, RSASHA256} {
		if vs[i].Err != nil || vs[i].Algorithm != want || vs[i].Domain != "football.example.com" {
			t.Errorf("signature %d: %+v", i, vs[i])
		}
	}
	// The same message with LF line endings verifies alike.
	for _, r := range verifyString(t, strings.ReplaceAll(v.Signed, "\r\n", "\n"), o) {
		if r.Err != nil {
			t.Errorf("LF copy: %v", r.Err)
		}
	}
	changes := []struct{ from, to, reason string }{
		{"Subject: Is dinner ready?", "Subject: Is dinner ready!", "signature did not verify"},
		{"We lost the game.", "We won the game.", "body hash mismatch"},
		{"Hi.\r\n", "Hi.\r\nP.S.\r\n", "body hash mismatch"},
		// h= lists From twice (over-signed): a second From breaks the
		// signature, a third is refused before any cryptography.
		{"\r\nFrom: Joe", "\r\nFrom: Eve <eve@football.example.com>\r\nFrom: Joe", "signature did not verify"},
		{"\r\nFrom: Joe", "\r\nFrom: Eve <eve@football.example.com>\r\nFrom: Mallory <m@football.example.com>\r\nFrom: Joe",
			"the message has more From fields than are signed"},
	}
	for _, ch := range changes {
		bad := strings.Replace(v.Signed, ch.from, ch.to, 1)
		for i, r := range verifyString(t, bad, o) {
			var e *Error
			if !errors.As(r.Err, &e) || e.Temp || e.Reason != ch.reason {
				t.Errorf("%q -> %q, signature %d: err = %v, want %q", ch.from, ch.to, i, r.Err, ch.reason)
			}
		}
	}
	// Relaxed header canonicalization tolerates refolding and case.
	ok := strings.Replace(v.Signed, "Subject: Is dinner ready?", "SUBJECT :  Is dinner\r\n\tready?  ", 1)
	for i, r := range verifyString(t, ok, o) {
		if r.Err != nil {
			t.Errorf("refolded subject, signature %d: %v", i, r.Err)
		}
	}
}

func TestVerifyRoundTrip(t *testing.T) {
	rsaKey, edKey := rfcKeys(t)
	o := &VerifyOptions{Resolver: rfcRecords(t), AllowSHA1: true}
	msg := "From: Joe <joe@football.example.com>\nTo: x@example.net\nSubject:  folded\n  subject\n\n" +
		".dot\n  spaced  line \n\n"
	for _, hc := range []Canonicalization{Simple, Relaxed} {
		for _, bc := range []Canonicalization{Simple, Relaxed} {
			for _, k := range []struct {
				sel string
				key crypto.Signer
				alg Algorithm
			}{{"test", rsaKey, RSASHA256}, {"test", rsaKey, RSASHA1}, {"brisbane", edKey, Ed25519SHA256}} {
				so := &SignOptions{Domain: "football.example.com", Selector: k.sel, Signer: k.key,
					Algorithm: k.alg, HeaderCanonicalization: hc, BodyCanonicalization: bc,
					Oversign: true, BodyLength: true, Expiration: time.Hour,
					Identity: "joe@football.example.com"}
				signed := mustSign(t, so, msg) + msg
				vs := verifyString(t, signed, o)
				if len(vs) != 1 || vs[0].Err != nil {
					t.Errorf("%s %s/%s: %v", k.alg, hc, bc, vs[0].Err)
					continue
				}
				if vs[0].BodyLength < 0 || vs[0].Identity != "joe@football.example.com" {
					t.Errorf("%s %s/%s: %+v", k.alg, hc, bc, vs[0])
				}
			}
		}
	}
}

// TestVerifyRFC8301 checks the rules of RFC 8301 and the other reasons a
// signature fails before its cryptography is even looked at.
func TestVerifyRFC8301(t *testing.T) {
	rsaKey, _ := rfcKeys(t)
	okRec, _ := Record("ok", "example.com", rsaKey.Public())
	records := TXTRecords{
		"small._domainkey.example.com":   "v=DKIM1; k=rsa; p=" + rsa512Public,
		"ok._domainkey.example.com":      okRec.Value,
		"revoked._domainkey.example.com": "v=DKIM1; k=rsa; p=",
		"sha1only._domainkey.example.com": "v=DKIM1; h=sha1; p=" +
			strings.TrimPrefix(okRec.Value, "v=DKIM1; k=rsa; p="),
		"strict._domainkey.example.com": okRec.Value + "; t=s",
	}
	msg := "From: a@example.com\r\nSubject: s\r\n\r\nbody\r\n"
	now := time.Unix(1700000000, 0)
	sign := func(o SignOptions) string {
		o.Domain, o.Now = "example.com", func() time.Time { return now }
		if o.Signer == nil {
			o.Signer = rsaKey
		}
		return mustSign(t, &o, msg) + msg
	}
	cases := []struct {
		name, msg string
		o         VerifyOptions
		reason    string
		temp      bool
	}{
		{"pass", sign(SignOptions{Selector: "ok"}), VerifyOptions{}, "", false},
		// The record holds a 512-bit key: the key size is refused before
		// any signature check, whatever the signature.
		{"short RSA key", sign(SignOptions{Selector: "small"}), VerifyOptions{}, "RSA key of 512 bits is too short", false},
		{"RSA key below MinRSABits", sign(SignOptions{Selector: "ok"}), VerifyOptions{MinRSABits: 2048}, "RSA key of 1024 bits is too short", false},
		{"MinRSABits below 1024 is raised", sign(SignOptions{Selector: "small"}), VerifyOptions{MinRSABits: 256}, "RSA key of 512 bits is too short", false},
		{"rsa-sha1", sign(SignOptions{Selector: "ok", Algorithm: RSASHA1}), VerifyOptions{}, "rsa-sha1 is not accepted (RFC 8301)", false},
		{"rsa-sha1 allowed", sign(SignOptions{Selector: "ok", Algorithm: RSASHA1}), VerifyOptions{AllowSHA1: true}, "", false},
		{"key allows only sha1", sign(SignOptions{Selector: "sha1only"}), VerifyOptions{}, "key does not allow sha256 (h=)", false},
		{"revoked", sign(SignOptions{Selector: "revoked"}), VerifyOptions{}, "key revoked (empty p=)", false},
		{"no key", sign(SignOptions{Selector: "none"}), VerifyOptions{}, "no key record at none._domainkey.example.com", false},
		{"expired", sign(SignOptions{Selector: "ok", Expiration: time.Minute}),
			VerifyOptions{Now: func() time.Time { return now.Add(time.Hour) }}, "signature expired", false},
		{"not expired", sign(SignOptions{Selector: "ok", Expiration: time.Minute}),
			VerifyOptions{Now: func() time.Time { return now.Add(time.Second) }}, "", false},
		{"strict key, subdomain identity", sign(SignOptions{Selector: "strict", Identity: "a@sub.example.com"}),
			VerifyOptions{}, "key requires i= domain to equal d= (t=s)", false},
		{"From not signed", strings.Replace(sign(SignOptions{Selector: "ok", HeaderKeys: []string{"From"}}), "h=from", "h=subject", 1),
			VerifyOptions{}, "From is not signed", false},
		{"DNS down", sign(SignOptions{Selector: "ok"}), VerifyOptions{Resolver: failing{}}, "key lookup for ok._domainkey.example.com failed", true},
		{"bad tag list", "DKIM-Signature: v=1; a=rsa-sha256; ;\r\n" + msg, VerifyOptions{}, "malformed signature", false},
		{"missing tag", "DKIM-Signature: v=1; a=rsa-sha256\r\n" + msg, VerifyOptions{}, "signature has no b= tag", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.o.Resolver == nil {
				c.o.Resolver = records
			}
			if c.o.Now == nil {
				c.o.Now = func() time.Time { return now }
			}
			vs := verifyString(t, c.msg, &c.o)
			if len(vs) != 1 {
				t.Fatalf("%d results", len(vs))
			}
			var e *Error
			switch {
			case c.reason == "" && vs[0].Err != nil:
				t.Errorf("err = %v, want pass", vs[0].Err)
			case c.reason != "" && (!errors.As(vs[0].Err, &e) || e.Reason != c.reason || e.Temp != c.temp):
				t.Errorf("err = %#v, want %q (temp %v)", vs[0].Err, c.reason, c.temp)
			}
		})
	}
}

// rsa512Public is a 512-bit RSA public key (SubjectPublicKeyInfo, base64),
// made for this test with `openssl genrsa 512 | openssl rsa -pubout`: Go's
// crypto/rsa refuses to generate or use keys this small, and RFC 8301
// section 3.2 says a verifier must not accept them.
const rsa512Public = "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAMsRaWfdBU0m1RcGM2TIpdWBr8+F0KlV" +
	"nZF4xCgKDno9GZ/u7f6nYhrCMoosRhKladT4Ps7syN9L1fXvSEl+drUCAwEAAQ=="

type failing struct{}

func (failing) LookupTXT(context.Context, string) ([]string, error) {
	return nil, &net.DNSError{Err: "server misbehaving", Name: "x", IsTemporary: true}
}

func TestParseTXTRecords(t *testing.T) {
	in := "# comment\n\nA._domainkey.Example.COM. v=DKIM1; k=rsa; p=abc\n" +
		"b._domainkey.example.com \"v=DKIM1; k=ed25519; \" \"p=xyz\"\n"
	m, err := ParseTXTRecords(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := TXTRecords{"a._domainkey.example.com": "v=DKIM1; k=rsa; p=abc",
		"b._domainkey.example.com": "v=DKIM1; k=ed25519; p=xyz"}
	if len(m) != len(want) || m["a._domainkey.example.com"] != want["a._domainkey.example.com"] ||
		m["b._domainkey.example.com"] != want["b._domainkey.example.com"] {
		t.Errorf("ParseTXTRecords = %q, want %q", m, want)
	}
	for _, bad := range []string{"justname\n", "n \"unterminated\n"} {
		if _, err := ParseTXTRecords(strings.NewReader(bad)); err == nil {
			t.Errorf("ParseTXTRecords(%q) accepted", bad)
		}
	}
}
