// SPDX-License-Identifier: Apache-2.0

package tlsprofile

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// The test PKI: one root CA and leaf certificates made in the test, valid
// from 2000 to 2100 unless a test asks otherwise.
var (
	validFrom = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	validTo   = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

type testCA struct {
	cert *x509.Certificate
	key  crypto.Signer
	pem  []byte
}

var (
	keysOnce sync.Once
	rsaKey   *rsa.PrivateKey
	ecKey    *ecdsa.PrivateKey
	caOnce   sync.Once
	rootCA   *testCA
	otherCA  *testCA
)

func testKeys(t testing.TB) (*rsa.PrivateKey, *ecdsa.PrivateKey) {
	t.Helper()
	keysOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if ecKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
	})
	return rsaKey, ecKey
}

func newCA(t testing.TB, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             validFrom,
		NotAfter:              validTo,
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

func testCAs(t testing.TB) (root, other *testCA) {
	t.Helper()
	caOnce.Do(func() {
		rootCA = newCA(t, "tlsprofile test root")
		otherCA = newCA(t, "tlsprofile other root")
	})
	return rootCA, otherCA
}

// leafSpec describes a server certificate to make.
type leafSpec struct {
	names      []string // DNS names and IP addresses
	notBefore  time.Time
	notAfter   time.Time
	selfSigned bool
	ca         *testCA // nil: the test root
	ecdsa      bool    // ECDSA key instead of RSA
}

func (s leafSpec) make(t testing.TB) tls.Certificate {
	t.Helper()
	rk, ek := testKeys(t)
	var key crypto.Signer = rk
	if s.ecdsa {
		key = ek
	}
	if s.notBefore.IsZero() {
		s.notBefore, s.notAfter = validFrom, validTo
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "server"},
		NotBefore:    s.notBefore,
		NotAfter:     s.notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	if len(s.names) > 0 {
		tmpl.Subject.CommonName = s.names[0]
	}
	for _, n := range s.names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	parent, signer := tmpl, key
	if !s.selfSigned {
		ca := s.ca
		if ca == nil {
			ca, _ = testCAs(t)
		}
		parent, signer = ca.cert, ca.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// caFile writes the test root to a PEM file and returns its name.
func caFile(t testing.TB) string {
	t.Helper()
	root, _ := testCAs(t)
	f := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(f, root.pem, 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// serve starts a loopback TLS server with cfg that completes one handshake
// per connection and then closes it. It returns the address.
func serve(t testing.TB, cfg *tls.Config) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				tc := tls.Server(c, cfg)
				_ = tc.SetDeadline(time.Now().Add(10 * time.Second))
				if tc.Handshake() == nil {
					_, _ = tc.Write([]byte("ok"))
				}
				tc.Close()
			}()
		}
	}()
	return ln.Addr().String()
}

// dial connects to addr and runs a client handshake with cfg through
// [Client].
func dial(t testing.TB, addr string, cfg *tls.Config) (tls.ConnectionState, error) {
	t.Helper()
	ctx := t.Context()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tc, err := Client(ctx, c, cfg)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	return tc.ConnectionState(), nil
}
