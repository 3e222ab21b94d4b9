// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"encoding/asn1"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestVerifyOpenSSLAlgorithms: the signer checks written here (no
// library verifies over streamed content) accept what openssl cms signs
// in every form a client may send: RSA PKCS #1 v1.5 and RSASSA-PSS,
// ECDSA, SHA-1 to SHA-512, the signer named by
// subject key identifier, and no signed attributes at all; and each one
// refuses the content changed after signing.
func TestVerifyOpenSSLAlgorithms(t *testing.T) {
	p := getPKI(t)
	skiCert, skiKey := skiSigner(t, p)
	entity := []byte("Content-Type: text/plain\r\n\r\nPay 100 EUR to Bob.\r\n")
	tests := []struct {
		name, who string
		args      []string
		bad       error // what a changed content gives
	}{
		{"rsa sha1", "signer", []string{"-md", "sha1"}, ErrDigestMismatch},
		{"rsa sha384", "signer", []string{"-md", "sha384"}, ErrDigestMismatch},
		{"rsa pss", "signer", []string{"-keyopt", "rsa_padding_mode:pss"}, ErrDigestMismatch},
		{"rsa keyid", "ski", []string{"-keyid"}, ErrDigestMismatch},
		{"rsa noattr", "signer", []string{"-noattr"}, ErrBadSignature},
		{"rsa noattr opaque", "signer", []string{"-noattr", "-nodetach"}, ErrBadSignature},
		{"rsa opaque streamed ber", "signer", []string{"-nodetach", "-stream"}, ErrDigestMismatch},
		{"ec opaque streamed ber sha512", "signer-ec", []string{"-nodetach", "-stream", "-md", "sha512"}, ErrDigestMismatch},
		{"ec sha384", "signer-ec", []string{"-md", "sha384"}, ErrDigestMismatch},
		{"ec noattr", "signer-ec", []string{"-noattr"}, ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cert, key := p.path(tt.who+".pem"), p.path(tt.who+".key")
			if tt.who == "ski" {
				cert, key = skiCert, skiKey
			}
			in := writeTemp(t, "in.txt", entity)
			args := append([]string{"cms", "-sign", "-in", in, "-binary", "-signer", cert, "-inkey", key,
				"-certfile", p.path("inter.pem")}, tt.args...)
			msg := mustOpenSSL(t, nil, args...)
			v, err := Verify(bytes.NewReader(msg), p.roots(), nil)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !bytes.Equal(v.Content, entity) || len(v.Signers) != 1 {
				t.Fatalf("Verify = %q with %d signers, want %q", v.Content, len(v.Signers), entity)
			}
			checkSignerShape(t, msg, tt.name)
			bad := bytes.Replace(msg, []byte("Pay 100"), []byte("Pay 900"), 1)
			if bytes.Equal(bad, msg) { // opaque: change the content inside the CMS object
				m, err := readMessage(bytes.NewReader(msg))
				if err != nil {
					t.Fatal(err)
				}
				bad = pkcs7MIME("signed-data", bytes.Replace(m.der, []byte("Pay 100"), []byte("Pay 900"), 1)).Bytes()
			}
			if _, err := Verify(bytes.NewReader(bad), p.roots(), nil); !errors.Is(err, tt.bad) {
				t.Errorf("Verify(changed) = %v, want %v", err, tt.bad)
			}
		})
	}
}

// skiSigner issues alice an RSA email certificate with a subject key
// identifier under the test CA and returns the PEM files of the
// certificate and its key.
func skiSigner(t *testing.T, p *testPKI) (certFile, keyFile string) {
	t.Helper()
	k, err := rsaKey()
	if err != nil {
		t.Fatal(err)
	}
	c, err := issue(certSpec{cn: "alice keyid", email: "alice@example.test", key: k,
		parent: p.ca, parentKey: p.caKey, ku: kuSign, eku: ekuMail, ski: []byte{1, 2, 3, 4, 5, 6, 7, 8},
		notBefore: time.Now().Add(-time.Hour), notAfter: time.Now().Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return writeTemp(t, "ski.pem", certPEM(c)), writeTemp(t, "ski.key", keyPEM(k))
}

// checkSignerShape checks that openssl wrote what the case is about: a
// PSS signature, a signer named by key identifier, no signed attributes.
func checkSignerShape(t *testing.T, msg []byte, name string) {
	t.Helper()
	m, err := readMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	sd, err := signedDataOf(m)
	if err != nil {
		t.Fatal(err)
	}
	si := sd.signers[0]
	switch {
	case strings.Contains(name, "pss") && !si.SignatureAlgorithm.Algorithm.Equal(oidRSAPSS):
		t.Errorf("signature algorithm %v, want RSASSA-PSS", si.SignatureAlgorithm.Algorithm)
	case strings.Contains(name, "keyid") && (si.SID.Class != asn1.ClassContextSpecific || si.SID.Tag != 0):
		t.Errorf("signer identifier class %d tag %d, want [0] subjectKeyIdentifier", si.SID.Class, si.SID.Tag)
	case strings.Contains(name, "noattr") && len(si.SignedAttrs.FullBytes) != 0:
		t.Error("signed attributes present, want none")
	case strings.Contains(name, "streamed ber") && !bytes.HasPrefix(m.der, []byte{0x30, 0x80}):
		t.Errorf("CMS object starts % x, want indefinite-length BER (30 80)", m.der[:2])
	}
}
