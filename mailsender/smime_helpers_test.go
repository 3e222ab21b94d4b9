// SPDX-License-Identifier: Apache-2.0

package mailsender_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailwright/mailwright/mailsender"
)

// needTool skips the test when the named peer is missing, and fails it
// when MAILPEERS=1 (CI), where every peer must be present.
func needTool(t *testing.T, what string, ok bool) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("MAILPEERS") == "1" {
		t.Fatalf("%s is not installed (MAILPEERS=1): bash peers/install.sh smime dkim", what)
	}
	t.Skipf("%s is not installed (bash peers/install.sh smime dkim)", what)
}

func needOpenSSL(t *testing.T) {
	t.Helper()
	_, err := exec.LookPath("openssl")
	needTool(t, "openssl", err == nil)
}

// peerScript runs the project's peers/NAME script (an openssl cms
// wrapper) with MAILPEERS_DIR set to the test PKI's directory, whose
// smime/ca.pem is the test root, and returns its standard output.
func peerScript(t *testing.T, p *smimePKI, msg []byte, name string, args ...string) []byte {
	t.Helper()
	script, _ := filepath.Abs(filepath.Join("..", "peers", name))
	_, err := os.Stat(script)
	needTool(t, "peers/"+name, err == nil)
	in := filepath.Join(t.TempDir(), "msg.eml")
	if err := os.WriteFile(in, msg, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", append([]string{script, in}, args...)...)
	cmd.Env = append(os.Environ(), "MAILPEERS_DIR="+p.dir)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("peers/%s: %v\n%s\ninput:\n%s", name, err, errb.Bytes(), clip(msg))
	}
	return out.Bytes()
}

// opensslVerify checks msg's signature with openssl cms against the test
// root, for the purpose smimesign (peers/smime-verify.sh), and returns
// the signed content.
func opensslVerify(t *testing.T, p *smimePKI, msg []byte) []byte {
	t.Helper()
	return peerScript(t, p, msg, "smime-verify.sh")
}

// opensslDecrypt decrypts msg with openssl cms as the holder of cert and
// key, files of the PKI (peers/smime-decrypt.sh).
func opensslDecrypt(t *testing.T, p *smimePKI, msg []byte, cert, key string) []byte {
	t.Helper()
	return peerScript(t, p, msg, "smime-decrypt.sh", p.path(cert), p.path(key))
}

// dkimVerify checks every DKIM-Signature of msg with the project's
// peers/dkim-verify.py (python3-dkim) and testdata/dkim-rsa.txt.
func dkimVerify(t *testing.T, msg []byte) {
	t.Helper()
	script, _ := filepath.Abs("../peers/dkim-verify.py")
	_, err := os.Stat(script)
	needTool(t, "peers/dkim-verify.py", err == nil)
	needTool(t, "python3-dkim", exec.Command("/usr/bin/python3", "-c", "import dkim").Run() == nil)
	cmd := exec.Command("/usr/bin/python3", script, "--txt-file", "testdata/dkim-rsa.txt")
	cmd.Stdin = bytes.NewReader(msg)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("peers/dkim-verify.py: %v\n%s", err, out)
	}
}

func clip(b []byte) []byte { return b[:min(len(b), 2000)] }

// field is one header field of a message, unfolded.
type field struct{ name, value string }

// splitMessage returns msg's header fields and its body.
func splitMessage(t *testing.T, msg []byte) ([]field, []byte) {
	t.Helper()
	head, body, ok := bytes.Cut(msg, []byte("\r\n\r\n"))
	if !ok {
		t.Fatalf("no empty line after the header:\n%s", clip(msg))
	}
	var fields []field
	for _, line := range strings.Split(string(head), "\r\n") {
		if line[0] == ' ' || line[0] == '\t' {
			fields[len(fields)-1].value += line
			continue
		}
		name, value, _ := strings.Cut(line, ":")
		fields = append(fields, field{name, strings.TrimSpace(value)})
	}
	return fields, body
}

// entity returns the MIME entity of a plain message as S/MIME protects
// it: its Content-* fields as they were written, an empty line and the
// body.
func entity(t *testing.T, msg []byte) []byte {
	t.Helper()
	head, body, _ := bytes.Cut(msg, []byte("\r\n\r\n"))
	var out []byte
	keep := false
	for _, line := range bytes.SplitAfter(append(head, "\r\n"...), []byte("\r\n")) {
		if len(line) > 0 && line[0] != ' ' && line[0] != '\t' {
			keep = bytes.HasPrefix(bytes.ToLower(line), []byte("content-"))
		}
		if keep {
			out = append(out, line...)
		}
	}
	return append(append(out, "\r\n"...), body...)
}

// outer lists the fields that are not Content-* nor MIME-Version, and
// then MIME-Version, in the order S/MIME puts them above the entity.
func outer(fields []field) []field {
	var out, mv []field
	for _, f := range fields {
		switch n := strings.ToLower(f.name); {
		case n == "mime-version":
			mv = append(mv, f)
		case !strings.HasPrefix(n, "content-"):
			out = append(out, f)
		}
	}
	return append(out, mv...)
}

func get(fields []field, name string) string {
	for _, f := range fields {
		if strings.EqualFold(f.name, name) {
			return f.value
		}
	}
	return ""
}

// smimeMessage has two recipients and an 8-bit body, so that the entity
// is re-encoded and signed as quoted-printable.
func smimeMessage() *mailsender.Message {
	return &mailsender.Message{
		From:    "Alice <alice@example.test>",
		To:      []string{"Bob <bob@example.test>"},
		Cc:      []string{"carol@example.test"},
		Subject: "Quarterly figures",
		Body:    "Hi Bob, hi Carol,\r\n\r\nthe figures are attached. Grüße\r\n",
		Attachments: []mailsender.Attachment{{Name: "figures.csv", ContentType: "text/csv",
			Content: strings.NewReader("quarter,total\r\nQ3,42\r\n")}},
	}
}

// plainEntity returns the entity Compose writes for m without S/MIME: what
// a verifier or a decrypter must get back.
func plainEntity(t *testing.T, m func() *mailsender.Message) []byte {
	t.Helper()
	return entity(t, composed(t, offlineSender(), m(), nil))
}

// offlineSender is a reproducible Sender for Compose and Enqueue.
func offlineSender() *mailsender.Sender {
	return &mailsender.Sender{Host: "h.test", Now: func() time.Time { return fixedNow }, Rand: seeded()}
}
