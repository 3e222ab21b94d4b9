// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"strings"
	"testing"
)

// TestAESKeyWrap checks the known answers of RFC 3394 §4.1 (128-bit KEK,
// 128-bit key) and §4.6 (256-bit KEK, 256-bit key); openssl enc
// -id-aes128-wrap / -id-aes256-wrap gives the same.
func TestAESKeyWrap(t *testing.T) {
	tests := []struct{ kek, key, want string }{
		{"000102030405060708090A0B0C0D0E0F", "00112233445566778899AABBCCDDEEFF",
			"1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5"},
		{"000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
			"00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F",
			"28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21"},
	}
	for _, tt := range tests {
		kek, _ := hex.DecodeString(tt.kek)
		key, _ := hex.DecodeString(tt.key)
		got, err := aesKeyWrap(kek, key)
		if err != nil || !strings.EqualFold(hex.EncodeToString(got), tt.want) {
			t.Errorf("aesKeyWrap(%s, %s) = %X, %v; want %s", tt.kek, tt.key, got, err, tt.want)
		}
		back, err := aesKeyUnwrap(kek, got)
		if err != nil || !bytes.Equal(back, key) {
			t.Errorf("aesKeyUnwrap(%s, %X) = %X, %v; want %s", tt.kek, got, back, err, tt.key)
		}
		got[len(got)-1] ^= 1
		if _, err := aesKeyUnwrap(kek, got); err != ErrDecrypt {
			t.Errorf("aesKeyUnwrap(damaged) = %v, want ErrDecrypt", err)
		}
	}
}

// TestEncryptEC: recipients with EC certificates (P-256, P-384, P-521)
// get the content key by ephemeral-static ECDH (RFC 5753), next to an RSA
// recipient, with AES-CBC and AES-GCM; openssl cms -decrypt opens the
// message with each EC key and with the RSA key, byte for byte.
func TestEncryptEC(t *testing.T) {
	p := getPKI(t)
	type ecRecip struct {
		cert, key string
	}
	recips := []*x509.Certificate{p.recipient, p.recipientEC}
	files := []ecRecip{{p.path("recipient-ec.pem"), p.path("recipient-ec.key")}}
	for _, curve := range []elliptic.Curve{elliptic.P384(), elliptic.P521()} {
		k, err := ecdsa.GenerateKey(curve, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		c, err := issue(certSpec{cn: "ec@example.test", email: "ec@example.test", key: k, parent: p.ca,
			parentKey: p.caKey, ku: x509.KeyUsageKeyAgreement, eku: ekuMail})
		if err != nil {
			t.Fatal(err)
		}
		recips = append(recips, c)
		files = append(files, ecRecip{writeTemp(t, "ec.pem", certPEM(c)), writeTemp(t, "ec.key", keyPEM(k))})
	}
	for _, c := range []Cipher{AES256CBC, AES128GCM} {
		e := encryptOrFail(t, testEntities["utf8"], recips, &EncryptOptions{Cipher: c})
		want, err := canonicalize([]byte(testEntities["utf8"]))
		if err != nil {
			t.Fatal(err)
		}
		f := writeTemp(t, "enc.eml", e.Bytes())
		for _, r := range files {
			got := mustOpenSSL(t, nil, "cms", "-decrypt", "-in", f, "-recip", r.cert, "-inkey", r.key)
			if !bytes.Equal(got, want) {
				t.Errorf("%v: openssl with %s decrypted %q, want %q", c, r.cert, got, want)
			}
		}
		if got := opensslDecrypt(t, p, e.Bytes(), "recipient"); !bytes.Equal(got, want) {
			t.Errorf("%v: openssl with the RSA key decrypted %q", c, got)
		}
		if got, err := Decrypt(bytes.NewReader(e.Bytes()), p.recipient, p.recipientKey); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%v: Decrypt with the RSA key = %q, %v", c, got, err)
		}
		if got, err := Decrypt(bytes.NewReader(e.Bytes()), p.recipientEC, p.recipECKey); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%v: Decrypt with the EC key = %q, %v", c, got, err)
		}
	}
}

// TestDecryptEC: what openssl cms encrypts for an EC recipient (its
// default SHA-1 KDF and SHA-256, AES-CBC and AES-GCM, AES-128 and AES-256
// key wrap) opens with Decrypt and the recipient's EC key; another EC key
// gives ErrDecrypt.
func TestDecryptEC(t *testing.T) {
	p := getPKI(t)
	entity := []byte("Content-Type: text/plain\r\n\r\nfor an EC key\r\n")
	f := writeTemp(t, "in.txt", entity)
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"aes-256-cbc", "aes-128-gcm"} {
		for _, opts := range [][]string{nil, {"-keyopt", "ecdh_kdf_md:sha256"}, {"-keyopt", "ecdh_kdf_md:sha512"}} {
			args := append([]string{"cms", "-encrypt", "-" + c, "-in", f, "-binary", "-recip", p.path("recipient-ec.pem")}, opts...)
			msg := mustOpenSSL(t, nil, args...)
			got, err := Decrypt(bytes.NewReader(msg), p.recipientEC, p.recipECKey)
			if err != nil || !bytes.Equal(got, entity) {
				t.Errorf("%s %v: Decrypt = %q, %v; want %q", c, opts, got, err, entity)
			}
			if _, err := Decrypt(bytes.NewReader(msg), p.recipientEC, other); err != ErrDecrypt {
				t.Errorf("%s %v: Decrypt with another EC key = %v, want ErrDecrypt", c, opts, err)
			}
		}
	}
}
