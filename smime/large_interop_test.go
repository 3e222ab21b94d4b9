// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"crypto/x509"
	"slices"
	"testing"
)

// bigModes are the four ways Protect is used on large messages.
func bigModes(p *testPKI) []struct {
	name string
	pr   *Protector
} {
	recips := []*x509.Certificate{p.recipient}
	return []struct {
		name string
		pr   *Protector
	}{
		{"sign", &Protector{Signer: p.signer}},
		{"opaque", &Protector{Signer: p.signer, SignOptions: &SignOptions{Opaque: true}}},
		{"encrypt", &Protector{Recipients: recips}},
		{"sign+encrypt", &Protector{Signer: p.signer, Recipients: recips}},
	}
}

// TestProtectBigInterop: a message of about 4 MiB in every shape
// bigMessage makes (256 KiB with -short or the race detector, which
// test.sh runs and which makes 4 MiB slow) is signed (detached and opaque),
// encrypted with AES-256-CBC, and signed then encrypted. openssl cms
// -decrypt and -verify, the real peer, accept the result; what they
// recover is in canonical form (RFC 8551 §3.1) and, read back with the
// standard library, holds exactly the leaves the generator made (media
// type, length and SHA-256 of each decoded part). Decrypt and Verify
// recover the same bytes as openssl.
func TestProtectBigInterop(t *testing.T) {
	needOpenSSL(t)
	p := getPKI(t)
	size := int64(4 << 20)
	if testing.Short() || raceEnabled {
		size = 256 << 10
	}
	for _, kind := range bigKinds {
		want := bigLeaves(size, kind)
		for _, m := range bigModes(p) {
			t.Run(kind+"/"+m.name, func(t *testing.T) {
				var out bytes.Buffer
				if err := m.pr.Protect(&out, bigMessage(size, kind)); err != nil {
					t.Fatalf("Protect: %v", err)
				}
				entity := bigRecover(t, p, m.pr, out.Bytes())
				if err := bigCheckCanonical(entity); err != nil {
					t.Errorf("recovered entity not canonical: %v", err)
				}
				got, err := bigDecodeLeaves(bytes.NewReader(entity))
				if err != nil {
					t.Fatalf("decoding the recovered entity: %v", err)
				}
				if !slices.Equal(got, want) {
					t.Errorf("recovered leaves\n%v\nwant\n%v", got, want)
				}
			})
		}
	}
}

// bigRecover opens a protected message with openssl cms and with Decrypt
// and Verify, checks that both recover the same bytes and that the clear
// header is the generator's, and returns the entity.
func bigRecover(t *testing.T, p *testPKI, pr *Protector, msg []byte) []byte {
	t.Helper()
	const from = "From: Alice Example <alice@example.test>\r\nTo: Bob Example <bob@example.test>\r\n"
	if !bytes.HasPrefix(msg, []byte(from)) {
		t.Errorf("protected message starts with %q, want %q", msg[:min(len(msg), 100)], from)
	}
	signed := msg
	if len(pr.Recipients) > 0 {
		dec := mustOpenSSL(t, nil, "cms", "-decrypt", "-in", writeTemp(t, "enc.eml", msg),
			"-recip", p.path("recipient.pem"), "-inkey", p.path("recipient.key"))
		ours, err := Decrypt(bytes.NewReader(msg), p.recipient, p.recipientKey)
		if err != nil || !bytes.Equal(ours, dec) {
			t.Fatalf("Decrypt = %d bytes, %v; openssl decrypted %d bytes", len(ours), err, len(dec))
		}
		if pr.Signer == nil {
			return dec
		}
		signed = dec
	}
	got := mustOpenSSL(t, nil, "cms", "-verify", "-in", writeTemp(t, "signed.eml", signed),
		"-CAfile", p.path("ca.pem"), "-purpose", "smimesign")
	v, err := Verify(bytes.NewReader(signed), p.roots(), nil)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if !bytes.Equal(v.Content, got) {
		t.Fatalf("Verify recovered %d bytes, openssl %d, not the same", len(v.Content), len(got))
	}
	return got
}
