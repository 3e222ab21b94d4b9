// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// cliPKI writes a test CA, a signer (alice) and a recipient (bob) as PEM
// files into a temporary directory and returns their paths by name:
// ca.pem, alice.pem, alice.key, bob.pem, bob.key.
func cliPKI(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	paths := map[string]string{}
	write := func(name string, block *pem.Block) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
		paths[name] = p
	}
	newKey := func() *rsa.PrivateKey {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	caKey := newKey()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "cli test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	write("ca.pem", &pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	for i, who := range []string{"alice", "bob"} {
		key := newKey()
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(int64(i + 2)), Subject: pkix.Name{CommonName: who},
			EmailAddresses: []string{who + "@example.test"},
			NotBefore:      time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
		if err != nil {
			t.Fatal(err)
		}
		write(who+".pem", &pem.Block{Type: "CERTIFICATE", Bytes: der})
		write(who+".key", &pem.Block{Type: "PRIVATE KEY", Bytes: mustPKCS8(t, key)})
	}
	return paths
}

func mustPKCS8(t *testing.T, k crypto.PrivateKey) []byte {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// cli runs "mailwright args..." with stdin and returns stdout, stderr and
// the exit status.
func cli(t *testing.T, stdin []byte, args ...string) ([]byte, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: bytes.NewReader(stdin), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	code := runMain(context.Background(), e, args)
	return out.Bytes(), errb.String(), code
}

func cliOK(t *testing.T, stdin []byte, args ...string) []byte {
	t.Helper()
	out, stderr, code := cli(t, stdin, args...)
	if code != 0 {
		t.Fatalf("mailwright %v: exit %d: %s", args, code, stderr)
	}
	return out
}

const cliMessage = "From: alice@example.test\r\nTo: bob@example.test\r\nSubject: hi\r\n" +
	"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
	"Gr\xc3\xbc\xc3\x9fe\r\n"

const cliEntity = "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
	"Gr=C3=BC=C3=9Fe\r\n"

func TestSMIMESignVerify(t *testing.T) {
	p := cliPKI(t)
	for _, opaque := range []bool{false, true} {
		args := []string{"smime", "sign", "--cert", p["alice.pem"], "--key", p["alice.key"]}
		if opaque {
			args = append(args, "--opaque")
		}
		signed := cliOK(t, []byte(cliMessage), args...)
		head := "From: alice@example.test\r\nTo: bob@example.test\r\nSubject: hi\r\nMIME-Version: 1.0\r\nContent-Type: "
		if !bytes.HasPrefix(signed, []byte(head)) || bytes.Count(signed, []byte("MIME-Version")) != 1 {
			t.Errorf("signed message starts %q, want %q", signed[:min(len(signed), 120)], head)
		}
		out, stderr, code := cli(t, signed, "smime", "verify", "--ca", p["ca.pem"])
		if code != 0 || string(out) != cliEntity || !strings.Contains(stderr, "good signature from alice@example.test") {
			t.Errorf("verify: exit %d, out %q, stderr %q", code, out, stderr)
		}
		if _, err := exec.LookPath("openssl"); err == nil {
			f := filepath.Join(t.TempDir(), "signed.eml")
			os.WriteFile(f, signed, 0o600)
			cmd := exec.Command("openssl", "cms", "-verify", "-in", f, "-CAfile", p["ca.pem"], "-purpose", "smimesign")
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("openssl cms -verify: %v\n%s", err, b)
			}
		}
	}
}

func TestSMIMEVerifyTampered(t *testing.T) {
	p := cliPKI(t)
	signed := cliOK(t, []byte(cliMessage), "smime", "sign", "--cert", p["alice.pem"], "--key", p["alice.key"])
	bad := bytes.Replace(signed, []byte("Gr=C3=BC"), []byte("Gr=C3=B6"), 1)
	out, stderr, code := cli(t, bad, "smime", "verify", "--ca", p["ca.pem"])
	if code != 1 || len(out) != 0 || !strings.Contains(stderr, "message digest mismatch") {
		t.Errorf("verify(tampered): exit %d, out %q, stderr %q", code, out, stderr)
	}
}

func TestSMIMEEncryptDecrypt(t *testing.T) {
	p := cliPKI(t)
	for _, c := range []string{"aes128", "aes256gcm"} {
		t.Run(c, func(t *testing.T) { testEncryptDecrypt(t, p, "--cipher", c) })
	}
	t.Run("oaep", func(t *testing.T) { testEncryptDecrypt(t, p, "--oaep") })
}

func testEncryptDecrypt(t *testing.T, p map[string]string, flags ...string) {
	enc := cliOK(t, []byte(cliMessage), append([]string{"smime", "encrypt", "--to", p["bob.pem"]}, flags...)...)
	if !bytes.Contains(bytes.ToLower(enc), []byte("enveloped-data;")) || bytes.Contains(enc, []byte("Gr=C3")) {
		t.Fatalf("encrypted message: %q", enc)
	}
	dec := cliOK(t, enc, "smime", "decrypt", "--cert", p["bob.pem"], "--key", p["bob.key"])
	if string(dec) != cliEntity {
		t.Errorf("decrypt = %q, want %q", dec, cliEntity)
	}
	_, stderr, code := cli(t, enc, "smime", "decrypt", "--cert", p["alice.pem"], "--key", p["alice.key"])
	if code != 1 || !strings.Contains(stderr, "not encrypted for this certificate") {
		t.Errorf("decrypt as alice: exit %d, stderr %q", code, stderr)
	}
}

func TestSMIMESignAndEncrypt(t *testing.T) {
	p := cliPKI(t)
	enc := cliOK(t, []byte(cliMessage), "smime", "encrypt", "--to", p["bob.pem"],
		"--sign-cert", p["alice.pem"], "--key", p["alice.key"])
	signed := cliOK(t, enc, "smime", "decrypt", "--cert", p["bob.pem"], "--key", p["bob.key"])
	if got := cliOK(t, signed, "smime", "verify", "--ca", p["ca.pem"]); string(got) != cliEntity {
		t.Errorf("verify after decrypt = %q, want %q", got, cliEntity)
	}
}

func TestSMIMEUsageErrors(t *testing.T) {
	p := cliPKI(t)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"smime"}, 2, "missing subcommand"},
		{[]string{"smime", "frobnicate"}, 2, "unknown subcommand"},
		{[]string{"smime", "sign"}, 1, "need a certificate"},
		{[]string{"smime", "sign", "--cert", p["alice.pem"], "--key", p["alice.key"], "--hash", "md5"}, 2, "unknown --hash"},
		{[]string{"smime", "encrypt"}, 2, "need at least one --to"},
		{[]string{"smime", "encrypt", "--to", p["bob.pem"], "--cipher", "rot13"}, 2, "unknown --cipher"},
		{[]string{"smime", "sign", "--pfx", "x.p12", "--key", p["alice.key"]}, 1, "not both"},
	}
	for _, tt := range tests {
		_, stderr, code := cli(t, []byte(cliMessage), tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("mailwright %v: exit %d, stderr %q; want exit %d with %q", tt.args, code, stderr, tt.code, tt.want)
		}
	}
}

func TestSMIMEPFX(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		if os.Getenv("MAILPEERS") == "1" {
			t.Fatal("openssl not installed (MAILPEERS=1)")
		}
		t.Skip("openssl not installed")
	}
	p := cliPKI(t)
	pfx := filepath.Join(t.TempDir(), "alice.p12")
	cmd := exec.Command("openssl", "pkcs12", "-export", "-in", p["alice.pem"], "-inkey", p["alice.key"],
		"-certfile", p["ca.pem"], "-passout", "pass:s3cret", "-out", pfx)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl pkcs12: %v\n%s", err, b)
	}
	signed := cliOK(t, []byte(cliMessage), "smime", "sign", "--pfx", pfx, "--pfx-password", "s3cret")
	cliOK(t, signed, "smime", "verify", "--ca", p["ca.pem"])

	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(cliMessage), stdout: &out, stderr: &errb,
		getenv: func(k string) string { return map[string]string{"MAILWRIGHT_PFX_PASSWORD": "s3cret"}[k] }}
	if code := runMain(context.Background(), e, []string{"smime", "sign", "--pfx", pfx}); code != 0 {
		t.Errorf("sign with password from environment: exit %d: %s", code, errb.String())
	}
	_, stderr, code := cli(t, []byte(cliMessage), "smime", "sign", "--pfx", pfx, "--pfx-password", "wrong")
	if code != 1 || !strings.Contains(stderr, "wrong password") {
		t.Errorf("wrong password: exit %d, stderr %q", code, stderr)
	}
}

// TestSMIMEEncryptionCert: --encryption-cert sends the signer's encryption
// certificate with the signature (openssl lists it among the
// certificates), and a missing file is an error.
func TestSMIMEEncryptionCert(t *testing.T) {
	p := cliPKI(t)
	signed := cliOK(t, []byte(cliMessage), "smime", "sign", "--cert", p["alice.pem"], "--key", p["alice.key"],
		"--encryption-cert", p["bob.pem"])
	if _, err := exec.LookPath("openssl"); err == nil {
		dir := t.TempDir()
		f, certs := filepath.Join(dir, "signed.eml"), filepath.Join(dir, "certs.pem")
		os.WriteFile(f, signed, 0o600)
		cmd := exec.Command("openssl", "cms", "-verify", "-in", f, "-CAfile", p["ca.pem"], "-purpose", "smimesign",
			"-certsout", certs, "-out", os.DevNull)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("openssl cms -verify: %v\n%s", err, b)
		}
		got, _ := os.ReadFile(certs)
		bob, _ := os.ReadFile(p["bob.pem"])
		if !bytes.Contains(got, bytes.TrimSpace(bob)) {
			t.Errorf("bob's certificate is not among the certificates sent:\n%s", got)
		}
	}
	_, stderr, code := cli(t, []byte(cliMessage), "smime", "sign", "--cert", p["alice.pem"], "--key", p["alice.key"],
		"--encryption-cert", filepath.Join(t.TempDir(), "missing.pem"))
	if code != 1 || !strings.Contains(stderr, "missing.pem") {
		t.Errorf("missing --encryption-cert: exit %d, stderr %q", code, stderr)
	}
}

// TestSMIMEVerifyChecksFrom: RFC 8550 §3. A message alice signed but
// whose From (and Sender) is someone else is refused, even though the
// signature itself is good; --any-signer accepts it with a warning; a
// matching Sender, or a From in another case, is accepted.
func TestSMIMEVerifyChecksFrom(t *testing.T) {
	p := cliPKI(t)
	sign := func(from string) []byte {
		msg := strings.Replace(cliMessage, "From: alice@example.test", from, 1)
		// --any-signer: the signing side refuses these too (TestSMIMESignChecksFrom).
		return cliOK(t, []byte(msg), "smime", "sign", "--any-signer", "--cert", p["alice.pem"], "--key", p["alice.key"])
	}
	tests := []struct {
		name, from string
		flags      []string
		code       int
		stderr     string
	}{
		{"other From", "From: Mallory <mallory@example.test>", nil, 1, "no signer's certificate names the From"},
		{"other From, --any-signer", "From: mallory@example.test", []string{"--any-signer"}, 0, "smime: warning: the signature is good, but"},
		{"Sender matches", "From: list@example.test\r\nSender: alice@example.test", nil, 0, "good signature from alice@example.test"},
		{"case differs", "From: Alice <ALICE@Example.Test>", nil, 0, "good signature from alice@example.test"},
	}
	for _, tc := range tests {
		signed := sign(tc.from)
		out, stderr, code := cli(t, signed, append([]string{"smime", "verify", "--ca", p["ca.pem"]}, tc.flags...)...)
		if code != tc.code || !strings.Contains(stderr, tc.stderr) || (code == 0) != (string(out) == cliEntity) {
			t.Errorf("%s: exit %d, out %q, stderr %q; want exit %d and %q", tc.name, code, out, stderr, tc.code, tc.stderr)
		}
	}
}

// TestSMIMESignChecksFrom: signing a message whose From (or Sender) the
// certificate does not name is refused before anything is written, since
// every receiver would refuse the signature (RFC 8550 §3); --any-signer
// signs with a warning, for sign and for encrypt --sign-cert alike. A
// bare entity, with no From, is signed; verifying it says that no sender
// was compared.
func TestSMIMESignChecksFrom(t *testing.T) {
	p := cliPKI(t)
	mallory := []byte(strings.Replace(cliMessage, "From: alice@example.test", "From: mallory@example.test", 1))
	for _, cmd := range [][]string{
		{"smime", "sign", "--cert", p["alice.pem"], "--key", p["alice.key"]},
		{"smime", "encrypt", "--to", p["bob.pem"], "--sign-cert", p["alice.pem"], "--key", p["alice.key"]},
	} {
		out, stderr, code := cli(t, mallory, cmd...)
		if code != 1 || len(out) != 0 || !strings.Contains(stderr, "does not name the From or Sender address mallory@example.test") {
			t.Errorf("%v: exit %d, %d bytes out, stderr %q; want exit 1, nothing out, the From refused", cmd[:2], code, len(out), stderr)
		}
		out, stderr, code = cli(t, mallory, append(cmd, "--any-signer")...)
		if code != 0 || len(out) == 0 || !strings.Contains(stderr, "smime: warning: the signing certificate") {
			t.Errorf("%v --any-signer: exit %d, %d bytes out, stderr %q; want it signed with a warning", cmd[:2], code, len(out), stderr)
		}
	}
	signed := cliOK(t, []byte(cliEntity), "smime", "sign", "--cert", p["alice.pem"], "--key", p["alice.key"])
	out, stderr, code := cli(t, signed, "smime", "verify", "--ca", p["ca.pem"])
	if code != 0 || string(out) != cliEntity || !strings.Contains(stderr, "no From or Sender field, so the signer was not compared") {
		t.Errorf("verify(bare entity): exit %d, out %q, stderr %q; want the entity and a note", code, out, stderr)
	}
}

// TestSMIMEDecryptVerify: decrypt --verify checks the signature inside a
// signed-then-encrypted message against the encrypted message's own From
// (RFC 8550 §3), which "decrypt | verify" cannot do, since the decrypted
// entity has no From: the review found a message signed by alice under a
// From of mallory passing that way. It prints the signed entity, and
// nothing when the signer is not the sender, the entity is not signed,
// or decryption fails.
func TestSMIMEDecryptVerify(t *testing.T) {
	p := cliPKI(t)
	mallory := []byte(strings.Replace(cliMessage, "From: alice@example.test", "From: mallory@example.test", 1))
	encrypt := func(msg []byte, sign bool) []byte {
		args := []string{"smime", "encrypt", "--to", p["bob.pem"]}
		if sign {
			args = append(args, "--sign-cert", p["alice.pem"], "--key", p["alice.key"], "--any-signer")
		}
		return cliOK(t, msg, args...)
	}
	dec := []string{"smime", "decrypt", "--verify", "--ca", p["ca.pem"], "--cert", p["bob.pem"], "--key", p["bob.key"]}
	tests := []struct {
		name   string
		msg    []byte
		flags  []string
		code   int
		out    string
		stderr string
	}{
		{"signed by the sender", encrypt([]byte(cliMessage), true), nil, 0, cliEntity, "good signature from alice@example.test"},
		{"signed by someone else", encrypt(mallory, true), nil, 1, "", "no signer's certificate names the From"},
		{"someone else, --any-signer", encrypt(mallory, true), []string{"--any-signer"}, 0, cliEntity, "smime: warning:"},
		{"not signed", encrypt([]byte(cliMessage), false), nil, 1, "", "not signed"},
		{"cut short", encrypt([]byte(cliMessage), true)[:700], nil, 1, "", "truncated"},
	}
	for _, tt := range tests {
		out, stderr, code := cli(t, tt.msg, append(dec, tt.flags...)...)
		if code != tt.code || string(out) != tt.out || !strings.Contains(stderr, tt.stderr) {
			t.Errorf("%s: exit %d, out %q, stderr %q; want exit %d, out %q, stderr with %q",
				tt.name, code, out, stderr, tt.code, tt.out, tt.stderr)
		}
	}
	if _, stderr, code := cli(t, encrypt([]byte(cliMessage), true), "smime", "decrypt", "--ca", p["ca.pem"],
		"--cert", p["bob.pem"], "--key", p["bob.key"]); code != 2 || !strings.Contains(stderr, "go with --verify") {
		t.Errorf("--ca without --verify: exit %d, stderr %q; want 2", code, stderr)
	}
}
