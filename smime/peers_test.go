// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// peerScripts returns the project's peers/ folder and a MAILPEERS_DIR with
// the S/MIME test PKI made by peers/smime-certs.sh.
func peerScripts(t *testing.T) (scripts, state string) {
	t.Helper()
	needOpenSSL(t)
	scripts, err := filepath.Abs("../peers")
	if err == nil {
		_, err = os.Stat(filepath.Join(scripts, "smime-certs.sh"))
	}
	if err != nil {
		if os.Getenv("MAILPEERS") == "1" {
			t.Fatalf("peers/smime-certs.sh not found (MAILPEERS=1): %v", err)
		}
		t.Skipf("peers/smime-certs.sh not found: %v", err)
	}
	peerOnce.Do(func() {
		peerState, peerErr = os.MkdirTemp("", "smime-peers-")
		if peerErr == nil {
			peerErr = runPeerErr(scripts, peerState, nil, "smime-certs.sh")
		}
	})
	if peerErr != nil {
		t.Fatalf("peers/smime-certs.sh: %v", peerErr)
	}
	return scripts, peerState
}

// The PKI of smime-certs.sh is made once per test binary (TestMain
// removes it).
var (
	peerOnce  sync.Once
	peerState string
	peerErr   error
)

func runPeerErr(scripts, state string, stdin []byte, script string, args ...string) error {
	cmd := exec.Command("bash", append([]string{filepath.Join(scripts, script)}, args...)...)
	cmd.Env = append(os.Environ(), "MAILPEERS_DIR="+state)
	cmd.Stdin = bytes.NewReader(stdin)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%v: %s", err, errb.Bytes())
	}
	return nil
}

func runPeer(t *testing.T, scripts, state string, stdin []byte, script string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("bash", append([]string{filepath.Join(scripts, script)}, args...)...)
	cmd.Env = append(os.Environ(), "MAILPEERS_DIR="+state)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", script, args, err, errb.Bytes())
	}
	return out.Bytes()
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPeerScripts runs the peers/smime-*.sh recipes against this package:
// signers loaded from their PKCS#12 files (OpenSSL 3 and legacy format)
// sign messages smime-verify.sh accepts, smime-decrypt.sh recovers what
// we encrypt byte for byte, and we verify and decrypt what smime-sign.sh
// and smime-encrypt.sh make.
func TestPeerScripts(t *testing.T) {
	scripts, state := peerScripts(t)
	dir := filepath.Join(state, "smime")
	roots := x509.NewCertPool()
	ca, err := ParseCertificatesPEM(readFile(t, filepath.Join(dir, "ca.pem")))
	if err != nil {
		t.Fatal(err)
	}
	roots.AddCert(ca[0])
	entity := []byte("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGr\xc3\xbc\xc3\x9fe\r\n")
	want, err := canonicalize(entity)
	if err != nil {
		t.Fatal(err)
	}

	for _, p12 := range []string{"signer.p12", "signer-legacy.p12"} {
		s, err := LoadPKCS12(readFile(t, filepath.Join(dir, p12)), "test")
		if err != nil {
			t.Fatalf("LoadPKCS12(%s): %v", p12, err)
		}
		for _, opaque := range []bool{false, true} {
			e, err := Sign(bytes.NewReader(entity), s, &SignOptions{Opaque: opaque})
			if err != nil {
				t.Fatal(err)
			}
			f := writeTemp(t, "signed.eml", e.Bytes())
			if got := runPeer(t, scripts, state, nil, "smime-verify.sh", f); !bytes.Equal(got, want) {
				t.Errorf("%s opaque=%v: smime-verify.sh printed %q, want %q", p12, opaque, got, want)
			}
		}
	}

	recips, err := ParseCertificatesPEM(readFile(t, filepath.Join(dir, "recipient.pem")))
	if err != nil {
		t.Fatal(err)
	}
	e, err := Encrypt(bytes.NewReader(entity), recips, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := writeTemp(t, "enc.eml", e.Bytes())
	if got := runPeer(t, scripts, state, nil, "smime-decrypt.sh", f); !bytes.Equal(got, want) {
		t.Errorf("smime-decrypt.sh printed %q, want %q", got, want)
	}

	in := writeTemp(t, "entity.txt", want)
	for _, mode := range [][]string{{in}, {"--opaque", in}} {
		signed := runPeer(t, scripts, state, nil, "smime-sign.sh", mode...)
		v, err := Verify(bytes.NewReader(signed), roots, nil)
		if err != nil || !bytes.Equal(v.Content, want) {
			t.Errorf("smime-sign.sh %v: Verify: %v", mode, err)
		}
	}
	enc := runPeer(t, scripts, state, nil, "smime-encrypt.sh", in)
	key, err := ParsePrivateKeyPEM(readFile(t, filepath.Join(dir, "recipient.key")))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := key.(*rsa.PrivateKey); !ok {
		t.Fatalf("recipient key is %T", key)
	}
	if got, err := Decrypt(bytes.NewReader(enc), recips[0], key); err != nil || !bytes.Equal(got, want) {
		t.Errorf("smime-encrypt.sh: Decrypt = %q, %v; want %q", got, err, want)
	}
}
