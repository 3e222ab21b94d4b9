// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/mailwright/mailwright/mailsender"
	"github.com/mailwright/mailwright/smime"
)

func TestParseSendSMIMEFlags(t *testing.T) {
	base := []string{"--host", "h", "--from", "alice@example.test", "--to", "bob@example.test",
		"--subject", "s"}
	env := func(k string) string { return map[string]string{pfxPasswordEnv: "from-env"}[k] }
	tests := []struct {
		name string
		args []string
		want *mailsender.SMIME
	}{
		{"none", nil, nil},
		{"PEM and two recipients", []string{"--smime-sign-cert", "a.pem", "--smime-sign-key", "a.key",
			"--smime-encrypt-cert", "b.pem", "--smime-encrypt-cert", "c.pem"},
			&mailsender.SMIME{CertFile: "a.pem", KeyFile: "a.key", RecipientFiles: []string{"b.pem", "c.pem"}}},
		{"PFX, password from the environment", []string{"--smime-pfx", "a.p12"},
			&mailsender.SMIME{PFXFile: "a.p12", PFXPassword: "from-env"}},
		{"PFX, password flag wins", []string{"--smime-pfx", "a.p12", "--smime-pfx-password", "flag"},
			&mailsender.SMIME{PFXFile: "a.p12", PFXPassword: "flag"}},
		{"encrypt only", []string{"--smime-encrypt-cert", "b.pem"},
			&mailsender.SMIME{RecipientFiles: []string{"b.pem"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			job, err := parseSend(append(base, tt.args...), env, new(bytes.Buffer))
			if err != nil {
				t.Fatalf("parseSend: %v", err)
			}
			got := job.sender.SMIME
			if (got == nil) != (tt.want == nil) || got != nil && (got.CertFile != tt.want.CertFile ||
				got.KeyFile != tt.want.KeyFile || got.PFXFile != tt.want.PFXFile ||
				got.PFXPassword != tt.want.PFXPassword ||
				strings.Join(got.RecipientFiles, ",") != strings.Join(tt.want.RecipientFiles, ",")) {
				t.Errorf("Sender.SMIME = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSendSMIMEUsageErrors(t *testing.T) {
	base := []string{"send", "--host", "h", "--from", "alice@example.test", "--to", "bob@example.test",
		"--subject", "s"}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--smime-sign-cert", "a.pem"}, "--smime-sign-cert needs --smime-sign-key"},
		{[]string{"--smime-sign-key", "a.key"}, "--smime-sign-key needs --smime-sign-cert"},
		{[]string{"--smime-pfx", "a.p12", "--smime-sign-cert", "a.pem"}, "--smime-pfx excludes"},
		{[]string{"--smime-pfx-password", "pw"}, "--smime-pfx-password needs --smime-pfx"},
	} {
		code, stdout, stderr := run(t, nil, append(base, tt.args...)...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

// smimeSendArgs is a send command line from alice to bob through srv.
func smimeSendArgs(srv *demoServer, ca string, extra ...string) []string {
	return append([]string{"send", "--host", "127.0.0.1", "--port", strconv.Itoa(srv.port()),
		"--tls", "--ca-file", ca, "--user", demoUser, "--from", "alice@example.test",
		"--to", "bob@example.test", "--subject", "plans", "--body", "the secret plans\n"}, extra...)
}

// openSigned decrypts msg as bob when it is encrypted, verifies the
// signature against the test CA, with our smime package and, when
// installed, with openssl cms, and returns the signed entity.
func openSigned(t *testing.T, p map[string]string, msg []byte, encrypted bool) []byte {
	t.Helper()
	if encrypted {
		if bytes.Contains(msg, []byte("secret plans")) {
			t.Fatal("the encrypted message shows its body in clear")
		}
		certs, _ := smime.ParseCertificatesPEM(readOrFail(t, p["bob.pem"]))
		key, _ := smime.ParsePrivateKeyPEM(readOrFail(t, p["bob.key"]))
		inner, err := smime.Decrypt(bytes.NewReader(msg), certs[0], key)
		if err != nil {
			t.Fatalf("Decrypt as bob: %v", err)
		}
		msg = inner
	}
	roots, _ := smime.ParseCertificatesPEM(readOrFail(t, p["ca.pem"]))
	pool := x509.NewCertPool()
	pool.AddCert(roots[0])
	v, err := smime.Verify(bytes.NewReader(msg), pool, nil)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if _, err := exec.LookPath("openssl"); err != nil {
		if os.Getenv("MAILPEERS") == "1" {
			t.Fatal("openssl not installed (MAILPEERS=1)")
		}
		t.Log("openssl not installed: checked with our smime package only")
		return v.Content
	}
	f := filepath.Join(t.TempDir(), "msg.eml")
	if err := os.WriteFile(f, msg, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("openssl", "cms", "-verify", "-in", f, "-CAfile", p["ca.pem"],
		"-purpose", "smimesign").Output()
	if err != nil || !bytes.Equal(out, v.Content) {
		t.Fatalf("openssl cms -verify: %v; content %q, want %q", err, out, v.Content)
	}
	return v.Content
}

func readOrFail(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSendSMIMECommand: "send" signs with a PEM certificate and key, or a
// .pfx whose password comes from $MAILWRIGHT_PFX_PASSWORD, and encrypts
// for bob; the server receives a message that decrypts and verifies to
// the body, with the Subject in clear.
func TestSendSMIMECommand(t *testing.T) {
	p := cliPKI(t)
	pfx := writePFX(t, p)
	for _, tt := range []struct {
		name    string
		flags   []string
		encrypt bool
	}{
		{"PEM sign", []string{"--smime-sign-cert", p["alice.pem"], "--smime-sign-key", p["alice.key"]}, false},
		{"PEM sign and encrypt", []string{"--smime-sign-cert", p["alice.pem"], "--smime-sign-key", p["alice.key"],
			"--smime-encrypt-cert", p["bob.pem"]}, true},
		{"PFX sign and encrypt", []string{"--smime-pfx", pfx, "--smime-encrypt-cert", p["bob.pem"]}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, ca := startTestServer(t)
			vars := map[string]string{"MAILWRIGHT_PASSWORD": "pw-for-tests", pfxPasswordEnv: "pfx-pw"}
			code, _, stderr := run(t, vars, smimeSendArgs(srv, ca, tt.flags...)...)
			if code != 0 {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			msgs := srv.messages()
			if len(msgs) != 1 || !bytes.Contains(msgs[0].data, []byte("\r\nSubject: plans\r\n")) {
				t.Fatalf("server received %d messages, want one with the Subject in clear", len(msgs))
			}
			content := openSigned(t, p, msgs[0].data, tt.encrypt)
			if !bytes.HasSuffix(content, []byte("\r\n\r\nthe secret plans\r\n")) {
				t.Errorf("signed entity %q does not hold the body", content)
			}
		})
	}
}

// writePFX stores alice's certificate and key as a PKCS#12 file with the
// password "pfx-pw".
func writePFX(t *testing.T, p map[string]string) string {
	t.Helper()
	certs, err := smime.ParseCertificatesPEM(readOrFail(t, p["alice.pem"]))
	if err != nil {
		t.Fatal(err)
	}
	key, err := smime.ParsePrivateKeyPEM(readOrFail(t, p["alice.key"]))
	if err != nil {
		t.Fatal(err)
	}
	der, err := pkcs12.Modern.Encode(key, certs[0], nil, "pfx-pw")
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(t.TempDir(), "alice.p12")
	if err := os.WriteFile(name, der, 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

// TestSendSMIMERefused: a recipient without a certificate, a key that is
// not the certificate's, or a wrong .pfx password fails in one line
// naming the setting, and nothing reaches the server.
func TestSendSMIMERefused(t *testing.T) {
	p := cliPKI(t)
	pfx := writePFX(t, p)
	for _, tt := range []struct {
		flags []string
		want  string
	}{
		{[]string{"--smime-encrypt-cert", p["alice.pem"]},
			"mailwright send: mailsender: Message.To[0]: no S/MIME recipient certificate names this address"},
		{[]string{"--smime-sign-cert", p["alice.pem"], "--smime-sign-key", p["bob.key"]},
			"mailwright send: --smime-sign-key: smime: signer certificate"},
		{[]string{"--smime-pfx", pfx, "--smime-pfx-password", "wrong"},
			"mailwright send: --smime-pfx: smime: PKCS#12: wrong password"},
	} {
		srv, ca := startTestServer(t)
		code, _, stderr := run(t, map[string]string{"MAILWRIGHT_PASSWORD": "pw-for-tests"},
			smimeSendArgs(srv, ca, tt.flags...)...)
		if code != 1 || !strings.HasPrefix(stderr, tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want 1 and %q", tt.flags, code, stderr, tt.want)
		}
		if n := srv.connections(); n != 0 {
			t.Errorf("%q: %d connections to the server, want none", tt.flags, n)
		}
	}
}

// TestSendSMIMEQueue: "send --queue" stores the S/MIME message (the body
// is not in the spool in clear), and the agent delivers it unchanged.
func TestSendSMIMEQueue(t *testing.T) {
	p := cliPKI(t)
	srv, ca := startTestServer(t)
	q := filepath.Join(t.TempDir(), "queue")
	vars := map[string]string{"MAILWRIGHT_PASSWORD": "pw-for-tests"}
	args := smimeSendArgs(srv, ca, "--queue", q, "--smime-sign-cert", p["alice.pem"],
		"--smime-sign-key", p["alice.key"], "--smime-encrypt-cert", p["bob.pem"])
	if code, _, stderr := run(t, vars, args...); code != 0 {
		t.Fatalf("send --queue: exit %d, %s", code, stderr)
	}
	filepath.WalkDir(q, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && bytes.Contains(readOrFail(t, path), []byte("secret plans")) {
			t.Errorf("%s holds the body in clear", path)
		}
		return nil
	})
	if code, out, stderr := run(t, vars, "agent", "--queue", q, "--once"); code != 0 {
		t.Fatalf("agent --once: exit %d, %q, %s", code, out, stderr)
	}
	msgs := srv.messages()
	if len(msgs) != 1 {
		t.Fatalf("server received %d messages, want 1", len(msgs))
	}
	content := openSigned(t, p, msgs[0].data, true)
	if !bytes.HasSuffix(content, []byte("\r\n\r\nthe secret plans\r\n")) {
		t.Errorf("signed entity %q does not hold the body", content)
	}
}
