// SPDX-License-Identifier: Apache-2.0

package mime

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// dkimPeer returns Debian's python3 when it has dkimpy (python3-dkim) and
// the project's peers/ scripts are beside this module; otherwise it skips
// the test, or fails it when MAILPEERS=1.
func dkimPeer(t *testing.T) string {
	t.Helper()
	const py = "/usr/bin/python3"
	err := exec.Command(py, "-c", "import dkim").Run()
	if err == nil {
		_, err = os.Stat("../peers/dkim-sign.py")
	}
	if err == nil {
		return py
	}
	if os.Getenv("MAILPEERS") == "1" {
		t.Fatalf("MAILPEERS=1 but dkimpy is not usable: %v", err)
	}
	t.Skipf("dkimpy is not usable (bash peers/install.sh dkim): %v", err)
	return ""
}

// dkimKey writes a fresh RSA key for dkim-sign.py and the TXT record
// value for dkim-verify.py into dir.
func dkimKey(t *testing.T, dir string) (keyFile, txtFile string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	keyFile, txtFile = filepath.Join(dir, "key.pem"), filepath.Join(dir, "txt")
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	txt := "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(pub)
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(txtFile, []byte(txt), 0o600); err != nil {
		t.Fatal(err)
	}
	return keyFile, txtFile
}

// relayRefold rewrites a signed message the way a relay may (CASE-06):
// every header field but DKIM-Signature is unfolded and folded again at
// every space.
func relayRefold(msg []byte) []byte {
	i := bytes.Index(msg, []byte("\r\n\r\n"))
	var b bytes.Buffer
	for _, f := range fields(string(msg[:i+2])) {
		if strings.HasPrefix(strings.ToLower(f), "dkim-signature:") {
			b.WriteString(f)
		} else {
			b.WriteString(refold(f, true))
		}
	}
	b.Write(msg[i+2:])
	return b.Bytes()
}

// TestPeerTierDKIM signs the golden messages with dkimpy and verifies them
// with dkimpy: as written (simple and relaxed), and relaxed after a relay
// refolds every header field (CASE-06), which a relaxed signature must
// survive.
func TestPeerTierDKIM(t *testing.T) {
	py := dkimPeer(t)
	dir := t.TempDir()
	keyFile, txtFile := dkimKey(t, dir)
	golden := goldenMessages()
	var names []string
	for name := range golden {
		names = append(names, name)
		if err := os.WriteFile(filepath.Join(dir, name+".eml"), write(t, golden[name]), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(names)
	var pass, fail []string
	for _, canon := range []string{"simple/simple", "relaxed/relaxed"} {
		out := filepath.Join(dir, strings.ReplaceAll(canon, "/", "-"))
		if err := os.Mkdir(out, 0o700); err != nil {
			t.Fatal(err)
		}
		args := []string{"../peers/dkim-sign.py", "--key", keyFile, "--selector", "sel",
			"--domain", "example.org", "--canon", canon, "--headers",
			"from:to:cc:subject:date:message-id:mime-version:content-type:reply-to", "--out", out}
		for _, name := range names {
			args = append(args, filepath.Join(dir, name+".eml"))
		}
		if b, err := exec.Command(py, args...).CombinedOutput(); err != nil {
			t.Fatalf("dkim-sign.py %s: %v\n%s", canon, err, b)
		}
		for _, name := range names {
			path := filepath.Join(out, name+".eml")
			signed, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			refolded := filepath.Join(out, name+".refolded.eml")
			if err := os.WriteFile(refolded, relayRefold(signed), 0o600); err != nil {
				t.Fatal(err)
			}
			pass = append(pass, path)
			if canon == "relaxed/relaxed" {
				pass = append(pass, refolded)
			} else {
				// The control: simple header canonicalization does
				// not survive the refolding, so the refold is real.
				fail = append(fail, refolded)
			}
		}
	}
	for file, ok := range dkimVerify(t, py, txtFile, pass) {
		if !ok {
			t.Errorf("dkimpy fails %s", file)
		}
	}
	for file, ok := range dkimVerify(t, py, txtFile, fail) {
		if ok {
			t.Errorf("dkimpy passes %s after a refold, want a failure", file)
		}
	}
	t.Run("OpenDKIM", func(t *testing.T) {
		openDKIMVerify(t, txtFile, pass)
	})
}

// openDKIMVerify checks that OpenDKIM, as a second verifier, passes every
// one of files.
func openDKIMVerify(t *testing.T, txtFile string, files []string) {
	if _, err := exec.LookPath("opendkim"); err != nil {
		if _, err = os.Stat("/usr/sbin/opendkim"); err != nil {
			if os.Getenv("MAILPEERS") == "1" {
				t.Fatalf("MAILPEERS=1 but opendkim is not installed")
			}
			t.Skip("opendkim is not installed (bash peers/install.sh dkim)")
		}
	}
	txt, err := os.ReadFile(txtFile)
	if err != nil {
		t.Fatal(err)
	}
	dns := filepath.Join(filepath.Dir(txtFile), "dns")
	if err := os.WriteFile(dns, append([]byte("sel._domainkey.example.org "), txt...), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", append([]string{"../peers/opendkim-verify.sh", "--dns", dns}, files...)...)
	cmd.Env = append(os.Environ(), "PATH="+os.Getenv("PATH")+":/usr/sbin")
	out, err := cmd.CombinedOutput()
	if err != nil || strings.Count(string(out), ": pass\n") != len(files) {
		t.Errorf("opendkim-verify.sh: %v\n%s", err, out)
	}
}

// dkimVerify runs dkim-verify.py over files and reports for each whether
// its signature passed.
func dkimVerify(t *testing.T, py, txtFile string, files []string) map[string]bool {
	t.Helper()
	out, _ := exec.Command(py, append([]string{"../peers/dkim-verify.py", "--txt-file", txtFile},
		files...)...).CombinedOutput()
	res := make(map[string]bool)
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		file, _, _ := strings.Cut(l, ": sig ")
		res[file] = strings.HasSuffix(l, ": pass")
	}
	for _, f := range files {
		if _, ok := res[f]; !ok {
			t.Fatalf("dkim-verify.py does not report on %s:\n%s", f, out)
		}
	}
	if len(res) != len(files) {
		t.Fatalf("dkim-verify.py reports on %d of %d messages:\n%s", len(res), len(files), out)
	}
	return res
}
