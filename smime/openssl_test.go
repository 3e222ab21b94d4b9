// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// needOpenSSL skips the test when openssl is not installed, unless
// MAILPEERS=1 demands the real peers.
func needOpenSSL(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		if os.Getenv("MAILPEERS") == "1" {
			t.Fatalf("openssl not installed (MAILPEERS=1): %v", err)
		}
		t.Skip("openssl not installed (apt-get install openssl)")
	}
}

// opensslRun runs openssl with args, feeding stdin, and returns stdout.
// It fails the test when openssl fails and wantFail is false.
func opensslRun(t *testing.T, stdin []byte, args ...string) ([]byte, []byte, error) {
	t.Helper()
	needOpenSSL(t)
	cmd := exec.Command("openssl", args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.Bytes(), errb.Bytes(), err
}

func mustOpenSSL(t *testing.T, stdin []byte, args ...string) []byte {
	t.Helper()
	out, stderr, err := opensslRun(t, stdin, args...)
	if err != nil {
		t.Fatalf("openssl %v: %v\n%s", args, err, stderr)
	}
	return out
}

// writeTemp writes b into a file in t.TempDir and returns its path.
func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
