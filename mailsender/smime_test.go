// SPDX-License-Identifier: Apache-2.0

package mailsender_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailwright/mailwright/mailsender"
	"github.com/mailwright/mailwright/smime"
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

// TestSMIMESignOpenSSL: every way of naming the signing key, detached and
// opaque, gives a message openssl verifies against the root (so the
// intermediate was sent along), whose signed content is the entity
// Compose writes without S/MIME, and whose From, To, Cc, Subject, Date and
// Message-ID stay in the clear above it (RFC 8551 §3.1).
func TestSMIMESignOpenSSL(t *testing.T) {
	p := getPKI(t)
	needOpenSSL(t)
	signer := &smime.Signer{Certificate: p.alice, Key: p.aliceKey, Chain: []*x509.Certificate{p.inter}}
	tests := []struct {
		name   string
		c      mailsender.SMIME
		ctype  string
		micalg string
	}{
		{"PEM detached", mailsender.SMIME{CertFile: p.path("alice-chain.pem"), KeyFile: p.path("alice.key")},
			"multipart/signed", "sha-256"},
		{"PFX detached", mailsender.SMIME{PFXFile: p.path("alice.p12"), PFXPassword: pfxPassword},
			"multipart/signed", "sha-256"},
		{"Signer SHA-512", mailsender.SMIME{Signer: signer, Hash: crypto.SHA512},
			"multipart/signed", "sha-512"},
		{"PEM opaque", mailsender.SMIME{CertFile: p.path("alice-chain.pem"), KeyFile: p.path("alice.key"),
			Opaque: true}, "application/pkcs7-mime; smime-type=signed-data", ""},
	}
	want := plainEntity(t, smimeMessage)
	plain, _ := splitMessage(t, composed(t, offlineSender(), smimeMessage(), nil))
	wantOuter := outer(plain)
	if names := fmt.Sprint(wantOuter); !strings.Contains(names, "{Subject Quarterly figures}") ||
		!strings.Contains(names, "{Message-ID <") || !strings.Contains(names, "{Cc carol@example.test}") {
		t.Fatalf("plain message's fields %s lack Subject, Message-ID or Cc", names)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := offlineSender()
			s.SMIME = &tt.c
			msg := composed(t, s, smimeMessage(), nil)
			fields, _ := splitMessage(t, msg)
			if got := get(fields, "Content-Type"); !strings.HasPrefix(got, tt.ctype) ||
				!strings.Contains(got, tt.micalg) {
				t.Errorf("Content-Type = %q, want %s with micalg %q", got, tt.ctype, tt.micalg)
			}
			if got := outer(fields); !slices.Equal(got, wantOuter) {
				t.Errorf("header fields outside the entity:\n%q\nwant those of the plain message:\n%q",
					got, wantOuter)
			}
			if got := opensslVerify(t, p, msg); !bytes.Equal(got, want) {
				t.Errorf("openssl cms -verify gives\n%q\nwant the composed entity\n%q", got, want)
			}
			roots := x509.NewCertPool()
			roots.AddCert(p.root)
			v, err := smime.Verify(bytes.NewReader(msg), roots, nil)
			if err != nil || !bytes.Equal(v.Content, want) || !v.Signer.Equal(p.alice) {
				t.Errorf("smime.Verify = %v, %v; want alice's signature over the composed entity", v, err)
			}
		})
	}
}

// TestSMIMEEncryptOpenSSL: a message encrypted for bob and carol (from
// certificate files and values, CBC and GCM) decrypts with openssl with
// either key to exactly the entity Compose writes without S/MIME.
func TestSMIMEEncryptOpenSSL(t *testing.T) {
	p := getPKI(t)
	needOpenSSL(t)
	want := plainEntity(t, smimeMessage)
	tests := []struct {
		name  string
		c     mailsender.SMIME
		ctype string
	}{
		{"files AES-256-CBC", mailsender.SMIME{RecipientFiles: []string{p.path("bob-carol.pem")}},
			"application/pkcs7-mime; smime-type=enveloped-data"},
		{"values AES-128-GCM OAEP", mailsender.SMIME{Recipients: []*x509.Certificate{p.bob, p.carol},
			Cipher: smime.AES128GCM, OAEP: true}, "application/pkcs7-mime; smime-type=authEnveloped-data"},
		{"one file each", mailsender.SMIME{RecipientFiles: []string{p.path("carol.pem"), p.path("bob.pem")}},
			"application/pkcs7-mime; smime-type=enveloped-data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := offlineSender()
			s.SMIME = &tt.c
			msg := composed(t, s, smimeMessage(), nil)
			fields, _ := splitMessage(t, msg)
			if got := get(fields, "Content-Type"); !strings.HasPrefix(got, tt.ctype) {
				t.Errorf("Content-Type = %q, want %s", got, tt.ctype)
			}
			if bytes.Contains(msg, []byte("figures are attached")) || bytes.Contains(msg, []byte("figures.csv")) {
				t.Error("the encrypted message shows its body or attachment name in clear")
			}
			for _, who := range []string{"bob", "carol"} {
				got := opensslDecrypt(t, p, msg, who+".pem", who+".key")
				if !bytes.Equal(got, want) {
					t.Errorf("openssl cms -decrypt as %s gives\n%q\nwant\n%q", who, got, want)
				}
			}
		})
	}
}

// TestSMIMESignThenEncryptOpenSSL: sign, then encrypt (RFC 8551 §3.6):
// openssl decrypts as bob, then verifies alice's signature over the
// composed entity.
func TestSMIMESignThenEncryptOpenSSL(t *testing.T) {
	p := getPKI(t)
	needOpenSSL(t)
	s := offlineSender()
	s.SMIME = &mailsender.SMIME{PFXFile: p.path("alice.p12"), PFXPassword: pfxPassword,
		Recipients: []*x509.Certificate{p.bob, p.carol, p.alice}}
	msg := composed(t, s, smimeMessage(), nil)
	inner := opensslDecrypt(t, p, msg, "bob.pem", "bob.key")
	if !bytes.HasPrefix(inner, []byte("Content-Type: multipart/signed;")) {
		t.Fatalf("decrypted entity starts %q, want multipart/signed", clip(inner)[:40])
	}
	if got, want := opensslVerify(t, p, inner), plainEntity(t, smimeMessage); !bytes.Equal(got, want) {
		t.Errorf("signed content\n%q\nwant\n%q", got, want)
	}
	// alice, in the recipient list, can read her sent copy.
	if got := opensslDecrypt(t, p, msg, "alice-chain.pem", "alice.key"); !bytes.Equal(got, inner) {
		t.Error("alice's copy decrypts differently from bob's")
	}
}

// TestSMIMEThenDKIM: SendCertified protects the message with S/MIME
// first and DKIM-signs the result, so the server receives a message whose
// DKIM signature python3-dkim accepts and whose S/MIME signature openssl
// accepts; the same holds for sign-then-encrypt.
func TestSMIMEThenDKIM(t *testing.T) {
	p := getPKI(t)
	needOpenSSL(t)
	want := plainEntity(t, smimeMessage)
	for _, tt := range []struct {
		name    string
		canon   string
		encrypt bool
	}{
		{"sign relaxed", "relaxed/relaxed", false},
		{"sign simple", "simple/simple", false},
		{"sign and encrypt", "relaxed/relaxed", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeServer(t, nil)
			s := sender(f)
			s.SMIME = &mailsender.SMIME{CertFile: p.path("alice-chain.pem"), KeyFile: p.path("alice.key")}
			if tt.encrypt {
				s.SMIME.RecipientFiles = []string{p.path("bob-carol.pem")}
			}
			d := &mailsender.DKIM{KeyFile: "testdata/dkim-rsa.pem", Domain: "example.test",
				Selector: "sel", Canonicalization: tt.canon}
			if _, err := s.SendCertified(context.Background(), smimeMessage(), d); err != nil {
				t.Fatalf("SendCertified: %v", err)
			}
			got := f.received()
			if len(got) != 1 || !bytes.HasPrefix(got[0], []byte("DKIM-Signature: ")) {
				t.Fatalf("server received %d messages, want one starting with DKIM-Signature", len(got))
			}
			dkimVerify(t, got[0])
			signed := got[0]
			if tt.encrypt {
				signed = opensslDecrypt(t, p, got[0], "carol.pem", "carol.key")
			}
			if content := opensslVerify(t, p, signed); !bytes.Equal(content, want) {
				t.Errorf("signed content\n%q\nwant\n%q", content, want)
			}
		})
	}
}

// TestSMIMERefusedNothingSent: a signing or recipient certificate that
// cannot be used, a key that does not belong to its certificate, a
// recipient without a certificate and settings that do not go together
// each give a *FieldError naming the setting (with the smime error
// inside), and neither Send connects nor Enqueue stores anything.
func TestSMIMERefusedNothingSent(t *testing.T) {
	p := getPKI(t)
	signPEM := func(cert, key string) *mailsender.SMIME {
		return &mailsender.SMIME{CertFile: p.path(cert), KeyFile: p.path(key)}
	}
	bobAndCarol := []string{p.path("bob-carol.pem")}
	tests := []struct {
		name    string
		c       *mailsender.SMIME
		field   string
		problem smime.CertProblem // 0: not a certificate error
		sentry  error             // nil: none to check
	}{
		{"wrong key for the certificate", signPEM("alice-chain.pem", "bob.key"), "SMIME.KeyFile",
			smime.CertUnsupportedKey, nil},
		{"expired signer", signPEM("expired.pem", "alice.key"), "SMIME.CertFile", smime.CertExpired, nil},
		{"signer without emailProtection", signPEM("server-only.pem", "alice.key"), "SMIME.CertFile",
			smime.CertWrongUsage, nil},
		{"Signer value expired", &mailsender.SMIME{Signer: &smime.Signer{Certificate: p.expired, Key: p.aliceKey}},
			"SMIME.Signer", smime.CertExpired, nil},
		{"expired recipient", &mailsender.SMIME{Recipients: []*x509.Certificate{p.bob, p.expired}},
			"SMIME.Recipients[1]", smime.CertExpired, nil},
		{"recipient without emailProtection", &mailsender.SMIME{RecipientFiles: []string{p.path("server-only.pem")}},
			"SMIME.RecipientFiles[0]", smime.CertWrongUsage, nil},
		{"Cc recipient without a certificate", &mailsender.SMIME{RecipientFiles: []string{p.path("bob.pem")}},
			"Message.Cc[0]", 0, mailsender.ErrNoRecipientCertificate},
		{"Bcc recipient without a certificate", &mailsender.SMIME{RecipientFiles: bobAndCarol},
			"Message.Bcc[0]", 0, mailsender.ErrNoRecipientCertificate},
		{"signer does not name From", signPEM("no-email.pem", "alice.key"), "SMIME.CertFile", 0, nil},
		{"missing recipient file", &mailsender.SMIME{RecipientFiles: []string{p.path("nobody.pem")}},
			"SMIME.RecipientFiles[0]", 0, os.ErrNotExist},
		{"missing key file", signPEM("alice-chain.pem", "nobody.key"), "SMIME.KeyFile", 0, os.ErrNotExist},
		{"cert without key", &mailsender.SMIME{CertFile: p.path("alice-chain.pem")}, "SMIME.KeyFile", 0, nil},
		{"wrong PFX password", &mailsender.SMIME{PFXFile: p.path("alice.p12"), PFXPassword: "wrong"},
			"SMIME.PFXFile", 0, nil},
		{"PFX and PEM", &mailsender.SMIME{PFXFile: p.path("alice.p12"), CertFile: p.path("alice-chain.pem"),
			KeyFile: p.path("alice.key")}, "SMIME.PFXFile", 0, nil},
		{"nothing to do", &mailsender.SMIME{}, "Sender.SMIME", 0, nil},
		{"SHA-1", &mailsender.SMIME{RecipientFiles: bobAndCarol, Hash: crypto.SHA1}, "SMIME.Hash", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeServer(t, nil)
			s := sender(f)
			s.SMIME = tt.c
			m := smimeMessage()
			if tt.name == "Bcc recipient without a certificate" {
				m.Bcc = []string{"hidden@example.test"}
			}
			_, err := s.Send(context.Background(), m)
			checkSMIMEError(t, err, tt.field, tt.problem, tt.sentry)
			if n := f.connections(); n != 0 {
				t.Errorf("Send connected %d times, want none", n)
			}
			sp := openSpool(t)
			_, err = s.Enqueue(context.Background(), sp, smimeMessageWith(m), nil)
			checkSMIMEError(t, err, tt.field, tt.problem, tt.sentry)
			if ids, _ := sp.IDs(false); len(ids) != 0 {
				t.Errorf("spool holds %v after a refused Enqueue", ids)
			}
		})
	}
}

// smimeMessageWith copies m with fresh attachment readers.
func smimeMessageWith(m *mailsender.Message) *mailsender.Message {
	c := *smimeMessage()
	c.Bcc = m.Bcc
	return &c
}

func checkSMIMEError(t *testing.T, err error, field string, problem smime.CertProblem, sentry error) {
	t.Helper()
	var fe *mailsender.FieldError
	if !errors.As(err, &fe) || fe.Field != field {
		t.Fatalf("error = %v, want a *FieldError for %s", err, field)
	}
	var ce *smime.CertificateError
	if problem != 0 && (!errors.As(err, &ce) || ce.Problem != problem) {
		t.Errorf("error = %v, want a *smime.CertificateError %v inside", err, problem)
	}
	if sentry != nil && !errors.Is(err, sentry) {
		t.Errorf("error = %v, want errors.Is %v", err, sentry)
	}
	if !strings.HasPrefix(err.Error(), "mailsender: "+field+": ") {
		t.Errorf("error text %q does not start with the package and the field", err)
	}
}

// TestSMIMEAnyAddress: with AnyAddress, a signing certificate without the
// From address signs, and a recipient without a certificate is accepted.
func TestSMIMEAnyAddress(t *testing.T) {
	p := getPKI(t)
	s := offlineSender()
	s.SMIME = &mailsender.SMIME{CertFile: p.path("no-email.pem"), KeyFile: p.path("alice.key"),
		RecipientFiles: []string{p.path("bob.pem")}, AnyAddress: true}
	if err := s.Compose(io.Discard, smimeMessage(), nil); err != nil {
		t.Fatalf("Compose with AnyAddress: %v", err)
	}
}

// TestEnqueueAppliesSMIME: Enqueue spools exactly what Compose writes
// with the same S/MIME settings (an RSA signature is deterministic), and
// an encrypted spooled message decrypts to the composed entity.
func TestEnqueueAppliesSMIME(t *testing.T) {
	p := getPKI(t)
	s := offlineSender()
	s.SMIME = &mailsender.SMIME{CertFile: p.path("alice-chain.pem"), KeyFile: p.path("alice.key")}
	want := composed(t, s, smimeMessage(), nil)
	if got := enqueued(t, s); !bytes.Equal(got, want) {
		t.Errorf("spooled message:\n%q\nwant what Compose writes:\n%q", clip(got), clip(want))
	}

	s.SMIME.RecipientFiles = []string{p.path("bob-carol.pem")}
	got := enqueued(t, s)
	inner, err := smime.Decrypt(bytes.NewReader(got), p.bob, p.bobKey)
	if err != nil {
		t.Fatalf("Decrypt of the spooled message: %v", err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(p.root)
	v, err := smime.Verify(bytes.NewReader(inner), roots, nil)
	if err != nil || !bytes.Equal(v.Content, plainEntity(t, smimeMessage)) {
		t.Errorf("Verify of the decrypted spooled message = %v, %v; want the composed entity", v, err)
	}
}

// enqueued enqueues smimeMessage with s (Rand reseeded) and returns the
// spooled bytes.
func enqueued(t *testing.T, s *mailsender.Sender) []byte {
	t.Helper()
	sp := openSpool(t)
	s.Rand = seeded()
	id, err := s.Enqueue(context.Background(), sp, smimeMessage(), nil)
	if err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	f, err := sp.OpenMessage(id)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSMIMEThenDKIMOrderSEC30 (SEC-30, CASE-25 through the facade): a body
// with LF line ends and lines that start with a dot is made CRLF, S/MIME
// signed, DKIM-signed, then dot-stuffed on the wire. What the server takes
// in (un-stuffed) is exactly what Compose writes, holds no bare LF, and
// both signatures verify over it; the signed entity has the body with
// CRLF line ends.
func TestSMIMEThenDKIMOrderSEC30(t *testing.T) {
	p := getPKI(t)
	needOpenSSL(t)
	body := ".first line is a dot line\n..two dots\nplain\n.\n"
	msg := func() *mailsender.Message {
		return &mailsender.Message{From: "alice@example.test", To: []string{"bob@example.test"},
			Subject: "dots", Body: body}
	}
	f := newFakeServer(t, nil)
	s := sender(f)
	s.SMIME = &mailsender.SMIME{CertFile: p.path("alice-chain.pem"), KeyFile: p.path("alice.key")}
	d := &mailsender.DKIM{KeyFile: "testdata/dkim-rsa.pem", Domain: "example.test", Selector: "sel",
		Canonicalization: "simple/simple"}
	want := composed(t, s, msg(), d)
	if _, err := s.SendCertified(context.Background(), msg(), d); err != nil {
		t.Fatalf("SendCertified: %v", err)
	}
	got := f.received()
	if len(got) != 1 || !bytes.Equal(got[0], want) {
		t.Fatalf("server received %d messages, want exactly what Compose writes", len(got))
	}
	if bytes.Contains(bytes.ReplaceAll(got[0], []byte("\r\n"), nil), []byte("\n")) {
		t.Error("a bare LF reached the server")
	}
	dkimVerify(t, got[0])
	content := opensslVerify(t, p, got[0])
	crlf := strings.ReplaceAll(body, "\n", "\r\n")
	if !bytes.HasSuffix(content, []byte("\r\n\r\n"+crlf)) {
		t.Errorf("signed entity %q does not end with the CRLF body %q", content, crlf)
	}
}
