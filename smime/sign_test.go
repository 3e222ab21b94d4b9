// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/smallstep/pkcs7"
)

// entities used across the interoperability tests: plain text, 8-bit
// text, a multipart with an attachment, and text with LF line ends.
var testEntities = map[string]string{
	"ascii": "Content-Type: text/plain; charset=us-ascii\r\n\r\nhello world\r\n",
	"utf8": "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
		"Gr\xc3\xbc\xc3\x9fe aus K\xc3\xb6ln \r\n",
	"multipart": "Content-Type: multipart/mixed; boundary=\"xyz\"\r\n\r\n--xyz\r\n" +
		"Content-Type: text/plain\r\n\r\nsee attachment\r\n--xyz\r\n" +
		"Content-Type: application/octet-stream; name=\"a.bin\"\r\nContent-Transfer-Encoding: binary\r\n\r\n" +
		"\x00\x01\x02\xfe\xff\r\n--xyz--\r\n",
	"lf": "Content-Type: text/plain\n\nline one\nline two\n",
}

func signOrFail(t *testing.T, entity string, s *Signer, o *SignOptions) *Entity {
	t.Helper()
	e, err := Sign(strings.NewReader(entity), s, o)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return e
}

// opensslVerify runs openssl cms -verify on a signed entity against the
// test CA for S/MIME signing and returns the content it prints.
func opensslVerify(t *testing.T, p *testPKI, signed []byte) []byte {
	t.Helper()
	f := writeTemp(t, "signed.eml", append([]byte("MIME-Version: 1.0\r\n"), signed...))
	return mustOpenSSL(t, nil, "cms", "-verify", "-in", f, "-CAfile", p.path("ca.pem"),
		"-purpose", "smimesign")
}

// TestSignOpenSSLVerifies: openssl cms -verify accepts every detached and
// opaque signature we make, with RSA and ECDSA keys and every digest, and
// prints exactly the canonical entity we signed.
func TestSignOpenSSLVerifies(t *testing.T) {
	p := getPKI(t)
	signers := map[string]*Signer{"rsa": p.signer, "ecdsa": p.signerEC}
	for name, entity := range testEntities {
		for sname, s := range signers {
			for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512} {
				for _, opaque := range []bool{false, true} {
					t.Run(fmt.Sprintf("%s/%s/%v/opaque=%v", name, sname, h, opaque), func(t *testing.T) {
						e := signOrFail(t, entity, s, &SignOptions{Hash: h, Opaque: opaque})
						want, err := canonicalize([]byte(entity))
						if err != nil {
							t.Fatal(err)
						}
						got := opensslVerify(t, p, e.Bytes())
						if !bytes.Equal(got, want) {
							t.Errorf("openssl content = %q, want %q", got, want)
						}
						v, err := Verify(bytes.NewReader(e.Bytes()), p.roots(), nil)
						if err != nil {
							t.Fatalf("Verify: %v", err)
						}
						if !bytes.Equal(v.Content, want) || v.Opaque != opaque {
							t.Errorf("Verify = %q opaque=%v, want %q opaque=%v", v.Content, v.Opaque, want, opaque)
						}
					})
				}
			}
		}
	}
}

// TestSignMicalg checks the micalg parameter names the digest used
// (RFC 8551 §3.5.3.2).
func TestSignMicalg(t *testing.T) {
	p := getPKI(t)
	for h, want := range map[crypto.Hash]string{0: "sha-256", crypto.SHA256: "sha-256",
		crypto.SHA384: "sha-384", crypto.SHA512: "sha-512"} {
		e := signOrFail(t, testEntities["ascii"], p.signer, &SignOptions{Hash: h})
		if ct := e.Get("Content-Type"); !strings.Contains(ct, "micalg="+want+";") {
			t.Errorf("hash %v: Content-Type %q lacks micalg=%s", h, ct, want)
		}
	}
	if _, err := Sign(strings.NewReader(testEntities["ascii"]), p.signer, &SignOptions{Hash: crypto.SHA1}); err == nil {
		t.Error("Sign with SHA-1 succeeded, want error")
	}
}

// TestCASE25LFEntitySigned: an entity with LF line ends is signed in
// canonical CRLF form, so the digest equals the digest of the CRLF text,
// and openssl smime -verify accepts the result (RFC 8551 §3.1.1).
func TestCASE25LFEntitySigned(t *testing.T) {
	p := getPKI(t)
	e := signOrFail(t, "Content-Type: text/plain\r\n\r\nhello world\n", p.signer, nil)
	want := sha256.Sum256([]byte("Content-Type: text/plain\r\n\r\nhello world\r\n"))

	v, err := Verify(bytes.NewReader(e.Bytes()), p.roots(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := sha256.Sum256(v.Content); got != want {
		t.Errorf("digest of signed content %x, want %x", got, want)
	}
	p7 := parseSignature(t, e)
	var md []byte
	if err := p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeMessageDigest, &md); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(md, want[:]) {
		t.Errorf("messageDigest attribute %x, want %x", md, want)
	}
	f := writeTemp(t, "signed.eml", e.Bytes())
	mustOpenSSL(t, nil, "smime", "-verify", "-in", f, "-CAfile", p.path("ca.pem"), "-purpose", "smimesign")
}

// parseSignature returns the CMS object of a signed entity.
func parseSignature(t *testing.T, e *Entity) *pkcs7.PKCS7 {
	t.Helper()
	m, err := readMessage(bytes.NewReader(e.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	p7, err := pkcs7.Parse(m.der)
	if err != nil {
		t.Fatal(err)
	}
	return p7
}

// TestSignAttributes checks the signing-time and SMIMECapabilities signed
// attributes (RFC 8551 §2.5.1, §2.5.2) and that the chain is included.
func TestSignAttributes(t *testing.T) {
	p := getPKI(t)
	before := time.Now().Add(-time.Second).Truncate(time.Second)
	p7 := parseSignature(t, signOrFail(t, testEntities["ascii"], p.signer, nil))
	after := time.Now().Add(time.Second)

	var st time.Time
	if err := p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeSigningTime, &st); err != nil {
		t.Fatalf("signing time: %v", err)
	}
	if st.Before(before) || st.After(after) {
		t.Errorf("signing time %v not within [%v, %v]", st, before, after)
	}
	var caps []struct {
		Algorithm asn1.ObjectIdentifier
		Params    asn1.RawValue `asn1:"optional"`
	}
	if err := p7.UnmarshalSignedAttribute(oidSMIMECapabilities, &caps); err != nil {
		t.Fatalf("SMIMECapabilities: %v", err)
	}
	if len(caps) != 2 || !caps[0].Algorithm.Equal(pkcs7.OIDEncryptionAlgorithmAES256CBC) ||
		!caps[1].Algorithm.Equal(pkcs7.OIDEncryptionAlgorithmAES128CBC) {
		t.Errorf("SMIMECapabilities = %v, want [aes256-CBC aes128-CBC]", caps)
	}
	if len(p7.Certificates) != 2 || !p7.Certificates[1].Equal(p.inter) {
		t.Errorf("certificates in signature: %d, want signer and intermediate", len(p7.Certificates))
	}
}

// TestSignCertificateErrors: expired and wrong-usage signing certificates
// and a key that does not match give a *CertificateError, and nothing is
// produced.
func TestSignCertificateErrors(t *testing.T) {
	p := getPKI(t)
	tests := []struct {
		name string
		s    *Signer
		now  time.Time
		want CertProblem
	}{
		{"expired", p.expired, time.Time{}, CertExpired},
		{"not yet valid", p.signer, time.Now().Add(-30 * 24 * time.Hour), CertNotYetValid},
		{"server auth only", p.serverOnly, time.Time{}, CertWrongUsage},
		{"key encipherment only", p.encryptOnly, time.Time{}, CertWrongUsage},
		{"key mismatch", &Signer{Certificate: p.signer.Certificate, Key: p.otherKey}, time.Time{}, CertUnsupportedKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &SignOptions{}
			if !tt.now.IsZero() {
				o.Now = func() time.Time { return tt.now }
			}
			s := tt.s
			if tt.want == CertUnsupportedKey {
				// NewSigner-style check, as Sign trusts a Signer built by hand.
				err := s.checkKey()
				assertCertProblem(t, err, tt.want)
				return
			}
			e, err := Sign(strings.NewReader(testEntities["ascii"]), s, o)
			if e != nil {
				t.Errorf("Sign returned an entity with error %v", err)
			}
			assertCertProblem(t, err, tt.want)
		})
	}
}

func assertCertProblem(t *testing.T, err error, want CertProblem) {
	t.Helper()
	var ce *CertificateError
	if !errors.As(err, &ce) || ce.Problem != want {
		t.Fatalf("error = %v, want *CertificateError %v", err, want)
	}
}

// TestCASE27SignStructure: (a) the entity's Content-Type line appears
// once, at the very start of the signed content; (b) the detached
// signature is multipart/signed with protocol application/pkcs7-signature
// and a second part application/pkcs7-signature; name=smime.p7s, base64,
// attachment smime.p7s, whose CMS holds no content.
func TestCASE27SignStructure(t *testing.T) {
	p := getPKI(t)
	entity := "Content-Type: text/plain\r\n\r\nhello world\r\n"
	e := signOrFail(t, entity, p.signer, nil)
	v, err := Verify(bytes.NewReader(e.Bytes()), p.roots(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(v.Content, []byte("Content-Type: text/plain\r\n\r\n")) ||
		bytes.Count(v.Content, []byte("Content-Type: text/plain")) != 1 {
		t.Errorf("(a) signed content %q: Content-Type not once at the start", v.Content)
	}
	ct := e.Get("Content-Type")
	if !strings.HasPrefix(ct, "multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=") {
		t.Errorf("(b) Content-Type = %q", ct)
	}
	m, err := readMessage(bytes.NewReader(e.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if string(m.detached) != entity {
		t.Errorf("(b) first part %q, want %q", m.detached, entity)
	}
	parts := strings.Split(string(e.Body), "\r\n--")
	sigPart := parts[1][strings.Index(parts[1], "\r\n")+2:]
	wantHead := "Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n" +
		"Content-Disposition: attachment; filename=\"smime.p7s\"\r\n\r\n"
	if !strings.HasPrefix(sigPart, wantHead) {
		t.Errorf("(b) signature part header:\n%q\nwant prefix\n%q", sigPart[:min(len(sigPart), 200)], wantHead)
	}
	if p7 := parseSignature(t, e); len(p7.Content) != 0 {
		t.Errorf("(b) detached CMS embeds %d content bytes", len(p7.Content))
	}
	o := signOrFail(t, entity, p.signer, &SignOptions{Opaque: true})
	if got := o.Get("Content-Type"); got != "application/pkcs7-mime; smime-type=signed-data; name=\"smime.p7m\"" {
		t.Errorf("opaque Content-Type = %q", got)
	}
}

// TestSignReproducible: with SignOptions.Now and Rand fixed, an RSA
// signature is the same byte for byte, and the signing-time attribute
// holds Now (RFC 8551 §2.5.1).
func TestSignReproducible(t *testing.T) {
	p := getPKI(t)
	now := p.signer.Certificate.NotBefore.Add(time.Minute).Truncate(time.Second)
	o := func() *SignOptions {
		return &SignOptions{Now: func() time.Time { return now }, Rand: bytes.NewReader(make([]byte, 15))}
	}
	a := signOrFail(t, testEntities["ascii"], p.signer, o())
	b := signOrFail(t, testEntities["ascii"], p.signer, o())
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Errorf("two signatures with the same Now and Rand differ")
	}
	var st time.Time
	if err := parseSignature(t, a).UnmarshalSignedAttribute(pkcs7.OIDAttributeSigningTime, &st); err != nil || !st.Equal(now) {
		t.Errorf("signing time = %v, %v; want %v", st, err, now)
	}
}

// TestSigningTimeEncoding: UTCTime before 2050, GeneralizedTime from 2050
// on (RFC 5652 §11.3).
func TestSigningTimeEncoding(t *testing.T) {
	tests := []struct {
		now  time.Time
		want string
	}{
		{time.Date(2026, 12, 4, 17, 0, 0, 0, time.UTC), "\x17\x0d261204170000Z"},
		{time.Date(2050, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)), "\x18\x0f20500102020405Z"},
	}
	for _, tt := range tests {
		attrs, err := signedAttrs(make([]byte, 32), tt.now, nil)
		if err != nil || !bytes.Contains(attrs, []byte(tt.want)) {
			t.Errorf("signedAttrs(%v) = %x, %v; want it to hold %q", tt.now, attrs, err, tt.want)
		}
	}
}

// TestSignEncryptionKeyPreference: the signer's encryption certificate is
// named in SMIMEEncryptionKeyPreference ([0] issuerAndSerialNumber, RFC
// 8551 §2.5.3) and in Microsoft's attribute, and sent with the signature;
// by default a signing certificate that can receive encrypted mail names
// itself, an ECDSA one nothing; an expired encryption certificate is
// refused. openssl still verifies every signature.
func TestSignEncryptionKeyPreference(t *testing.T) {
	p := getPKI(t)
	withEnc := *p.signer
	withEnc.EncryptionCertificate = p.recipient
	expiredEnc := *p.signer
	expiredEnc.EncryptionCertificate = p.expired.Certificate
	tests := []struct {
		name string
		s    *Signer
		want *x509.Certificate
	}{
		{"separate encryption certificate", &withEnc, p.recipient},
		{"dual-use signing certificate", p.signer, p.signer.Certificate},
		{"ecdsa signing certificate", p.signerEC, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := signOrFail(t, testEntities["ascii"], tt.s, nil)
			opensslVerify(t, p, e.Bytes())
			p7 := parseSignature(t, e)
			var pref asn1.RawValue
			errPref := p7.UnmarshalSignedAttribute(oidAttrEncKeyPref, &pref)
			var ms issuerAndSerialNumber
			errMS := p7.UnmarshalSignedAttribute(oidAttrMSEncKeyPref, &ms)
			if tt.want == nil {
				if errPref == nil || errMS == nil {
					t.Errorf("encryption key preference present for %s", tt.name)
				}
				return
			}
			wantIAS := string(tt.want.RawIssuer) + string(mustMarshal(tt.want.SerialNumber))
			if errPref != nil || pref.Class != asn1.ClassContextSpecific || pref.Tag != 0 || string(pref.Bytes) != wantIAS {
				t.Errorf("SMIMEEncryptionKeyPreference = %x, %v; want [0] issuer and serial of %v", pref.FullBytes, errPref, tt.want.Subject)
			}
			if errMS != nil || ms.Serial.Cmp(tt.want.SerialNumber) != 0 || string(ms.Issuer.FullBytes) != string(tt.want.RawIssuer) {
				t.Errorf("Microsoft encryption key preference = %v, %v", ms, errMS)
			}
			found := false
			for _, c := range p7.Certificates {
				found = found || c.Equal(tt.want)
			}
			if !found {
				t.Errorf("encryption certificate not sent with the signature")
			}
		})
	}
	_, err := Sign(strings.NewReader(testEntities["ascii"]), &expiredEnc, nil)
	assertCertProblem(t, err, CertExpired)
}
