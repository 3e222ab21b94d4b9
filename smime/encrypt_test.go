// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/smallstep/pkcs7"
)

func encryptOrFail(t *testing.T, entity string, recips []*x509.Certificate, o *EncryptOptions) *Entity {
	t.Helper()
	e, err := Encrypt(strings.NewReader(entity), recips, o)
	if err != nil {
		t.Fatalf("Encrypt: %v", err)
	}
	return e
}

func opensslDecrypt(t *testing.T, p *testPKI, enc []byte, who string) []byte {
	t.Helper()
	f := writeTemp(t, "enc.eml", append([]byte("MIME-Version: 1.0\r\n"), enc...))
	return mustOpenSSL(t, nil, "cms", "-decrypt", "-in", f, "-recip", p.path(who+".pem"), "-inkey", p.path(who+".key"))
}

// TestEncryptOpenSSLDecrypts: openssl cms -decrypt recovers every entity
// we encrypt byte for byte, with each cipher, for every recipient.
func TestEncryptOpenSSLDecrypts(t *testing.T) {
	p := getPKI(t)
	recips := []*x509.Certificate{p.recipient, p.other}
	for name, entity := range testEntities {
		for _, c := range []Cipher{AES256CBC, AES128CBC, AES128GCM, AES256GCM} {
			t.Run(fmt.Sprintf("%s/%v", name, c), func(t *testing.T) {
				want, err := canonicalize([]byte(entity))
				if err != nil {
					t.Fatal(err)
				}
				e := encryptOrFail(t, entity, recips, &EncryptOptions{Cipher: c})
				for _, who := range []string{"recipient", "other"} {
					if got := opensslDecrypt(t, p, e.Bytes(), who); !bytes.Equal(got, want) {
						t.Errorf("%s: openssl decrypted %q, want %q", who, got, want)
					}
				}
				got, err := Decrypt(bytes.NewReader(e.Bytes()), p.recipient, p.recipientKey)
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("Decrypt = %q, %v; want %q", got, err, want)
				}
			})
		}
	}
}

// TestEncryptCipherOID checks the content cipher written into the CMS
// object.
func TestEncryptCipherOID(t *testing.T) {
	p := getPKI(t)
	for c, want := range map[Cipher]string{AES256CBC: "aes-256-cbc (", AES128CBC: "aes-128-cbc (",
		AES128GCM: "aes-128-gcm (", AES256GCM: "aes-256-gcm ("} {
		e := encryptOrFail(t, testEntities["ascii"], []*x509.Certificate{p.recipient}, &EncryptOptions{Cipher: c})
		f := writeTemp(t, "enc.eml", e.Bytes())
		out := mustOpenSSL(t, nil, "cms", "-cmsout", "-print", "-in", f)
		if !strings.Contains(string(out), want) {
			t.Errorf("%v: cms -print lacks %s", c, want)
		}
	}
	if _, err := Encrypt(strings.NewReader(testEntities["ascii"]), []*x509.Certificate{p.recipient},
		&EncryptOptions{Cipher: Cipher(99)}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Encrypt(Cipher(99)) = %v, want ErrUnsupported", err)
	}
}

// TestCASE27EncryptStructure: (c) encrypted and signed-then-encrypted
// output is application/pkcs7-mime; smime-type=enveloped-data;
// name=smime.p7m in base64, and a message without smime-type (as Outlook
// sends) is still recognised from its CMS content type.
func TestCASE27EncryptStructure(t *testing.T) {
	p := getPKI(t)
	recips := []*x509.Certificate{p.recipient}
	enc := encryptOrFail(t, testEntities["ascii"], recips, nil)
	both, err := SignAndEncrypt(strings.NewReader(testEntities["ascii"]), p.signer, recips, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, e := range map[string]*Entity{"encrypted": enc, "signed+encrypted": both} {
		want := []Field{
			{"Content-Type", "application/pkcs7-mime; smime-type=enveloped-data; name=\"smime.p7m\""},
			{"Content-Transfer-Encoding", "base64"},
			{"Content-Disposition", "attachment; filename=\"smime.p7m\""},
		}
		if fmt.Sprint(e.Header) != fmt.Sprint(want) {
			t.Errorf("%s header = %v, want %v", name, e.Header, want)
		}
		outlook := bytes.Replace(e.Bytes(), []byte("application/pkcs7-mime; smime-type=enveloped-data;"),
			[]byte("application/pkcs7-mime;"), 1)
		if _, err := Decrypt(bytes.NewReader(outlook), p.recipient, p.recipientKey); err != nil {
			t.Errorf("%s without smime-type: Decrypt: %v", name, err)
		}
	}
	signed := signOrFail(t, testEntities["ascii"], p.signer, &SignOptions{Opaque: true})
	noType := bytes.Replace(signed.Bytes(), []byte(" smime-type=signed-data;"), nil, 1)
	if _, err := Verify(bytes.NewReader(noType), p.roots(), nil); err != nil {
		t.Errorf("signed-data without smime-type: Verify: %v", err)
	}
	if _, err := Verify(bytes.NewReader(enc.Bytes()), p.roots(), nil); !errors.Is(err, ErrNotSigned) {
		t.Errorf("Verify(encrypted) = %v, want ErrNotSigned", err)
	}
}

// TestEncryptCertificateErrors: expired, wrong-usage and non-RSA
// recipient certificates are refused before anything is produced.
func TestEncryptCertificateErrors(t *testing.T) {
	p := getPKI(t)
	tests := []struct {
		name string
		c    *x509.Certificate
		now  time.Time
		want CertProblem
	}{
		{"expired", p.expired.Certificate, time.Time{}, CertExpired},
		{"expired later", p.recipient, time.Now().Add(30 * 24 * time.Hour), CertExpired},
		{"server auth only", p.serverOnly.Certificate, time.Time{}, CertWrongUsage},
		{"no key encipherment", p.signerEC.Certificate, time.Time{}, CertUnsupportedKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &EncryptOptions{}
			if !tt.now.IsZero() {
				o.Now = func() time.Time { return tt.now }
			}
			e, err := Encrypt(strings.NewReader(testEntities["ascii"]), []*x509.Certificate{p.recipient, tt.c}, o)
			if e != nil {
				t.Error("Encrypt returned an entity along with an error")
			}
			assertCertProblem(t, err, tt.want)
		})
	}
	if _, err := Encrypt(strings.NewReader(testEntities["ascii"]), nil, nil); err == nil {
		t.Error("Encrypt with no recipients succeeded")
	}
}

// TestDecryptErrors: a wrong recipient certificate, a wrong key, and
// input that is not enveloped-data each give their own error.
func TestDecryptErrors(t *testing.T) {
	p := getPKI(t)
	enc := encryptOrFail(t, testEntities["ascii"], []*x509.Certificate{p.recipient}, nil).Bytes()
	gcm := encryptOrFail(t, testEntities["ascii"], []*x509.Certificate{p.recipient}, &EncryptOptions{Cipher: AES256GCM}).Bytes()
	signed := signOrFail(t, testEntities["ascii"], p.signer, nil).Bytes()
	tests := []struct {
		name string
		msg  []byte
		cert *x509.Certificate
		key  any
		want error
	}{
		{"not a recipient", enc, p.other, p.otherKey, ErrNotRecipient},
		{"wrong key", enc, p.recipient, p.otherKey, ErrDecrypt},
		{"signed, not encrypted", signed, p.recipient, p.recipientKey, ErrNotEncrypted},
		{"ecdsa key", enc, p.recipient, p.signerEC.Key, ErrUnsupported},
		{"gcm: not a recipient", gcm, p.other, p.otherKey, ErrNotRecipient},
		{"gcm: wrong key", gcm, p.recipient, p.otherKey, ErrDecrypt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Decrypt(bytes.NewReader(tt.msg), tt.cert, tt.key)
			if !errors.Is(err, tt.want) || out != nil {
				t.Errorf("Decrypt = %q, %v; want %v", out, err, tt.want)
			}
		})
	}
	var fe *FormatError
	if _, err := Decrypt(strings.NewReader("Content-Type: text/plain\r\n\r\nx"), p.recipient, p.recipientKey); !errors.As(err, &fe) {
		t.Errorf("Decrypt(text/plain) = %v, want *FormatError", err)
	}
}

// TestNoRecipientText guards the library error text decryptError matches.
func TestNoRecipientText(t *testing.T) {
	p := getPKI(t)
	der, err := envelope([]byte("x"), []*x509.Certificate{p.recipient}, pkcs7.EncryptionAlgorithmAES256CBC)
	if err != nil {
		t.Fatal(err)
	}
	p7, err := pkcs7.Parse(der)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p7.Decrypt(p.other, p.otherKey); err == nil || err.Error() != noRecipient {
		t.Errorf("pkcs7 Decrypt for a non-recipient = %v, want %q", err, noRecipient)
	}
}

// TestEncryptGCMStructure: GCM output is authEnveloped-data (RFC 8551
// §3.2.2, §3.4) and openssl cms -decrypt reads it after
// sign-then-encrypt too.
func TestEncryptGCMStructure(t *testing.T) {
	p := getPKI(t)
	e, err := SignAndEncrypt(strings.NewReader(testEntities["ascii"]), p.signer, []*x509.Certificate{p.recipient},
		nil, &EncryptOptions{Cipher: AES128GCM})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := e.Get("Content-Type"), "application/pkcs7-mime; smime-type=authEnveloped-data; name=\"smime.p7m\""; got != want {
		t.Errorf("Content-Type = %q, want %q", got, want)
	}
	signed := opensslDecrypt(t, p, e.Bytes(), "recipient")
	if got := opensslVerify(t, p, signed); string(got) != testEntities["ascii"] {
		t.Errorf("openssl content = %q", got)
	}
	// A flipped ciphertext byte fails the GCM tag check.
	m, err := readMessage(bytes.NewReader(e.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	m.der[len(m.der)-gcmTagSize-3] ^= 1
	bad := pkcs7MIME("authEnveloped-data", m.der).Bytes()
	if _, err := Decrypt(bytes.NewReader(bad), p.recipient, p.recipientKey); !errors.Is(err, ErrDecrypt) {
		t.Errorf("Decrypt(tampered GCM) = %v, want ErrDecrypt", err)
	}
}
