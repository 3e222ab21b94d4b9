// SPDX-License-Identifier: Apache-2.0

package main

import (
	"os/exec"
	"strings"
	"testing"
)

var shellQuoteTests = []struct{ in, want string }{
	{"", "''"},
	{"--host", "--host"},
	{"127.0.0.1", "127.0.0.1"},
	{"/tmp/mailwright-demo-1/ca.pem", "/tmp/mailwright-demo-1/ca.pem"},
	{"Grüße from mailwright", "'Grüße from mailwright'"},
	{"Ada Lovelace <ada@example.test>", "'Ada Lovelace <ada@example.test>'"},
	{"it's $HOME", `'it'\''s $HOME'`},
	{"Hello Ada,\n\nthis.\n", `$'Hello Ada,\n\nthis.\n'`},
	{"tab\there 'q' \\ \x01", `$'tab\there \'q\' \\ \x01'`},
}

func TestShellQuote(t *testing.T) {
	for _, tt := range shellQuoteTests {
		if got := shellQuote(tt.in); got != tt.want {
			t.Errorf("shellQuote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestShellQuoteBash gives every quoted word to bash and checks that it
// reads back the original bytes.
func TestShellQuoteBash(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	for _, tt := range shellQuoteTests {
		out, err := exec.Command(bash, "-c", "printf '%s' "+shellQuote(tt.in)).Output()
		if err != nil || string(out) != tt.in {
			t.Errorf("bash read %s as %q (%v), want %q", shellQuote(tt.in), out, err, tt.in)
		}
	}
}

// TestDemoCommandLinePastes: the send command the demo prints, with the
// password it needs, is read back by bash as the arguments the demo used.
func TestDemoCommandLinePastes(t *testing.T) {
	code, stdout, stderr := run(t, nil, "demo")
	if code != 0 {
		t.Fatalf("demo: exit %d\n%s", code, stderr)
	}
	_, line, ok := strings.Cut(stdout, "\n== MAILWRIGHT_PASSWORD=")
	line, _, _ = strings.Cut(line, "\n")
	if !ok || !strings.Contains(line, " mailwright send --host 127.0.0.1 ") ||
		!strings.Contains(line, `--body $'Hello Ada,\n\nthis message`) {
		t.Fatalf("demo prints no shell command line:\n%s", stdout)
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	script := "mailwright() { printf '%s\\0' \"$MAILWRIGHT_PASSWORD\" \"$@\"; }; MAILWRIGHT_PASSWORD=" + line
	out, err := exec.Command(bash, "-c", script).Output()
	if err != nil {
		t.Fatal(err)
	}
	words := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if len(words) < 3 || len(words[0]) != 24 || words[1] != "send" {
		t.Fatalf("bash read %q", words)
	}
	if got := strings.Join(words[2:], "\x00"); !strings.Contains(got,
		"\x00--body\x00Hello Ada,\n\nthis message was composed, DKIM-signed and sent over STARTTLS.\n\x00") ||
		!strings.Contains(got, "\x00--to\x00Ada Lovelace <ada@example.test>\x00") {
		t.Errorf("bash read the arguments as %q", words[2:])
	}
}
