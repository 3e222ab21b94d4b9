// SPDX-License-Identifier: Apache-2.0

package queue

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailwright/mailwright/tlsprofile"
)

// selfSigned makes a certificate for 127.0.0.1 and returns it with its
// PEM form.
func selfSigned(t *testing.T) (tls.Certificate, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames: []string{"sink.test"}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key},
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// TestSMTPImplicitTLS delivers over implicit TLS (RFC 8314) with the
// certificate checked against the profile's CAFile and ServerName, and
// keeps the entry queued when the certificate cannot be verified.
func TestSMTPImplicitTLS(t *testing.T) {
	cert, caPEM := selfSigned(t)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	k := serveFaultSink(t, ln)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, caPEM, 0o600)
	tests := []struct {
		name    string
		profile Profile
		ok      bool
	}{
		{"verified", Profile{Security: "tls", CAFile: ca, ServerName: "sink.test"}, true},
		{"wrong name", Profile{Security: "tls", CAFile: ca, ServerName: "other.test"}, false},
		{"unknown authority", Profile{Security: "tls"}, false},
		{"encrypt only", Profile{Security: "tls", TLSPolicy: tlsprofile.Encrypt.String()}, true},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := fastSMTP()
			defer d.Close(context.Background())
			from := "ok-tls" + string(rune('a'+i)) + "@s.test"
			e := sinkEntry(k, from, "ok-a@r.test")
			tc.profile.Host, tc.profile.Port = "127.0.0.1", k.port()
			e.Profile = tc.profile
			o := d.Deliver(context.Background(), e, e.Pending(), strings.NewReader(body))
			delivered := o.Recipients["ok-a@r.test"].Code == 250
			if delivered != tc.ok || (!tc.ok && (o.Err == nil || o.Permanent)) {
				t.Errorf("Deliver = %+v, want delivered %v (else a temporary error)", o, tc.ok)
			}
			if n := k.count(from, "ok-a@r.test"); n != map[bool]int{true: 1}[tc.ok] {
				t.Errorf("sink holds %d copies", n)
			}
		})
	}
}
