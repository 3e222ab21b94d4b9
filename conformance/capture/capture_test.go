// SPDX-License-Identifier: Apache-2.0

package capture

import (
	"bytes"
	"encoding/base64"
	"os"
	"strings"
	"testing"

	"github.com/mailwright/mailwright/conformance/replay"
)

var secrets = []string{"sam.sender", "Tr0ub4dor&3"}

// TestRedactGolden converts a smtpclient trace and a swaks capture and
// compares the result with transcripts written by hand.
func TestRedactGolden(t *testing.T) {
	for _, name := range []string{"trace-starttls-plain", "swaks-login"} {
		t.Run(name, func(t *testing.T) {
			in, err := os.ReadFile("testdata/" + name + ".txt")
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile("testdata/" + name + ".golden")
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := Redact(&out, bytes.NewReader(in), &Options{Secrets: secrets, Source: "unit test"}); err != nil {
				t.Fatal(err)
			}
			if out.String() != string(want) {
				t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
			}
			if _, err := replay.Parse(name, &out); err != nil {
				t.Errorf("the result does not parse as a transcript: %v", err)
			}
		})
	}
}

// TestRedactSecretsSEC35 checks that secrets and SASL payloads are gone
// from the whole output, whatever the mechanism and wherever the secret
// was: the LOGIN payload lines, the message text and the envelope.
func TestRedactSecretsSEC35(t *testing.T) {
	in, err := os.ReadFile("testdata/swaks-login.txt")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := Redact(&out, bytes.NewReader(in), &Options{Secrets: secrets}); err != nil {
		t.Fatal(err)
	}
	for _, s := range append(secrets,
		base64.StdEncoding.EncodeToString([]byte("sam.sender@example.test")),
		base64.StdEncoding.EncodeToString([]byte("Tr0ub4dor&3"))) {
		if strings.Contains(out.String(), s) {
			t.Errorf("%q survived redaction", s)
		}
	}
}

// TestRedactAuthForms: every AUTH form a server would read as AUTH has its
// payload and continuation lines replaced (SEC-34), whatever the case or
// the separators.
func TestRedactAuthForms(t *testing.T) {
	for _, line := range []string{"AUTH PLAIN AHVzZXIAcGFzcw==", "auth plain AHVzZXIAcGFzcw==", "AUTH\tPLAIN\tAHVzZXIAcGFzcw==", "Auth Plain AHVzZXIAcGFzcw=="} {
		in := "S: 220 x\nC: EHLO a\nS: 250 AUTH PLAIN\nC: " + line + "\nS: 334 \nC: AHVzZXIAcGFzcw==\nS: 235 ok\n"
		var out bytes.Buffer
		if err := Redact(&out, strings.NewReader(in), nil); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out.String(), "AHVzZXIAcGFzcw==") {
			t.Errorf("%q: payload survived:\n%s", line, out.String())
		}
		if !strings.Contains(out.String(), "C: AUTH PLAIN <b64>\nS: 334 \nC: <b64>\nS: 235 ok\n") {
			t.Errorf("%q: unexpected dialogue:\n%s", line, out.String())
		}
	}
}

// TestRedactRefusesWeakSecrets: a secret too short to be told apart from
// the transcript's own words is an error, and nothing is written.
func TestRedactRefusesWeakSecrets(t *testing.T) {
	for _, s := range []string{"", "ab", "S: ", "a\nbcd"} {
		var out bytes.Buffer
		if err := Redact(&out, strings.NewReader("S: 220 x\n"), &Options{Secrets: []string{s}}); err == nil {
			t.Errorf("secret %q accepted", s)
		}
		if out.Len() != 0 {
			t.Errorf("secret %q: wrote %q", s, out.String())
		}
	}
	// A secret that happens to be the header's own wording is masked too.
	var out bytes.Buffer
	if err := Redact(&out, strings.NewReader("S: 220 x\nC: EHLO a\n"), &Options{Secrets: []string{"Redacted by"}}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "Redacted by") {
		t.Errorf("secret survived:\n%s", out.String())
	}
}

// TestRedactMaskOverlap: a secret that overlaps the mask once replaced
// (here "d]x": "[redacted]" followed by "x") is still removed.
func TestRedactMaskOverlap(t *testing.T) {
	var out bytes.Buffer
	if err := Redact(&out, strings.NewReader("S: 220 d]xd]xx\n"), &Options{Secrets: []string{"d]xd", "ted]"}}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"d]xd", "ted]"} {
		if strings.Contains(out.String(), s) {
			t.Errorf("%q survived:\n%s", s, out.String())
		}
	}
}

// TestRedactExpectation: the reply to the end of the data becomes the
// transcript's expectation.
func TestRedactExpectation(t *testing.T) {
	in := "S: 220 x\nC: EHLO a\nS: 250 x\nC: MAIL FROM:<a@b.test>\nS: 250 ok\nC: RCPT TO:<c@d.test>\nS: 250 ok\nC: DATA\nS: 354 go\nC: [message body, 12 octets]\nS: 554 5.6.0 Transaction failed\n"
	var out bytes.Buffer
	if err := Redact(&out, strings.NewReader(in), nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "\nexpect: error 554 5.6.0\n") {
		t.Errorf("expectation missing:\n%s", out.String())
	}
}

// TestRedactRefusesWhatIsNotOneSession: input without any dialogue line,
// and a capture of two connections (a second greeting, or commands after
// QUIT), are errors, with nothing written; a multi-line greeting is one.
func TestRedactRefusesWhatIsNotOneSession(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "no SMTP dialogue"},
		{"garbage", "hello\nworld\n", "no SMTP dialogue"},
		{"two greetings", "S: 220 a\nC: EHLO x\nS: 250 ok\nS: 220 b\nC: EHLO x\nS: 250 ok\n", "more than one SMTP session"},
		{"after QUIT", "S: 220 a\nC: QUIT\nS: 221 bye\nC: EHLO x\nS: 250 ok\n", "more than one SMTP session"},
		{"multi-line greeting", "S: 220-a\nS: 220-b\nS: 220 c\nC: QUIT\nS: 221 bye\n", ""},
	}
	for _, tc := range tests {
		var out bytes.Buffer
		err := Redact(&out, strings.NewReader(tc.in), nil)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || out.Len() != 0):
			t.Errorf("%s: error %v, output %q; want %q and no output", tc.name, err, out.String(), tc.want)
		}
	}
}
