// SPDX-License-Identifier: Apache-2.0

package conformance

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"github.com/mailwright/mailwright/conformance/replay"
)

func newKey(t *testing.T) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newTestCA(t *testing.T) *replay.CA {
	t.Helper()
	ca, err := replay.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// leaf issues a server certificate for name, valid from nb to na.
func leaf(t *testing.T, ca *replay.CA, name string, nb, na time.Time) tls.Certificate {
	t.Helper()
	c, err := ca.Issue(nb, na, name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// selfSigned makes a certificate for name that signs itself.
func selfSigned(t *testing.T, name string, nb, na time.Time) tls.Certificate {
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(7),
		Subject:               pkix.Name{CommonName: name},
		DNSNames:              []string{name},
		NotBefore:             nb,
		NotAfter:              na,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
