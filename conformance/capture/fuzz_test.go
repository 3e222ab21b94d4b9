// SPDX-License-Identifier: Apache-2.0

package capture

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mailwright/mailwright/conformance/replay"
)

// FuzzRedact holds the redactor's promise for every input: a secret the
// caller names never survives, in plain or inside any SASL payload, and
// the output is a transcript replay can parse. The fuzzer chooses the
// secret, the AUTH form and the surrounding dialogue; the secret is put
// in the SASL payloads (as PLAIN and LOGIN send it), a server line, the
// envelope and the message text.
func FuzzRedact(f *testing.F) {
	f.Add("Tr0ub4dor&3", "AUTH PLAIN", "S: 220 x\nC: EHLO a\nS: 250 AUTH PLAIN\n")
	f.Add("hunter22", "auth\tlogin", "<-  220 x\n -> EHLO a\n<-  250 AUTH LOGIN\n")
	f.Add("ya29.a0AfH6SM", "AUTH XOAUTH2", "S: 220 x\nC: STARTTLS\nS: 220 go\n")
	f.Add("d]xd", "AUTH CRAM-MD5", "S: 220 [redacted]\n")
	f.Fuzz(func(t *testing.T, secret, authLine, prefix string) {
		if len(secret) < minSecret || strings.ContainsAny(secret, "\r\n") {
			return
		}
		authLine = strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' {
				return ' '
			}
			return r
		}, authLine)
		plain := base64.StdEncoding.EncodeToString([]byte("\x00user\x00" + secret))
		login := base64.StdEncoding.EncodeToString([]byte(secret))
		in := prefix + "\nC: " + authLine + " " + plain + "\nS: 334 \nC: " + login +
			"\nS: 334 UGFzc3dvcmQ6\nC: " + login + "\nS: 235 ok\n" +
			"S: 250 hello " + secret + "\nC: MAIL FROM:<" + secret + "@example.test>\nS: 250 ok\n" +
			"C: DATA\nS: 354 go\nC: body " + secret + "\nC: .\nS: 250 ok\n"
		var out bytes.Buffer
		if err := Redact(&out, strings.NewReader(in), &Options{Secrets: []string{secret}}); err != nil {
			if out.Len() != 0 {
				t.Fatalf("error %v but wrote %q", err, out.String())
			}
			return
		}
		s := out.String()
		if strings.Contains(s, secret) {
			t.Fatalf("secret %q survived:\n%s", secret, s)
		}
		words := strings.Fields(authLine)
		if len(words) > 0 && strings.EqualFold(words[0], "AUTH") {
			for _, p := range []string{plain, login} {
				if strings.Contains(s, p) {
					t.Fatalf("SASL payload %q survived:\n%s", p, s)
				}
			}
		}
		if _, err := replay.Parse("fuzz", strings.NewReader(s)); err != nil && utf8.ValidString(s) {
			t.Fatalf("output does not parse: %v\n%s", err, s)
		}
	})
}
