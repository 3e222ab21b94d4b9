// SPDX-License-Identifier: Apache-2.0

package mailsender_test

import (
	"bytes"
	"context"
	"crypto"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/mailwright/mailwright/dkim"
	"github.com/mailwright/mailwright/mailsender"
)

func testKey(t testing.TB) crypto.Signer {
	t.Helper()
	b, err := os.ReadFile("testdata/dkim-rsa.pem")
	if err != nil {
		t.Fatal(err)
	}
	k, err := dkim.LoadKey(b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSendCertifiedSigns(t *testing.T) {
	for _, canon := range []string{"", "simple/simple"} {
		t.Run("canon="+canon, func(t *testing.T) {
			f := newFakeServer(t, nil)
			s := sender(f)
			d := &mailsender.DKIM{KeyFile: "testdata/dkim-rsa.pem", Domain: "example.test",
				Selector: "sel", Canonicalization: canon}
			m := message()
			m.Body = "Hi Bob.\r\n.a line with a leading dot\r\n"
			want := composed(t, s, m, d)
			if _, err := s.SendCertified(context.Background(), m, d); err != nil {
				t.Fatalf("SendCertified: %v", err)
			}
			got := f.received()
			if len(got) != 1 || !bytes.Equal(got[0], want) {
				t.Fatalf("server received %q, want %q", got, want)
			}
			c := canon
			if c == "" {
				c = "relaxed/relaxed"
			}
			head := "DKIM-Signature: v=1; a=rsa-sha256; c=" + c + "; d=example.test; s=sel;"
			if !bytes.HasPrefix(got[0], []byte(head)) {
				t.Errorf("message starts %q, want %q", got[0][:min(80, len(got[0]))], head)
			}
			verifyWithDkimpy(t, got[0])
		})
	}
}

// verifyWithDkimpy checks msg with Debian's python3-dkim when it is
// installed (peers/install.sh dkim), with the key record from testdata.
func verifyWithDkimpy(t *testing.T, msg []byte) {
	t.Helper()
	if exec.Command("/usr/bin/python3", "-c", "import dkim").Run() != nil {
		if os.Getenv("MAILPEERS") == "1" {
			t.Fatal("python3-dkim is not installed")
		}
		t.Log("python3-dkim not installed; signature not verified by a second implementation")
		return
	}
	cmd := exec.Command("/usr/bin/python3", "-c", `import sys, dkim
txt = open("testdata/dkim-rsa.txt", "rb").read().strip()
sys.exit(0 if dkim.verify(sys.stdin.buffer.read(), dnsfunc=lambda n, timeout=5: txt) else 1)`)
	cmd.Stdin = bytes.NewReader(msg)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("python3-dkim rejects the signature: %v %s\n%s", err, out,
			strings.SplitN(string(msg), "\r\n\r\n", 2)[0])
	}
}

// TestSendCertifiedOrderSEC30: a body with LF line ends and lines that
// start with a dot is made CRLF, then signed, then dot-stuffed on the
// wire. What the server takes in (un-stuffed) is exactly the signed
// message, with CRLF everywhere, and its signature verifies.
func TestSendCertifiedOrderSEC30(t *testing.T) {
	for _, canon := range []string{"simple/simple", "relaxed/relaxed"} {
		t.Run(canon, func(t *testing.T) {
			f := newFakeServer(t, nil)
			s := sender(f)
			d := &mailsender.DKIM{KeyFile: "testdata/dkim-rsa.pem", Domain: "example.test",
				Selector: "sel", Canonicalization: canon}
			m := message()
			m.Body = ".first line is a dot line\n..two dots\nplain\n.\n"
			want := composed(t, s, m, d)
			if _, err := s.SendCertified(context.Background(), m, d); err != nil {
				t.Fatalf("SendCertified: %v", err)
			}
			got := f.received()
			if len(got) != 1 || !bytes.Equal(got[0], want) {
				t.Fatalf("server received %q, want %q", got, want)
			}
			body := got[0][bytes.Index(got[0], []byte("\r\n\r\n"))+4:]
			if !bytes.Contains(body, []byte(".first line is a dot line\r\n..two dots\r\nplain\r\n.\r\n")) {
				t.Errorf("body = %q, want the dot lines back with CRLF", body)
			}
			if bytes.Contains(bytes.ReplaceAll(got[0], []byte("\r\n"), nil), []byte("\n")) {
				t.Error("a bare LF reached the server")
			}
			verifyWithDkimpy(t, got[0])
		})
	}
}

// TestSendCertifiedClassicSignature: Algorithm "rsa-sha1" with
// simple/simple reproduces the classic component's kind of signature,
// which python3-dkim still verifies.
func TestSendCertifiedClassicSignature(t *testing.T) {
	f := newFakeServer(t, nil)
	s := sender(f)
	d := &mailsender.DKIM{Signer: testKey(t), Domain: "example.test", Selector: "sel",
		Algorithm: "rsa-sha1", Canonicalization: "simple/simple"}
	if _, err := s.SendCertified(context.Background(), message(), d); err != nil {
		t.Fatalf("SendCertified: %v", err)
	}
	got := f.received()
	head := "DKIM-Signature: v=1; a=rsa-sha1; c=simple/simple; d=example.test; s=sel;"
	if len(got) != 1 || !bytes.HasPrefix(got[0], []byte(head)) {
		t.Fatalf("server received %q, want a message starting %q", got, head)
	}
	verifyWithDkimpy(t, got[0])
}
