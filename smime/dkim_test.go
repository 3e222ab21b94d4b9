// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestSignedMessagePassesDKIM: a message we sign with S/MIME (detached and
// opaque, from an entity with LF line ends and trailing white space) and
// then DKIM-sign with dkimpy passes dkimpy's DKIM verification in both the
// simple and the relaxed canonicalization, and its S/MIME signature still
// verifies with openssl cms and with Verify. Simple body canonicalization
// changes nothing but trailing empty lines, so it proves that the bytes we
// send need no rewriting by a DKIM signer. peers/smime-dkim.sh does the
// DKIM and openssl parts.
func TestSignedMessagePassesDKIM(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import dkim").Run(); err != nil {
		if os.Getenv("MAILPEERS") == "1" {
			t.Fatalf("python3-dkim missing (MAILPEERS=1): %v", err)
		}
		t.Skipf("python3-dkim missing (peers/install.sh dkim): %v", err)
	}
	scripts, state := peerScripts(t)
	dir := filepath.Join(state, "smime")
	s, err := LoadPKCS12(readFile(t, filepath.Join(dir, "signer.p12")), "test")
	if err != nil {
		t.Fatal(err)
	}
	ca, err := ParseCertificatesPEM(readFile(t, filepath.Join(dir, "ca.pem")))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca[0])
	entity := "Content-Type: text/plain; charset=utf-8\n\nDear Bob, \n\nGr\xc3\xbc\xc3\x9fe\t\n"
	want, err := canonicalize([]byte(entity))
	if err != nil {
		t.Fatal(err)
	}
	for _, opaque := range []bool{false, true} {
		e, err := Sign(bytes.NewReader([]byte(entity)), s, &SignOptions{Opaque: opaque})
		if err != nil {
			t.Fatal(err)
		}
		msg := append([]byte("From: alice@example.test\r\nTo: bob@example.test\r\n"+
			"Subject: signed\r\nMIME-Version: 1.0\r\n"), e.Bytes()...)
		for _, canon := range []string{"simple/simple", "relaxed/relaxed"} {
			signed := runPeer(t, scripts, state, msg, "smime-dkim.sh", "sign", canon)
			if !bytes.HasSuffix(signed, msg) || !bytes.HasPrefix(signed, []byte("DKIM-Signature:")) {
				t.Fatalf("opaque=%v %s: dkimpy changed the message:\n%s", opaque, canon, signed)
			}
			got := runPeer(t, scripts, state, signed, "smime-dkim.sh", "verify")
			if !bytes.Equal(got, want) {
				t.Errorf("opaque=%v %s: openssl printed %q, want %q", opaque, canon, got, want)
			}
			if v, err := Verify(bytes.NewReader(signed), roots, nil); err != nil || !bytes.Equal(v.Content, want) {
				t.Errorf("opaque=%v %s: Verify after DKIM = %v", opaque, canon, err)
			}
		}
	}
}
