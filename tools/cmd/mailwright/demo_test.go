// SPDX-License-Identifier: Apache-2.0

package main

import (
	"regexp"
	"testing"
)

// TestDemo runs "mailwright demo" as a user would: it must succeed with no
// set-up, print the server's reply, the TLS line, the redacted transcript
// and a passing DKIM verification.
func TestDemo(t *testing.T) {
	code, stdout, stderr := run(t, nil, "demo")
	if code != 0 {
		t.Fatalf("demo: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^250 2\.0\.0 Ok: queued as DEMO1$`),
		regexp.MustCompile(`(?m)^TLS: 1\.3; Cipher Suite 130[1-3]$`),
		regexp.MustCompile(`(?m)^C: STARTTLS$`),
		regexp.MustCompile(`(?m)^C: AUTH CRAM-MD5$`),
		regexp.MustCompile(`(?m)^C: <redacted>$`),
		regexp.MustCompile(`(?m)^S: 235 2\.7\.0 `),
		regexp.MustCompile(`(?m)^DKIM: pass \(d=example\.test, s=demo, a=rsa-sha256\)$`),
	} {
		if !want.MatchString(stdout) {
			t.Errorf("demo output lacks %v:\n%s", want, stdout)
		}
	}
	if stderr != "" {
		t.Errorf("stderr = %q", stderr)
	}
}
