// SPDX-License-Identifier: Apache-2.0

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSMIMEVerifyPrintsEverySigner: "smime verify" of a message openssl
// signed as alice and as bob prints one line per signer.
func TestSMIMEVerifyPrintsEverySigner(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		if os.Getenv("MAILPEERS") == "1" {
			t.Fatal("openssl not installed (MAILPEERS=1)")
		}
		t.Skip("openssl not installed")
	}
	p := cliPKI(t)
	in := filepath.Join(t.TempDir(), "entity.txt")
	if err := os.WriteFile(in, []byte(cliEntity), 0o600); err != nil {
		t.Fatal(err)
	}
	signed, err := exec.Command("openssl", "cms", "-sign", "-in", in,
		"-signer", p["alice.pem"], "-inkey", p["alice.key"],
		"-signer", p["bob.pem"], "-inkey", p["bob.key"]).Output()
	if err != nil {
		t.Fatalf("openssl cms -sign: %v", err)
	}
	out, stderr, code := cli(t, signed, "smime", "verify", "--ca", p["ca.pem"])
	if code != 0 || string(out) != cliEntity {
		t.Fatalf("verify: exit %d, %q, stderr %q", code, out, stderr)
	}
	for _, who := range []string{"alice@example.test", "bob@example.test"} {
		if strings.Count(stderr, "smime: good signature from "+who) != 1 {
			t.Errorf("stderr %q: want one line for %s", stderr, who)
		}
	}
}
