// SPDX-License-Identifier: Apache-2.0

package smime

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
)

// testPKI is a CA with the leaf certificates the tests use, made once per
// test binary with crypto/x509 and written as PEM into a temporary
// directory for openssl. No key is checked in.
type testPKI struct {
	dir   string
	ca    *x509.Certificate
	caKey crypto.Signer
	inter *x509.Certificate // intermediate CA below ca

	signer      *Signer // alice, RSA, issued by inter (chain: inter)
	signerEC    *Signer // alice, P-256, issued by ca
	expired     *Signer // expired a day ago
	serverOnly  *Signer // EKU serverAuth only
	encryptOnly *Signer // key usage keyEncipherment only

	recipient    *x509.Certificate // bob, RSA
	recipientKey *rsa.PrivateKey
	other        *x509.Certificate // carol, RSA
	otherKey     *rsa.PrivateKey
	recipientEC  *x509.Certificate // dave, P-256, keyAgreement
	recipECKey   *ecdsa.PrivateKey
}

var (
	pkiOnce sync.Once
	pkiVal  *testPKI
	pkiErr  error
	pkiDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if pkiDir != "" {
		os.RemoveAll(pkiDir)
	}
	if peerState != "" {
		os.RemoveAll(peerState)
	}
	os.Exit(code)
}

func getPKI(t testing.TB) *testPKI {
	t.Helper()
	pkiOnce.Do(func() { pkiVal, pkiErr = newTestPKI() })
	if pkiErr != nil {
		t.Fatalf("test PKI: %v", pkiErr)
	}
	return pkiVal
}

var serial int64 = 100

type certSpec struct {
	cn        string
	email     string
	key       crypto.Signer
	parent    *x509.Certificate
	parentKey crypto.Signer
	isCA      bool
	notBefore time.Time
	notAfter  time.Time
	ku        x509.KeyUsage
	eku       []x509.ExtKeyUsage
	ski       []byte // subject key identifier, none when nil
}

func issue(s certSpec) (*x509.Certificate, error) {
	serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: s.cn},
		NotBefore:    s.notBefore,
		NotAfter:     s.notAfter,
		KeyUsage:     s.ku,
		ExtKeyUsage:  s.eku,
		IsCA:         s.isCA,

		BasicConstraintsValid: true,
		SubjectKeyId:          s.ski,
	}
	if s.email != "" {
		tmpl.EmailAddresses = []string{s.email}
	}
	if s.notBefore.IsZero() {
		tmpl.NotBefore = time.Now().Add(-time.Hour)
		tmpl.NotAfter = time.Now().Add(24 * time.Hour)
	}
	parent, parentKey := s.parent, s.parentKey
	if parent == nil {
		parent, parentKey = tmpl, s.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, s.key.Public(), parentKey)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

const (
	kuSign    = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment | x509.KeyUsageKeyEncipherment
	kuCA      = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	kuEncrypt = x509.KeyUsageKeyEncipherment
)

var ekuMail = []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}

func rsaKey() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) }

func newTestPKI() (*testPKI, error) {
	p := &testPKI{}
	var err error
	keys := make([]*rsa.PrivateKey, 8)
	for i := range keys {
		if keys[i], err = rsaKey(); err != nil {
			return nil, err
		}
	}
	p.caKey = keys[0]
	if p.ca, err = issue(certSpec{cn: "mailwright test CA", key: keys[0], isCA: true, ku: kuCA}); err != nil {
		return nil, err
	}
	if p.inter, err = issue(certSpec{cn: "mailwright test intermediate", key: keys[1], isCA: true, ku: kuCA,
		parent: p.ca, parentKey: p.caKey}); err != nil {
		return nil, err
	}
	leaf := func(email string, key crypto.Signer, parent *x509.Certificate, pk crypto.Signer, ku x509.KeyUsage, eku []x509.ExtKeyUsage) (*x509.Certificate, error) {
		return issue(certSpec{cn: email, email: email, key: key, parent: parent, parentKey: pk, ku: ku, eku: eku})
	}
	var c *x509.Certificate
	if c, err = leaf("alice@example.test", keys[2], p.inter, keys[1], kuSign, ekuMail); err != nil {
		return nil, err
	}
	p.signer = &Signer{Certificate: c, Key: keys[2], Chain: []*x509.Certificate{p.inter}}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	if c, err = leaf("alice@example.test", ec, p.ca, p.caKey, x509.KeyUsageDigitalSignature, ekuMail); err != nil {
		return nil, err
	}
	p.signerEC = &Signer{Certificate: c, Key: ec}
	if c, err = issue(certSpec{cn: "old@example.test", email: "old@example.test", key: keys[3],
		parent: p.ca, parentKey: p.caKey, ku: kuSign, eku: ekuMail,
		notBefore: time.Now().Add(-48 * time.Hour), notAfter: time.Now().Add(-24 * time.Hour)}); err != nil {
		return nil, err
	}
	p.expired = &Signer{Certificate: c, Key: keys[3]}
	if c, err = leaf("server@example.test", keys[4], p.ca, p.caKey, kuSign,
		[]x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}); err != nil {
		return nil, err
	}
	p.serverOnly = &Signer{Certificate: c, Key: keys[4]}
	if c, err = leaf("enc@example.test", keys[5], p.ca, p.caKey, kuEncrypt, ekuMail); err != nil {
		return nil, err
	}
	p.encryptOnly = &Signer{Certificate: c, Key: keys[5]}
	if p.recipient, err = leaf("bob@example.test", keys[6], p.ca, p.caKey, kuEncrypt, ekuMail); err != nil {
		return nil, err
	}
	p.recipientKey = keys[6]
	if p.other, err = leaf("carol@example.test", keys[7], p.ca, p.caKey, kuSign, ekuMail); err != nil {
		return nil, err
	}
	p.otherKey = keys[7]
	if p.recipECKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, err
	}
	if p.recipientEC, err = leaf("dave@example.test", p.recipECKey, p.ca, p.caKey, x509.KeyUsageKeyAgreement, ekuMail); err != nil {
		return nil, err
	}
	return p, p.write()
}

// write stores the PEM files openssl reads: ca.pem, inter.pem, signer.pem
// (+ .key), signer-ec.pem (+ .key), recipient.pem (+ .key), other.pem
// (+ .key).
func (p *testPKI) write() error {
	dir, err := os.MkdirTemp("", "smime-pki-")
	if err != nil {
		return err
	}
	pkiDir, p.dir = dir, dir
	files := map[string][]byte{
		"ca.pem":           certPEM(p.ca),
		"inter.pem":        certPEM(p.inter),
		"signer.pem":       certPEM(p.signer.Certificate),
		"signer.key":       keyPEM(p.signer.Key),
		"signer-ec.pem":    certPEM(p.signerEC.Certificate),
		"signer-ec.key":    keyPEM(p.signerEC.Key),
		"recipient.pem":    certPEM(p.recipient),
		"recipient.key":    keyPEM(p.recipientKey),
		"other.pem":        certPEM(p.other),
		"other.key":        keyPEM(p.otherKey),
		"recipient-ec.pem": certPEM(p.recipientEC),
		"recipient-ec.key": keyPEM(p.recipECKey),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

func (p *testPKI) path(name string) string { return filepath.Join(p.dir, name) }

func (p *testPKI) roots() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.ca)
	return pool
}

func certPEM(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

func keyPEM(k crypto.Signer) []byte {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}
