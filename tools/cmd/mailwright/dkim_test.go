// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func runDKIMCmd(t *testing.T, stdin []byte, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	ev := &env{stdout: &o, stderr: &e, stdin: bytes.NewReader(stdin), getenv: func(string) string { return "" }}
	code = runMain(context.Background(), ev, append([]string{"dkim"}, args...))
	return code, o.String(), e.String()
}

// TestDKIMVerifyRFC8463: the signed example of RFC 8463 A.3 verifies with
// the records of A.2 (both signatures, Ed25519 and RSA), and fails once
// its body changes.
func TestDKIMVerifyRFC8463(t *testing.T) {
	msg, err := os.ReadFile("testdata/rfc8463-a3.eml")
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runDKIMCmd(t, msg, "verify", "--dns", "testdata/rfc8463-a2.dns")
	want := "pass d=football.example.com s=brisbane a=ed25519-sha256\npass d=football.example.com s=test a=rsa-sha256\n"
	if code != 0 || out != want {
		t.Fatalf("exit %d, output %q (stderr %s), want %q", code, out, errOut, want)
	}
	changed := bytes.Replace(msg, []byte("We lost the game."), []byte("We won the game."), 1)
	code, out, _ = runDKIMCmd(t, changed, "verify", "--dns", "testdata/rfc8463-a2.dns")
	if code != 1 || strings.Count(out, "FAIL") != 2 {
		t.Fatalf("changed body: exit %d, output %q; want exit 1 and two FAIL lines", code, out)
	}
}

// TestDKIMKeygenSignVerify: keygen writes a 0600 key and prints its
// record; record prints the same from the key file; sign then verify with
// that record passes, for RSA and Ed25519 and both canonicalizations.
func TestDKIMKeygenSignVerify(t *testing.T) {
	msg := []byte("From: A <a@example.test>\r\nTo: b@example.test\r\nSubject: hi\r\n" +
		"Date: Fri, 04 Dec 2026 17:00:00 +0000\r\nMessage-ID: <1@example.test>\r\n\r\nHello.\r\n")
	for _, typ := range []string{"rsa", "ed25519"} {
		dir := t.TempDir()
		key := filepath.Join(dir, typ+".pem")
		code, zone, errOut := runDKIMCmd(t, nil, "keygen", "--type", typ, "--domain", "example.test", "--selector", "s1", "--out", key)
		if code != 0 {
			t.Fatalf("keygen %s: exit %d: %s", typ, code, errOut)
		}
		if fi, err := os.Stat(key); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("key file: %v %v", fi, err)
		}
		if !strings.HasPrefix(zone, "s1._domainkey.example.test. IN TXT ( \"v=DKIM1; k="+typ) {
			t.Fatalf("keygen printed %q", zone)
		}
		if code, again, _ := runDKIMCmd(t, nil, "record", "--domain", "example.test", "--selector", "s1", "--key", key); code != 0 || again != zone {
			t.Fatalf("record printed %q, keygen %q", again, zone)
		}
		code, rec, _ := runDKIMCmd(t, nil, "record", "--domain", "example.test", "--selector", "s1", "--key", key, "--format", "line")
		if code != 0 || !strings.HasPrefix(rec, "s1._domainkey.example.test v=DKIM1; k="+typ+"; p=") {
			t.Fatalf("record --format line printed %q", rec)
		}
		// keygen never overwrites a key.
		if code, _, _ := runDKIMCmd(t, nil, "keygen", "--type", typ, "--domain", "example.test", "--selector", "s1", "--out", key); code == 0 {
			t.Fatalf("keygen overwrote %s", key)
		}
		dns := filepath.Join(dir, "dns.txt")
		if err := os.WriteFile(dns, []byte(rec), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, canon := range []string{"relaxed/relaxed", "simple/simple", "relaxed/simple"} {
			code, signed, errOut := runDKIMCmd(t, msg, "sign", "--domain", "example.test", "--selector", "s1", "--key", key, "--canon", canon)
			if code != 0 {
				t.Fatalf("sign %s %s: exit %d: %s", typ, canon, code, errOut)
			}
			if !strings.HasPrefix(signed, "DKIM-Signature: ") || !strings.HasSuffix(signed, string(msg)) {
				t.Fatalf("sign output %q", signed)
			}
			code, out, errOut := runDKIMCmd(t, []byte(signed), "verify", "--dns", dns)
			if code != 0 || !strings.HasPrefix(out, "pass d=example.test s=s1") {
				t.Fatalf("verify %s %s: exit %d %q %s", typ, canon, code, out, errOut)
			}
		}
	}
}

func TestDKIMUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"nope"}, {"sign"}, {"sign", "--domain", "d", "--selector", "s", "--key", "k", "--canon", "odd"},
		{"keygen", "--domain", "d", "--selector", "s", "--out", "x", "--bits", "512"}} {
		if code, _, _ := runDKIMCmd(t, nil, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
	// A message signed for another domain than its From is refused and
	// nothing is written.
	dir := t.TempDir()
	key := filepath.Join(dir, "k.pem")
	runDKIMCmd(t, nil, "keygen", "--type", "ed25519", "--domain", "example.test", "--selector", "s", "--out", key)
	code, out, _ := runDKIMCmd(t, []byte("From: a@other.test\r\n\r\nx\r\n"), "sign", "--domain", "example.test", "--selector", "s", "--key", key)
	if code == 0 || out != "" {
		t.Errorf("sign for a foreign From: exit %d, wrote %q", code, out)
	}
}

// TestDKIMSignPeerTier: a message signed by "mailwright dkim sign" passes
// Debian's python3-dkim (peers/dkim-verify.py), for RSA and Ed25519.
func TestDKIMSignPeerTier(t *testing.T) {
	if exec.Command("/usr/bin/python3", "-c", "import dkim, nacl").Run() != nil {
		if os.Getenv("MAILPEERS") == "1" {
			t.Fatal("python3-dkim (with python3-nacl) is not installed")
		}
		t.Skip("python3-dkim is not installed (bash peers/install.sh dkim)")
	}
	msg := []byte("From: A <a@example.test>\r\nTo: b@example.test\r\nSubject: peer\r\n\r\nHello.\r\n\r\n")
	for _, typ := range []string{"rsa", "ed25519"} {
		dir := t.TempDir()
		key := filepath.Join(dir, "k.pem")
		code, value, errOut := runDKIMCmd(t, nil, "keygen", "--type", typ, "--domain", "example.test", "--selector", "p", "--out", key, "--format", "value")
		if code != 0 {
			t.Fatalf("keygen: %s", errOut)
		}
		txt := filepath.Join(dir, "p.txt")
		os.WriteFile(txt, []byte(value), 0o644)
		code, signed, errOut := runDKIMCmd(t, msg, "sign", "--domain", "example.test", "--selector", "p", "--key", key)
		if code != 0 {
			t.Fatalf("sign: %s", errOut)
		}
		cmd := exec.Command("/usr/bin/python3", "../../../peers/dkim-verify.py", "--txt-file", txt)
		cmd.Stdin = strings.NewReader(signed)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: python3-dkim rejects the signature: %v\n%s", typ, err, out)
		}
	}
}
