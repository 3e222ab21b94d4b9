// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mailwright/mailwright/dkim"
)

// The RFC 8463 Appendix A.2 DNS records for the A.3 message.
const (
	rfc8463EdTXT  = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
	rfc8463RSATXT = "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB"
)

func rfc8463Message(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/rfc8463-a3.eml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// edit returns msg with the first old replaced by new; old must occur.
func edit(t *testing.T, msg []byte, old, new string) []byte {
	t.Helper()
	if !bytes.Contains(msg, []byte(old)) {
		t.Fatalf("test message lacks %q", old)
	}
	return bytes.Replace(msg, []byte(old), []byte(new), 1)
}

// TestVerifyRFC8463 checks the demo's verifier against the published
// example: both signatures pass with their own key and fail with the
// other's, and any change to the body or a signed field is caught.
func TestVerifyRFC8463(t *testing.T) {
	msg := rfc8463Message(t)
	for _, tt := range []struct {
		name    string
		msg     []byte
		n       int
		txt     string
		want    string // the result, or a part of the error
		wantErr bool
	}{
		{"ed25519", msg, 0, rfc8463EdTXT,
			"pass (d=football.example.com, s=brisbane, a=ed25519-sha256)", false},
		{"rsa", msg, 1, rfc8463RSATXT,
			"pass (d=football.example.com, s=test, a=rsa-sha256)", false},
		{"ed25519 signature, RSA key", msg, 0, rfc8463RSATXT, "not an Ed25519 key", true},
		{"RSA signature, Ed25519 key", msg, 1, rfc8463EdTXT, "key record", true},
		{"body changed", edit(t, msg, "game.", "game!"), 0,
			rfc8463EdTXT, "body hash mismatch", true},
		{"body white space only, relaxed", edit(t, msg, "game.  Are",
			"game. \t    Are"), 0, rfc8463EdTXT, "pass", false},
		{"signed field changed", edit(t, msg, "Subject: Is dinner", "Subject: Is supper"), 1, rfc8463RSATXT, "signature did not verify", true},
		{"signed field re-folded, relaxed", edit(t, msg, "Subject: Is dinner",
			"Subject:\r\n   Is \t dinner"), 0, rfc8463EdTXT, "pass", false},
		{"no third signature", msg, 2, rfc8463EdTXT, "no such DKIM-Signature", true},
		{"no body separator", bytes.ReplaceAll(msg, []byte("\r\n\r\n"), []byte("\r\n")), 0,
			rfc8463EdTXT, "no header/body separator", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := verifySignature(tt.msg, tt.n, tt.txt)
			switch {
			case tt.wantErr && err == nil:
				t.Fatalf("verifySignature = %q, want an error with %q", got, tt.want)
			case tt.wantErr && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("verifySignature error = %v, want %q in it", err, tt.want)
			case !tt.wantErr && err != nil:
				t.Fatalf("verifySignature: %v", err)
			case !tt.wantErr && !strings.HasPrefix(got, tt.want):
				t.Fatalf("verifySignature = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestVerifySignedByDKIM signs with the dkim package in each
// canonicalization and checks that the demo's verifier, written apart from
// it, accepts the result and rejects a changed copy.
func TestVerifySignedByDKIM(t *testing.T) {
	seed := sha256.Sum256([]byte("mailwright demo verifier test key"))
	key := ed25519.NewKeyFromSeed(seed[:])
	txt := "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))
	msg := "From: A <a@example.test>\r\nTo: b@example.test\r\nSubject:  two  spaces \r\n" +
		"Date: Fri, 04 Dec 2026 12:00:00 +0000\r\n\r\nline one\r\n\ttabbed  line \r\n\r\n\r\n"
	for _, c := range []dkim.Canonicalization{dkim.Simple, dkim.Relaxed} {
		t.Run(string(c), func(t *testing.T) {
			var out bytes.Buffer
			err := dkim.Sign(&out, strings.NewReader(msg), &dkim.SignOptions{
				Domain: "example.test", Selector: "demo", Signer: key,
				HeaderCanonicalization: c, BodyCanonicalization: c,
				Now: func() time.Time { return time.Unix(1796385600, 0) },
			})
			if err != nil {
				t.Fatal(err)
			}
			got, err := verifyDemo(context.Background(), out.Bytes(), txt)
			if err != nil || got != "pass (d=example.test, s=demo, a=ed25519-sha256)" {
				t.Fatalf("verifyDemo = %q, %v; want a pass", got, err)
			}
			changed := bytes.Replace(out.Bytes(), []byte("line one"), []byte("line two"), 1)
			if _, err := verifyDemo(context.Background(), changed, txt); err == nil {
				t.Fatal("verifyDemo accepted a changed body")
			}
		})
	}
}
