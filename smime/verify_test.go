// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// opensslSign signs entity with openssl cms as alice (RSA or EC).
func opensslSign(t *testing.T, p *testPKI, entity []byte, who string, extra ...string) []byte {
	t.Helper()
	f := writeTemp(t, "in.txt", entity)
	args := append([]string{"cms", "-sign", "-md", "sha256", "-in", f,
		"-signer", p.path(who + ".pem"), "-inkey", p.path(who + ".key"), "-certfile", p.path("inter.pem")}, extra...)
	return mustOpenSSL(t, nil, args...)
}

// TestVerifyOpenSSLSigned: messages signed by openssl cms (detached and
// opaque, cms and the older smime command, RSA and EC) verify with us and
// give back the signed entity.
func TestVerifyOpenSSLSigned(t *testing.T) {
	p := getPKI(t)
	entity := []byte("Content-Type: text/plain\r\n\r\nsigned by openssl\r\n")
	tests := []struct {
		name   string
		who    string
		extra  []string
		opaque bool
	}{
		{"cms detached rsa", "signer", nil, false},
		{"cms opaque rsa", "signer", []string{"-nodetach"}, true},
		{"cms detached ec", "signer-ec", nil, false},
		{"cms opaque ec", "signer-ec", []string{"-nodetach"}, true},
		{"cms detached sha512", "signer", []string{"-md", "sha512"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := opensslSign(t, p, entity, tt.who, tt.extra...)
			v, err := Verify(bytes.NewReader(msg), p.roots(), nil)
			if err != nil {
				t.Fatalf("Verify: %v\n%s", err, msg)
			}
			if !bytes.Equal(v.Content, entity) || v.Opaque != tt.opaque {
				t.Errorf("Verify = %q opaque=%v, want %q opaque=%v", v.Content, v.Opaque, entity, tt.opaque)
			}
			if !v.Signer.Equal(certFor(p, tt.who)) || len(v.Chain) < 2 || v.SigningTime.IsZero() {
				t.Errorf("Verify signer %v chain %d signing time %v", v.Signer.Subject, len(v.Chain), v.SigningTime)
			}
		})
	}
	t.Run("smime legacy command", func(t *testing.T) {
		f := writeTemp(t, "in.txt", entity)
		msg := mustOpenSSL(t, nil, "smime", "-sign", "-in", f, "-signer", p.path("signer.pem"),
			"-inkey", p.path("signer.key"), "-certfile", p.path("inter.pem"))
		if _, err := Verify(bytes.NewReader(msg), p.roots(), nil); err != nil {
			t.Fatalf("Verify: %v", err)
		}
	})
	t.Run("lf line ends", func(t *testing.T) {
		msg := opensslSign(t, p, entity, "signer")
		lf := bytes.ReplaceAll(msg, []byte("\r\n"), []byte("\n"))
		if _, err := Verify(bytes.NewReader(lf), p.roots(), nil); err != nil {
			t.Fatalf("Verify(LF copy): %v", err)
		}
	})
}

func certFor(p *testPKI, who string) *x509.Certificate {
	if who == "signer-ec" {
		return p.signerEC.Certificate
	}
	return p.signer.Certificate
}

// TestVerifyTampered: a changed body gives ErrDigestMismatch, for our
// signatures and openssl's, detached and opaque.
func TestVerifyTampered(t *testing.T) {
	p := getPKI(t)
	entity := "Content-Type: text/plain\r\n\r\nPay 100 EUR\r\n"
	ours := signOrFail(t, entity, p.signer, nil).Bytes()
	theirs := opensslSign(t, p, []byte(entity), "signer")
	for name, msg := range map[string][]byte{"ours": ours, "openssl": theirs} {
		bad := bytes.Replace(msg, []byte("Pay 100 EUR"), []byte("Pay 900 EUR"), 1)
		if _, err := Verify(bytes.NewReader(bad), p.roots(), nil); !errors.Is(err, ErrDigestMismatch) {
			t.Errorf("%s: Verify(tampered) = %v, want ErrDigestMismatch", name, err)
		}
	}
	// Opaque: flip a byte of the content inside the CMS object.
	opaque := signOrFail(t, entity, p.signer, &SignOptions{Opaque: true})
	m, err := readMessage(bytes.NewReader(opaque.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	der := bytes.Replace(m.der, []byte("Pay 100"), []byte("Pay 900"), 1)
	bad := pkcs7MIME("signed-data", der).Bytes()
	if _, err := Verify(bytes.NewReader(bad), p.roots(), nil); !errors.Is(err, ErrDigestMismatch) {
		t.Errorf("opaque: Verify(tampered) = %v, want ErrDigestMismatch", err)
	}
}

// TestVerifyCertificateErrors: an untrusted root, a signer expired at
// verification time and a signer without emailProtection each give a
// *CertificateError.
func TestVerifyCertificateErrors(t *testing.T) {
	p := getPKI(t)
	msg := signOrFail(t, testEntities["ascii"], p.signer, nil).Bytes()
	_, err := Verify(bytes.NewReader(msg), x509.NewCertPool(), nil)
	assertCertProblem(t, err, CertUntrusted)

	later := &VerifyOptions{Now: func() time.Time { return time.Now().Add(30 * 24 * time.Hour) }}
	_, err = Verify(bytes.NewReader(msg), p.roots(), later)
	assertCertProblem(t, err, CertExpired)

	// A server-auth-only certificate signed by openssl (which we refuse to
	// sign with) must not verify for S/MIME.
	f := writeTemp(t, "server.pem", certPEM(p.serverOnly.Certificate))
	k := writeTemp(t, "server.key", keyPEM(p.serverOnly.Key))
	in := writeTemp(t, "in.txt", []byte(testEntities["ascii"]))
	bad := mustOpenSSL(t, nil, "cms", "-sign", "-in", in, "-signer", f, "-inkey", k)
	_, err = Verify(bytes.NewReader(bad), p.roots(), nil)
	assertCertProblem(t, err, CertWrongUsage)
}

func TestVerifyNotSigned(t *testing.T) {
	// Anything that is not S/MIME is ErrNotSigned, as the doc says; a
	// Content-Type that does not parse is malformed.
	for _, msg := range []string{"Content-Type: text/plain\r\n\r\nhi\r\n", "Subject: hi\r\n\r\nhi\r\n"} {
		if _, err := Verify(strings.NewReader(msg), nil, nil); !errors.Is(err, ErrNotSigned) {
			t.Errorf("Verify(%q) = %v, want ErrNotSigned", msg, err)
		}
	}
	var fe *FormatError
	if _, err := Verify(strings.NewReader("Content-Type: text/\r\n\r\nhi\r\n"), nil, nil); !errors.As(err, &fe) {
		t.Errorf("Verify(bad Content-Type) = %v, want *FormatError", err)
	}
	msg := "Content-Type: multipart/signed; protocol=\"application/pgp-signature\"; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b\r\n\r\ny\r\n--b--\r\n"
	if _, err := Verify(strings.NewReader(msg), nil, nil); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Verify(PGP) = %v, want ErrUnsupported", err)
	}
}

var base64Line = regexp.MustCompile(`(?m)^[A-Za-z0-9+/=]{76}\r$`)

// rewrap re-wraps every base64 body of 76-column lines to 64 columns, as
// a relay did in CASE-26.
func rewrap(t *testing.T, msg []byte) []byte {
	t.Helper()
	if !base64Line.Match(msg) {
		t.Fatalf("no 76-column base64 line to rewrap in %q", msg)
	}
	var out bytes.Buffer
	var run string
	flush := func() {
		for len(run) > 64 {
			out.WriteString(run[:64] + "\r\n")
			run = run[64:]
		}
		if run != "" {
			out.WriteString(run + "\r\n")
		}
		run = ""
	}
	for _, line := range strings.SplitAfter(string(msg), "\r\n") {
		l := strings.TrimSuffix(line, "\r\n")
		if len(l) == 76 && base64Line.MatchString(l+"\r") || run != "" && regexp.MustCompile(`^[A-Za-z0-9+/=]+$`).MatchString(l) {
			run += l
			continue
		}
		flush()
		out.WriteString(line)
	}
	flush()
	return out.Bytes()
}

// TestCASE26RelayRewrap: a relay re-wraps base64 from 76 to 64 columns.
// The signed part is written as base64 at 76 columns, 7-bit, CRLF; after
// the re-wrap the detached signature fails with ErrDigestMismatch while
// the opaque one still verifies, which is the trade-off on record.
func TestCASE26RelayRewrap(t *testing.T) {
	p := getPKI(t)
	attachment := bytes.Repeat([]byte{0x00, 0xff, 0x10, 0x80}, 100)
	entity := "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n" + string(attachment)

	detached := signOrFail(t, entity, p.signer, nil).Bytes()
	v, err := Verify(bytes.NewReader(detached), p.roots(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(v.Content), "Content-Transfer-Encoding: base64\r\n") || !base64Line.Match(v.Content) {
		t.Errorf("signed part is not base64 at 76 columns: %q", v.Content)
	}
	if _, err := Verify(bytes.NewReader(rewrap(t, detached)), p.roots(), nil); !errors.Is(err, ErrDigestMismatch) {
		t.Errorf("detached after re-wrap: Verify = %v, want ErrDigestMismatch", err)
	}

	opaque := signOrFail(t, entity, p.signer, &SignOptions{Opaque: true}).Bytes()
	if _, err := Verify(bytes.NewReader(rewrap(t, opaque)), p.roots(), nil); err != nil {
		t.Errorf("opaque after re-wrap: Verify = %v, want success", err)
	}
	f := writeTemp(t, "opaque.eml", rewrap(t, opaque))
	mustOpenSSL(t, nil, "cms", "-verify", "-in", f, "-CAfile", p.path("ca.pem"), "-purpose", "smimesign")

	// A quoted-printable part never ends in a soft line break.
	qp := "Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nno final newline=\r\n"
	v2, err := Verify(bytes.NewReader(signOrFail(t, qp, p.signer, nil).Bytes()), p.roots(), nil)
	if err != nil || bytes.HasSuffix(bytes.TrimRight(v2.Content, "\r\n"), []byte("=")) {
		t.Errorf("QP signed part ends in a soft break: %q, %v", v2.Content, err)
	}
}

// TestDecryptOpenSSLEncrypted: messages encrypted by openssl cms are
// decrypted by us, AES-GCM (authEnveloped-data, RFC 5083) included.
func TestDecryptOpenSSLEncrypted(t *testing.T) {
	p := getPKI(t)
	entity := []byte("Content-Type: text/plain\r\n\r\nencrypted by openssl\r\n")
	f := writeTemp(t, "in.txt", entity)
	for _, c := range []string{"aes-256-cbc", "aes-128-cbc", "des-ede3-cbc", "aes-128-gcm", "aes-192-gcm", "aes-256-gcm"} {
		t.Run(c, func(t *testing.T) {
			msg := mustOpenSSL(t, nil, "cms", "-encrypt", "-"+c, "-in", f, "-binary", p.path("recipient.pem"))
			got, err := Decrypt(bytes.NewReader(msg), p.recipient, p.recipientKey)
			if err != nil || !bytes.Equal(got, entity) {
				t.Errorf("Decrypt = %q, %v; want %q", got, err, entity)
			}
		})
	}
}

// TestSignThenEncryptInterop: our SignAndEncrypt is decrypted and verified
// by openssl, and openssl's sign-then-encrypt is decrypted and verified
// by us.
func TestSignThenEncryptInterop(t *testing.T) {
	p := getPKI(t)
	entity := []byte(testEntities["utf8"])
	want, err := canonicalize(entity)
	if err != nil {
		t.Fatal(err)
	}
	for _, opaque := range []bool{false, true} {
		t.Run(fmt.Sprintf("ours/opaque=%v", opaque), func(t *testing.T) {
			e, err := SignAndEncrypt(bytes.NewReader(entity), p.signer, []*x509.Certificate{p.recipient},
				&SignOptions{Opaque: opaque}, nil)
			if err != nil {
				t.Fatal(err)
			}
			signed := opensslDecrypt(t, p, e.Bytes(), "recipient")
			if got := opensslVerify(t, p, signed); !bytes.Equal(got, want) {
				t.Errorf("openssl content = %q, want %q", got, want)
			}
		})
	}
	t.Run("openssl", func(t *testing.T) {
		signed := opensslSign(t, p, want, "signer")
		f := writeTemp(t, "signed.eml", signed)
		enc := mustOpenSSL(t, nil, "cms", "-encrypt", "-aes-256-cbc", "-in", f, "-binary", p.path("recipient.pem"))
		dec, err := Decrypt(bytes.NewReader(enc), p.recipient, p.recipientKey)
		if err != nil {
			t.Fatal(err)
		}
		v, err := Verify(bytes.NewReader(dec), p.roots(), nil)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		if !bytes.Equal(v.Content, want) {
			t.Errorf("Verify content %q, want %q", v.Content, want)
		}
	})
}

// TestLoadPKCS12 reads PKCS#12 files openssl writes in the OpenSSL 3
// default format and in the legacy 3DES/SHA-1 format, signs with them,
// and checks openssl verifies the result; a wrong password is an error.
func TestLoadPKCS12(t *testing.T) {
	p := getPKI(t)
	dir := t.TempDir()
	formats := map[string][]string{
		"default": nil,
		"legacy":  {"-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-3DES", "-macalg", "sha1"},
	}
	for name, extra := range formats {
		t.Run(name, func(t *testing.T) {
			out := dir + "/" + name + ".p12"
			args := append([]string{"pkcs12", "-export", "-in", p.path("signer.pem"), "-inkey", p.path("signer.key"),
				"-certfile", p.path("inter.pem"), "-passout", "pass:test", "-out", out}, extra...)
			mustOpenSSL(t, nil, args...)
			pfx, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			s, err := LoadPKCS12(pfx, "test")
			if err != nil {
				t.Fatalf("LoadPKCS12: %v", err)
			}
			if !s.Certificate.Equal(p.signer.Certificate) || len(s.Chain) != 1 {
				t.Fatalf("LoadPKCS12: cert %v chain %d", s.Certificate.Subject, len(s.Chain))
			}
			opensslVerify(t, p, signOrFail(t, testEntities["ascii"], s, nil).Bytes())
			if _, err := LoadPKCS12(pfx, "wrong"); err == nil || !strings.Contains(err.Error(), "wrong password") {
				t.Errorf("LoadPKCS12(wrong password) = %v", err)
			}
		})
	}
}

// TestNewSigner reads PEM certificate chain and key files.
func TestNewSigner(t *testing.T) {
	p := getPKI(t)
	chain := append(certPEM(p.signer.Certificate), certPEM(p.inter)...)
	s, err := NewSigner(chain, keyPEM(p.signer.Key))
	if err != nil {
		t.Fatal(err)
	}
	if !s.Certificate.Equal(p.signer.Certificate) || len(s.Chain) != 1 || !s.Chain[0].Equal(p.inter) {
		t.Errorf("NewSigner: cert %v chain %d", s.Certificate.Subject, len(s.Chain))
	}
	_, err = NewSigner(chain, keyPEM(p.otherKey))
	assertCertProblem(t, err, CertUnsupportedKey)
	if _, err := NewSigner([]byte("junk"), keyPEM(p.otherKey)); err == nil {
		t.Error("NewSigner(junk) succeeded")
	}
}
