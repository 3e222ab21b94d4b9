// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
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
		{"ec without key agreement", p.signerEC.Certificate, time.Time{}, CertWrongUsage},
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
		{"ed25519 key", enc, p.recipient, ed25519.NewKeyFromSeed(make([]byte, 32)), ErrUnsupported},
		{"ec key, message for rsa only", enc, p.recipientEC, p.recipECKey, ErrNotRecipient},
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
	// Anything that is not enveloped-data is ErrNotEncrypted, as the doc
	// says (a fresh-user review found text/plain reported as malformed);
	// a Content-Type that does not parse is malformed.
	for _, msg := range []string{"Content-Type: text/plain\r\n\r\nx", "Subject: hi\r\n\r\nx"} {
		if _, err := Decrypt(strings.NewReader(msg), p.recipient, p.recipientKey); !errors.Is(err, ErrNotEncrypted) {
			t.Errorf("Decrypt(%q) = %v, want ErrNotEncrypted", msg, err)
		}
	}
	var fe *FormatError
	if _, err := Decrypt(strings.NewReader("Content-Type: text/\r\n\r\nx"), p.recipient, p.recipientKey); !errors.As(err, &fe) {
		t.Errorf("Decrypt(bad Content-Type) = %v, want *FormatError", err)
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

// TestDecryptOAEP: messages openssl encrypts with RSAES-OAEP key
// transport (RFC 8551 §2.3: receivers SHOULD+ support it), with its
// default SHA-1 and with SHA-256, open with Decrypt for AES-GCM and
// AES-CBC.
func TestDecryptOAEP(t *testing.T) {
	p := getPKI(t)
	entity := []byte("Content-Type: text/plain\r\n\r\nkey sent with OAEP\r\n")
	f := writeTemp(t, "in.txt", entity)
	for _, c := range []string{"aes-256-gcm", "aes-128-gcm", "aes-256-cbc"} {
		for _, md := range []string{"", "sha256", "sha512"} {
			args := []string{"cms", "-encrypt", "-" + c, "-in", f, "-binary", "-recip", p.path("recipient.pem"),
				"-keyopt", "rsa_padding_mode:oaep"}
			if md != "" {
				args = append(args, "-keyopt", "rsa_oaep_md:"+md)
			}
			msg := mustOpenSSL(t, nil, args...)
			got, err := Decrypt(bytes.NewReader(msg), p.recipient, p.recipientKey)
			if err != nil || !bytes.Equal(got, entity) {
				t.Errorf("%s OAEP %q: Decrypt = %q, %v; want %q", c, md, got, err, entity)
			}
			if _, err := Decrypt(bytes.NewReader(msg), p.recipient, p.otherKey); !errors.Is(err, ErrDecrypt) {
				t.Errorf("%s OAEP %q with the wrong key: Decrypt = %v, want ErrDecrypt", c, md, err)
			}
		}
	}
}

// TestParseOAEP: defaults, explicit hashes and label, and parameters this
// package does not implement.
func TestParseOAEP(t *testing.T) {
	alg := func(oid asn1.ObjectIdentifier, params []byte) []byte {
		if params == nil {
			return derSeq(mustMarshal(oid))
		}
		return derSeq(mustMarshal(oid), params)
	}
	sha256 := alg(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}, nil)
	md5 := alg(asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 5}, nil)
	tests := []struct {
		name   string
		der    []byte
		hash   crypto.Hash
		mgf    crypto.Hash
		label  string
		failed bool
	}{
		{"absent", nil, crypto.SHA1, crypto.SHA1, "", false},
		{"empty sequence", derSeq(), crypto.SHA1, crypto.SHA1, "", false},
		{"sha256 with label", derSeq(der(0xa0, sha256), der(0xa1, alg(oidMGF1, sha256)),
			der(0xa2, alg(oidPSpecified, der(0x04, []byte("L"))))), crypto.SHA256, crypto.SHA256, "L", false},
		{"md5", derSeq(der(0xa0, md5)), 0, 0, "", true},
		{"unknown mgf", derSeq(der(0xa1, alg(oidRSA, sha256))), 0, 0, "", true},
		{"trailing data", append(derSeq(), 0), 0, 0, "", true},
	}
	for _, tt := range tests {
		o, err := parseOAEP(tt.der)
		if tt.failed {
			if !errors.Is(err, ErrUnsupported) {
				t.Errorf("%s: parseOAEP = %v, want ErrUnsupported", tt.name, err)
			}
			continue
		}
		if err != nil || o.Hash != tt.hash || o.MGFHash != tt.mgf || string(o.Label) != tt.label {
			t.Errorf("%s: parseOAEP = %+v, %v; want hash %v, MGF %v, label %q", tt.name, o, err, tt.hash, tt.mgf, tt.label)
		}
	}
}

// TestDecryptNoOracle: a wrong RSA key and a damaged last CBC block (bad
// padding) give the very same error, so that Decrypt cannot serve as a
// padding oracle (RFC 3218).
func TestDecryptNoOracle(t *testing.T) {
	p := getPKI(t)
	for _, c := range []Cipher{AES256CBC, AES128GCM} {
		e := encryptOrFail(t, testEntities["ascii"], []*x509.Certificate{p.recipient}, &EncryptOptions{Cipher: c})
		_, wrongKey := Decrypt(bytes.NewReader(e.Bytes()), p.recipient, p.otherKey)
		m, err := readMessage(bytes.NewReader(e.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		tail := 1 // the last padding byte of CBC
		if c == AES128GCM {
			tail = gcmTagSize + 3 // a ciphertext byte before the tag
		}
		m.der[len(m.der)-tail] ^= 0x5a
		_, damaged := Decrypt(bytes.NewReader(pkcs7MIME("enveloped-data", m.der).Bytes()), p.recipient, p.recipientKey)
		if wrongKey != ErrDecrypt || damaged != ErrDecrypt {
			t.Errorf("%v: wrong key gives %v, damaged content %v; want both exactly ErrDecrypt", c, wrongKey, damaged)
		}
	}
}

func TestUnpad(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"abcdefg\x01", "abcdefg", true},
		{"abcd\x04\x04\x04\x04", "abcd", true},
		{"\x08\x08\x08\x08\x08\x08\x08\x08", "", true},
		{"abcd\x03\x04\x04\x04", "", false},
		{"abcdefg\x00", "", false},
		{"abcdefg\x09", "", false},
	}
	for _, tt := range tests {
		got, err := unpad([]byte(tt.in), 8)
		if (err == nil) != tt.ok || string(got) != tt.want {
			t.Errorf("unpad(%q) = %q, %v; want %q (ok %v)", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// TestEncryptOAEP: with EncryptOptions.OAEP the content key goes with
// RSAES-OAEP, SHA-256 (openssl prints the algorithm), and openssl cms and
// Decrypt both open the message, for AES-CBC and AES-GCM.
func TestEncryptOAEP(t *testing.T) {
	p := getPKI(t)
	for _, c := range []Cipher{AES256CBC, AES256GCM} {
		e := encryptOrFail(t, testEntities["ascii"], []*x509.Certificate{p.recipient, p.other}, &EncryptOptions{Cipher: c, OAEP: true})
		f := writeTemp(t, "enc.eml", e.Bytes())
		out := string(mustOpenSSL(t, nil, "cms", "-cmsout", "-print", "-in", f))
		if strings.Count(out, "rsaesOaep") != 2 || !strings.Contains(out, ":sha256") || !strings.Contains(out, ":mgf1") {
			t.Errorf("%v: cms -print does not show RSAES-OAEP with SHA-256 for both recipients:\n%s", c, out)
		}
		if got := opensslDecrypt(t, p, e.Bytes(), "recipient"); string(got) != testEntities["ascii"] {
			t.Errorf("%v: openssl decrypted %q", c, got)
		}
		got, err := Decrypt(bytes.NewReader(e.Bytes()), p.other, p.otherKey)
		if err != nil || string(got) != testEntities["ascii"] {
			t.Errorf("%v: Decrypt = %q, %v", c, got, err)
		}
	}
}
