// SPDX-License-Identifier: Apache-2.0

package mailsender_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// smimePKI is the S/MIME test PKI, made once per test binary with
// crypto/x509 (no key is checked in) and written as PEM and PKCS#12 files
// into a temporary directory: a root CA and an intermediate (ECDSA), and
// RSA leaves for alice (signer, issued by the intermediate), bob and
// carol (recipients). Certificates are valid from 30 days before the
// tests' fixed clock (fixedNow) to a year from now, except the expired
// one.
type smimePKI struct {
	dir string

	root, inter *x509.Certificate
	alice       *x509.Certificate // alice@example.test, signs and receives
	aliceKey    *rsa.PrivateKey
	bob         *x509.Certificate // bob@example.test
	bobKey      *rsa.PrivateKey
	carol       *x509.Certificate // carol@example.test
	carolKey    *rsa.PrivateKey

	expired    *x509.Certificate // alice, expired yesterday, alice's key
	serverOnly *x509.Certificate // alice, extended key usage serverAuth only
	noEmail    *x509.Certificate // alice's key, no address in the certificate
	idn        *x509.Certificate // alice@xn--bcher-kva.example (bücher), alice's key
}

// pfxPassword opens alice.p12.
const pfxPassword = "pfx-test-password"

var (
	pkiOnce sync.Once
	pkiVal  *smimePKI
	pkiErr  error
)

func getPKI(t testing.TB) *smimePKI {
	t.Helper()
	pkiOnce.Do(func() { pkiVal, pkiErr = newSMIMEPKI() })
	if pkiErr != nil {
		t.Fatalf("S/MIME test PKI: %v", pkiErr)
	}
	return pkiVal
}

// path names a file of the PKI: root.pem, alice-chain.pem (alice then the
// intermediate), alice.key, alice.p12, bob.pem, bob.key, carol.pem,
// carol.key, bob-carol.pem (both), expired.pem, server-only.pem,
// no-email.pem, idn.pem. The directory is also a MAILPEERS_DIR for the peers/
// scripts: smime/ca.pem is the root.
func (p *smimePKI) path(name string) string { return filepath.Join(p.dir, name) }

type leafSpec struct {
	email     string // "" for no address
	key       crypto.Signer
	eku       x509.ExtKeyUsage
	notBefore time.Time
	notAfter  time.Time
}

var serial int64

func createCert(tmpl, parent *x509.Certificate, pub crypto.PublicKey, parentKey crypto.Signer) (*x509.Certificate, error) {
	serial++
	tmpl.SerialNumber = big.NewInt(serial)
	tmpl.BasicConstraintsValid = true
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore = fixedNow.Add(-30 * 24 * time.Hour)
		tmpl.NotAfter = time.Now().Add(365 * 24 * time.Hour)
	}
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

func newSMIMEPKI() (*smimePKI, error) {
	p := &smimePKI{}
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	interKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	ca := func(cn string) *x509.Certificate {
		return &x509.Certificate{Subject: pkix.Name{CommonName: cn}, IsCA: true,
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	}
	if p.root, err = createCert(ca("mailsender test root"), nil, rootKey.Public(), rootKey); err != nil {
		return nil, err
	}
	if p.inter, err = createCert(ca("mailsender test intermediate"), p.root, interKey.Public(), rootKey); err != nil {
		return nil, err
	}
	keys := make([]*rsa.PrivateKey, 3)
	for i := range keys {
		if keys[i], err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return nil, err
		}
	}
	p.aliceKey, p.bobKey, p.carolKey = keys[0], keys[1], keys[2]
	leaf := func(s leafSpec) (*x509.Certificate, error) {
		cn := s.email
		if cn == "" {
			cn = "no address"
		}
		tmpl := &x509.Certificate{
			Subject:     pkix.Name{CommonName: "mailsender test " + cn},
			NotBefore:   s.notBefore,
			NotAfter:    s.notAfter,
			KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
			ExtKeyUsage: []x509.ExtKeyUsage{s.eku},
		}
		if s.email != "" {
			tmpl.EmailAddresses = []string{s.email}
		}
		return createCert(tmpl, p.inter, s.key.Public(), interKey)
	}
	mail := x509.ExtKeyUsageEmailProtection
	for _, l := range []struct {
		dst  **x509.Certificate
		spec leafSpec
	}{
		{&p.alice, leafSpec{email: "alice@example.test", key: p.aliceKey, eku: mail}},
		{&p.bob, leafSpec{email: "bob@example.test", key: p.bobKey, eku: mail}},
		{&p.carol, leafSpec{email: "carol@example.test", key: p.carolKey, eku: mail}},
		{&p.expired, leafSpec{email: "alice@example.test", key: p.aliceKey, eku: mail,
			notBefore: fixedNow.Add(-48 * time.Hour), notAfter: fixedNow.Add(-24 * time.Hour)}},
		{&p.serverOnly, leafSpec{email: "alice@example.test", key: p.aliceKey, eku: x509.ExtKeyUsageServerAuth}},
		{&p.noEmail, leafSpec{key: p.aliceKey, eku: mail}},
		{&p.idn, leafSpec{email: "alice@xn--bcher-kva.example", key: p.aliceKey, eku: mail}},
	} {
		if *l.dst, err = leaf(l.spec); err != nil {
			return nil, err
		}
	}
	return p, p.write()
}

// write stores the files path lists.
func (p *smimePKI) write() error {
	dir, err := os.MkdirTemp("", "mailsender-smime-")
	if err != nil {
		return err
	}
	p.dir = dir
	pfx, err := pkcs12.Modern.Encode(p.aliceKey, p.alice, []*x509.Certificate{p.inter}, pfxPassword)
	if err != nil {
		return err
	}
	files := map[string][]byte{
		"root.pem":        certsPEM(p.root),
		"alice-chain.pem": certsPEM(p.alice, p.inter),
		"alice.key":       keyPEM(p.aliceKey),
		"alice.p12":       pfx,
		"bob.pem":         certsPEM(p.bob),
		"bob.key":         keyPEM(p.bobKey),
		"carol.pem":       certsPEM(p.carol),
		"carol.key":       keyPEM(p.carolKey),
		"bob-carol.pem":   certsPEM(p.bob, p.carol),
		"expired.pem":     certsPEM(p.expired, p.inter),
		"server-only.pem": certsPEM(p.serverOnly, p.inter),
		"no-email.pem":    certsPEM(p.noEmail, p.inter),
		"idn.pem":         certsPEM(p.idn, p.inter),
	}
	if err := os.Mkdir(filepath.Join(dir, "smime"), 0o700); err != nil {
		return err
	}
	files["smime/ca.pem"] = files["root.pem"] // where peers/smime-verify.sh looks
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

func certsPEM(certs ...*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}

func keyPEM(k crypto.Signer) []byte {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// TestMain removes the S/MIME test PKI's files after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if pkiVal != nil {
		os.RemoveAll(pkiVal.dir)
	}
	os.Exit(code)
}
