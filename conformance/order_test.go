// SPDX-License-Identifier: Apache-2.0

package conformance

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailwright/mailwright/conformance/replay"
	"github.com/mailwright/mailwright/dkim"
	"github.com/mailwright/mailwright/mailsender"
)

// TestCanonicalizeSignStuffSEC30 checks the order SECURITY.md rule 4 asks
// for: a message whose text has LF line ends and lines that start with a
// dot is canonicalised to CRLF, then DKIM-signed, then dot-stuffed on the
// wire. The server's copy, un-stuffed, must carry only CRLF line ends and
// its signature must verify (with mailwright's verifier and, when
// installed, Debian's python3-dkim).
func TestCanonicalizeSignStuffSEC30(t *testing.T) {
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	txt := "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)
	tr, err := replay.Parse("sec30", strings.NewReader(`S: 220 mail.example.test ESMTP
C: EHLO client.example.test
S: 250-mail.example.test
S: 250-PIPELINING
S: 250 8BITMIME
C: MAIL FROM:<a@example.test><any>
C: RCPT TO:<b@example.test>
C: DATA
S: 250 2.1.0 Ok
S: 250 2.1.5 Ok
S: 354 go ahead
C: <data>
S: 250 2.0.0 Ok
C: QUIT
S: 221 2.0.0 Bye
`))
	if err != nil {
		t.Fatal(err)
	}
	srv := &replay.Server{Transcript: tr, ReadTimeout: 5 * time.Second}
	addr, wait, err := replay.Listen(srv)
	if err != nil {
		t.Fatal(err)
	}
	host, port := splitHostPort(t, addr)
	s := &mailsender.Sender{Host: host, Port: port, LocalName: "client.example.test",
		DKIM: &mailsender.DKIM{Signer: key, Domain: "example.test", Selector: "sel"}}
	m := &mailsender.Message{From: "a@example.test", To: []string{"b@example.test"}, Subject: "order",
		Body: ".first line starts with a dot\n..two dots\nmiddle\n.\nlast line\n"}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.SendCertified(ctx, m, nil); err != nil {
		t.Fatalf("SendCertified: %v", err)
	}
	res := wait()
	if res.Err != nil {
		t.Fatalf("dialogue: %v", res.Err)
	}
	if len(res.Data) != 1 {
		t.Fatalf("%d messages on the wire", len(res.Data))
	}
	wire := res.Data[0]
	// Un-stuff: every line that starts with a dot lost one on the way.
	var signed bytes.Buffer
	stuffed := 0
	for _, line := range bytes.SplitAfter(wire, []byte("\r\n")) {
		if bytes.HasPrefix(line, []byte(".")) {
			line = line[1:]
			stuffed++
		}
		signed.Write(line)
	}
	if stuffed != 3 {
		t.Errorf("%d stuffed lines on the wire, want 3 (.first, ..two dots and the lone dot):\n%s", stuffed, wire)
	}
	if n := bytes.Count(signed.Bytes(), []byte("\n")); n != bytes.Count(signed.Bytes(), []byte("\r\n")) {
		t.Errorf("the message holds a bare LF")
	}
	if bytes.Contains(bytes.ReplaceAll(signed.Bytes(), []byte("\r\n"), nil), []byte("\r")) {
		t.Errorf("the message holds a bare CR")
	}
	vs, err := dkim.Verify(ctx, bytes.NewReader(signed.Bytes()), &dkim.VerifyOptions{
		Resolver: dkim.TXTRecords{"sel._domainkey.example.test": txt}})
	if err != nil || len(vs) != 1 || vs[0].Err != nil {
		t.Fatalf("mailwright's verifier: %v %+v", err, vs)
	}
	if _, err := exec.LookPath("/usr/bin/python3"); err != nil {
		return
	}
	if exec.Command("/usr/bin/python3", "-c", "import dkim").Run() != nil {
		if os.Getenv("MAILPEERS") == "1" {
			t.Fatal("python3-dkim is not installed")
		}
		return
	}
	dir := t.TempDir()
	txtFile := filepath.Join(dir, "sel.txt")
	os.WriteFile(txtFile, []byte(txt), 0o644)
	cmd := exec.Command("/usr/bin/python3", "-c", `import sys, dkim
txt = open(sys.argv[1], "rb").read().strip()
sys.exit(0 if dkim.verify(sys.stdin.buffer.read(), dnsfunc=lambda name, timeout=5: txt) else 1)`, txtFile)
	cmd.Stdin = bytes.NewReader(signed.Bytes())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("python3-dkim rejects the un-stuffed wire copy: %v\n%s", err, out)
	}
}

func splitHostPort(t *testing.T, addr string) (string, int) {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	return host, n
}
