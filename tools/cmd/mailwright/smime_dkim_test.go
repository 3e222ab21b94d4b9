// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/mailwright/mailwright/dkim"
)

// peer runs one of the project's peers/smime-*.sh scripts with state in
// dir. It skips when bash, openssl or Debian's python3-dkim is missing,
// and fails instead when MAILPEERS=1.
func peer(t *testing.T, dir string, stdin []byte, script string, args ...string) []byte {
	t.Helper()
	path, err := filepath.Abs(filepath.Join("..", "..", "..", "peers", script))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", append([]string{path}, args...)...)
	cmd.Env = append(os.Environ(), "MAILPEERS_DIR="+dir)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", script, args, err, errb.Bytes())
	}
	return out.Bytes()
}

func needDKIMPeer(t *testing.T) {
	t.Helper()
	_, errSSL := exec.LookPath("openssl")
	errPy := exec.Command("/usr/bin/python3", "-c", "import dkim").Run()
	if errSSL == nil && errPy == nil {
		return
	}
	if os.Getenv("MAILPEERS") == "1" {
		t.Fatalf("openssl or python3-dkim missing (MAILPEERS=1): %v %v", errSSL, errPy)
	}
	t.Skipf("openssl or python3-dkim missing (install.sh smime dkim): %v %v", errSSL, errPy)
}

// TestSMIMEThenDKIM: a message signed by "mailwright smime sign" (detached
// and opaque) and then DKIM-signed by our dkim package, simple and
// relaxed, passes dkimpy's DKIM verification, and openssl cms verifies
// its S/MIME signature in the same bytes (peers/smime-dkim.sh).
func TestSMIMEThenDKIM(t *testing.T) {
	needDKIMPeer(t)
	dir := t.TempDir()
	peer(t, dir, nil, "smime-certs.sh")
	keyFile := filepath.Join(dir, "smime", "dkim.key")
	if got := string(bytes.TrimSpace(peer(t, dir, nil, "smime-dkim.sh", "key"))); got != keyFile {
		t.Fatalf("smime-dkim.sh key = %q, want %q", got, keyFile)
	}
	pem, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	key, err := dkim.LoadKey(pem)
	if err != nil {
		t.Fatal(err)
	}
	pfx := filepath.Join(dir, "smime", "signer.p12")
	for _, mode := range [][]string{nil, {"--opaque"}} {
		args := append([]string{"smime", "sign", "--pfx", pfx, "--pfx-password", "test"}, mode...)
		signed := cliOK(t, []byte(cliMessage), args...)
		for _, c := range []dkim.Canonicalization{dkim.Simple, dkim.Relaxed} {
			var out bytes.Buffer
			err := dkim.Sign(&out, bytes.NewReader(signed), &dkim.SignOptions{Domain: "example.test",
				Selector: "smime", Signer: key, HeaderCanonicalization: c, BodyCanonicalization: c})
			if err != nil {
				t.Fatalf("dkim.Sign: %v", err)
			}
			if !bytes.HasSuffix(out.Bytes(), signed) {
				t.Fatalf("%v %v: DKIM signing changed the S/MIME message", mode, c)
			}
			if got := peer(t, dir, out.Bytes(), "smime-dkim.sh", "verify"); string(got) != cliEntity {
				t.Errorf("%v %v: openssl printed %q, want %q", mode, c, got, cliEntity)
			}
		}
	}
}
