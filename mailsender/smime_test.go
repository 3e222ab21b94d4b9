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
	"slices"
	"strings"
	"testing"

	"github.com/mailwright/mailwright/mailsender"
	"github.com/mailwright/mailwright/smime"
)

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

// TestSMIMEAddressCase: the address checks ignore case and compare an
// internationalized domain in its A-label form, which certificates carry
// (RFC 8398 §3).
func TestSMIMEAddressCase(t *testing.T) {
	p := getPKI(t)
	for _, tt := range []struct {
		cert, from, to string
	}{
		{"idn.pem", "Alice <alice@bücher.example>", "bob@example.test"},
		{"idn.pem", "ALICE@BÜCHER.example", "BOB@Example.TEST"},
		{"alice-chain.pem", "Alice@EXAMPLE.test", "bob@example.test"},
	} {
		s := offlineSender()
		s.SMIME = &mailsender.SMIME{CertFile: p.path(tt.cert), KeyFile: p.path("alice.key"),
			RecipientFiles: []string{p.path("bob.pem")}}
		m := &mailsender.Message{From: tt.from, To: []string{tt.to}, Subject: "s", Body: "b"}
		if err := s.Compose(io.Discard, m, nil); err != nil {
			t.Errorf("From %q with %s, To %q: %v", tt.from, tt.cert, tt.to, err)
		}
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

// TestSMIMEThroughGmailAPI: with Host "Google API" the message handed to
// users.messages.send is the S/MIME one, exactly what Compose writes
// (signed: RSA signatures are deterministic), and an encrypted one opens
// as bob and verifies.
func TestSMIMEThroughGmailAPI(t *testing.T) {
	p := getPKI(t)
	needOpenSSL(t)
	api := newFakeAPI(t, gmailOK)
	s := apiSender(api, "Google API", nil)
	s.Password = "[oauth]tok"
	s.SMIME = &mailsender.SMIME{CertFile: p.path("alice-chain.pem"), KeyFile: p.path("alice.key")}
	want := composed(t, s, smimeMessage(), nil)
	if _, err := s.Send(context.Background(), smimeMessage()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := rawOf(t, api.received()[0].Body); !bytes.Equal(got, want) {
		t.Fatalf("Gmail received\n%q\nwant what Compose writes\n%q", clip(got), clip(want))
	}

	s.SMIME.RecipientFiles = []string{p.path("bob-carol.pem")}
	s.Rand = seeded() // the same boundaries as plainEntity's
	if _, err := s.Send(context.Background(), smimeMessage()); err != nil {
		t.Fatalf("Send encrypted: %v", err)
	}
	got := rawOf(t, api.received()[1].Body)
	signed := opensslDecrypt(t, p, got, "bob.pem", "bob.key")
	if content := opensslVerify(t, p, signed); !bytes.Equal(content, plainEntity(t, smimeMessage)) {
		t.Errorf("signed content\n%q\nwant the composed entity", content)
	}
}
