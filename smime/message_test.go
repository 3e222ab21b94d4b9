// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
)

const testMessage = "From: alice@example.test\nTo: bob@example.test\nSubject: report\n" +
	"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n" +
	"Date: Fri, 4 Dec 2026 17:00:00 +0000\n\nGr\xc3\xbc\xc3\x9fe\n"

const testOuter = "From: alice@example.test\r\nTo: bob@example.test\r\nSubject: report\r\n" +
	"Date: Fri, 4 Dec 2026 17:00:00 +0000\r\nMIME-Version: 1.0\r\n"

const testInner = "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n" +
	"\r\nGr=C3=BC=C3=9Fe\r\n"

// TestProtectMessage: a whole message is signed, encrypted, or signed and
// encrypted; the fields that are not Content-* stay on top in their order
// with one MIME-Version, the Content-* fields and the body are what is
// protected, and openssl cms verifies or decrypts the result.
func TestProtectMessage(t *testing.T) {
	p := getPKI(t)
	recips := []*x509.Certificate{p.recipient}
	tests := []struct {
		name string
		pr   Protector
		ct   string
	}{
		{"sign", Protector{Signer: p.signer}, "multipart/signed"},
		{"sign opaque", Protector{Signer: p.signer, SignOptions: &SignOptions{Opaque: true}},
			"application/pkcs7-mime; smime-type=signed-data"},
		{"encrypt", Protector{Recipients: recips}, "application/pkcs7-mime; smime-type=enveloped-data"},
		{"sign and encrypt gcm", Protector{Signer: p.signer, Recipients: recips,
			EncryptOptions: &EncryptOptions{Cipher: AES256GCM}}, "application/pkcs7-mime; smime-type=authEnveloped-data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := tt.pr.Protect(&out, strings.NewReader(testMessage)); err != nil {
				t.Fatalf("Protect: %v", err)
			}
			msg := out.Bytes()
			if !bytes.HasPrefix(msg, []byte(testOuter+"Content-Type: "+tt.ct)) {
				t.Fatalf("Protect wrote\n%s\nwant it to start with\n%sContent-Type: %s", msg, testOuter, tt.ct)
			}
			if n := bytes.Count(bytes.ToLower(msg), []byte("mime-version:")); n != 1 {
				t.Errorf("%d MIME-Version fields, want 1", n)
			}
			signed := msg
			if tt.pr.Recipients != nil {
				signed = mustOpenSSL(t, nil, "cms", "-decrypt", "-in", writeTemp(t, "enc.eml", msg),
					"-recip", p.path("recipient.pem"), "-inkey", p.path("recipient.key"))
				if tt.pr.Signer == nil {
					if string(signed) != testInner {
						t.Errorf("openssl decrypted %q, want %q", signed, testInner)
					}
					return
				}
			}
			got := mustOpenSSL(t, nil, "cms", "-verify", "-in", writeTemp(t, "signed.eml", signed),
				"-CAfile", p.path("ca.pem"), "-purpose", "smimesign")
			if string(got) != testInner {
				t.Errorf("openssl verified %q, want %q", got, testInner)
			}
		})
	}
}

// TestProtectMessageErrors: bad messages and an empty Protector give an
// error and nothing is written.
func TestProtectMessageErrors(t *testing.T) {
	p := getPKI(t)
	tests := []struct {
		name, msg string
		pr        Protector
		format    bool
	}{
		{"nothing to do", testMessage, Protector{}, false},
		{"empty", "", Protector{Signer: p.signer}, true},
		{"no body separator", "From: a@example.test\r\nSubject: x\r\n", Protector{Signer: p.signer}, true},
		{"bare CR in header (SEC-27)", "From: a@example.test\r\nSubject: x\rBcc: y\r\n\r\nbody\r\n", Protector{Signer: p.signer}, true},
		{"NUL in header (SEC-29)", "From: a@example.test\r\nSubject: x\x00y\r\n\r\nbody\r\n", Protector{Signer: p.signer}, true},
		{"long header line (SEC-29)", "From: a@example.test\r\nSubject: " + strings.Repeat("s", 1000) + "\r\n\r\nbody\r\n",
			Protector{Signer: p.signer}, true},
		{"expired signer", testMessage, Protector{Signer: p.expired}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := tt.pr.Protect(&out, strings.NewReader(tt.msg))
			var fe *FormatError
			if err == nil || errors.As(err, &fe) != tt.format || out.Len() != 0 {
				t.Errorf("Protect(%q) = %v, wrote %d bytes; want error (FormatError %v), nothing written",
					tt.msg, err, out.Len(), tt.format)
			}
		})
	}
}

// TestSplitMessage: the entity is built in place when the header leaves
// room in front of the body, and in a new buffer when it does not (LF
// line ends becoming CRLF make it longer).
func TestSplitMessage(t *testing.T) {
	tests := []struct {
		in, outer, entity string
	}{
		{"Subject: a\n b\nContent-Type: text/plain\nMime-Version: 1.0\nX: y\n\nbody\n",
			"Subject: a\r\n b\r\nX: y\r\nMIME-Version: 1.0\r\n", "Content-Type: text/plain\r\n\r\nbody\n"},
		{"Content-Type: text/plain\n\nbody\n", "MIME-Version: 1.0\r\n", "Content-Type: text/plain\r\n\r\nbody\n"},
		{"Subject: x\r\n\r\nbody", "Subject: x\r\nMIME-Version: 1.0\r\n", "\r\nbody"},
	}
	for _, tt := range tests {
		outer, entity, err := splitMessage([]byte(tt.in))
		if err != nil || string(outer) != tt.outer || string(entity) != tt.entity {
			t.Errorf("splitMessage(%q) = %q, %q, %v; want %q, %q", tt.in, outer, entity, err, tt.outer, tt.entity)
		}
	}
}
