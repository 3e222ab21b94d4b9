// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
)

// opensslSignTwice signs entity with openssl cms as alice (signer.pem)
// and as a second signer given by certificate and key files.
func opensslSignTwice(t *testing.T, p *testPKI, entity []byte, cert, key string, extra ...string) []byte {
	t.Helper()
	in := writeTemp(t, "in.txt", entity)
	args := append([]string{"cms", "-sign", "-md", "sha256", "-in", in,
		"-signer", p.path("signer.pem"), "-inkey", p.path("signer.key"),
		"-signer", cert, "-inkey", key, "-certfile", p.path("inter.pem")}, extra...)
	return mustOpenSSL(t, nil, args...)
}

// TestVerifyEverySigner: a message openssl signed as alice and carol
// (detached and opaque) verifies, and Verify reports both signers with
// their chains and signing times, in the order of the SignerInfos.
func TestVerifyEverySigner(t *testing.T) {
	p := getPKI(t)
	needOpenSSL(t)
	entity := []byte("Content-Type: text/plain\r\n\r\nsigned by two\r\n")
	for _, extra := range [][]string{nil, {"-nodetach"}} {
		msg := opensslSignTwice(t, p, entity, p.path("other.pem"), p.path("other.key"), extra...)
		v, err := Verify(bytes.NewReader(msg), p.roots(), nil)
		if err != nil {
			t.Fatalf("Verify %v: %v", extra, err)
		}
		if !bytes.Equal(v.Content, entity) || len(v.Signers) != 2 {
			t.Fatalf("Verify %v = %q with %d signers, want the entity and 2", extra, v.Content, len(v.Signers))
		}
		// openssl writes the SignerInfos as a DER SET, sorted by their
		// encoding, so the order is not the command line's.
		var got []string
		for i, s := range v.Signers {
			got = append(got, s.Certificate.EmailAddresses[0])
			if len(s.Chain) < 2 || s.SigningTime.IsZero() {
				t.Errorf("Signers[%d] = %v chain %d time %v, want a chain and a signing time",
					i, s.Certificate.Subject, len(s.Chain), s.SigningTime)
			}
		}
		slices.Sort(got)
		if want := []string{"alice@example.test", "carol@example.test"}; !slices.Equal(got, want) {
			t.Errorf("signers %v, want %v", got, want)
		}
		if !v.Signer.Equal(v.Signers[0].Certificate) || !v.SigningTime.Equal(v.Signers[0].SigningTime) {
			t.Errorf("Signer %v is not Signers[0]", v.Signer.Subject)
		}
	}
}

// TestVerifySecondSignerFails: when one of two signers cannot be accepted
// (not for email protection, expired at the signing time) or the content
// was changed, Verify fails and names the signer.
func TestVerifySecondSignerFails(t *testing.T) {
	p := getPKI(t)
	needOpenSSL(t)
	entity := []byte("Content-Type: text/plain\r\n\r\nPay 100 EUR\r\n")
	for _, tt := range []struct {
		name string
		s    *Signer
		want CertProblem
	}{
		{"server auth only", p.serverOnly, CertWrongUsage},
		{"expired", p.expired, CertExpired},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cert := writeTemp(t, "second.pem", certPEM(tt.s.Certificate))
			key := writeTemp(t, "second.key", keyPEM(tt.s.Key))
			msg := opensslSignTwice(t, p, entity, cert, key)
			_, err := Verify(bytes.NewReader(msg), p.roots(), nil)
			assertCertProblem(t, err, tt.want)
			var ce *CertificateError
			errors.As(err, &ce)
			if ce.Subject != subject(tt.s.Certificate) || !strings.HasSuffix(err.Error(), " of 2)") {
				t.Errorf("error %q does not name the failing signer %s", err, subject(tt.s.Certificate))
			}
		})
	}
	t.Run("tampered", func(t *testing.T) {
		msg := opensslSignTwice(t, p, entity, p.path("other.pem"), p.path("other.key"))
		bad := bytes.Replace(msg, []byte("Pay 100 EUR"), []byte("Pay 900 EUR"), 1)
		if _, err := Verify(bytes.NewReader(bad), p.roots(), nil); !errors.Is(err, ErrDigestMismatch) {
			t.Errorf("Verify(tampered) = %v, want ErrDigestMismatch", err)
		}
	})
}

// TestVerifyOneSignerListed: our own single-signer messages list exactly
// that signer, and errors carry no signer number.
func TestVerifyOneSignerListed(t *testing.T) {
	p := getPKI(t)
	msg := signOrFail(t, testEntities["ascii"], p.signer, nil).Bytes()
	v, err := Verify(bytes.NewReader(msg), p.roots(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Signers) != 1 || !v.Signers[0].Certificate.Equal(p.signer.Certificate) ||
		len(v.Signers[0].Chain) != 3 {
		t.Errorf("Signers = %+v, want alice with the chain alice, intermediate, root", v.Signers)
	}
	bad := bytes.Replace(msg, []byte("Content-Type: text/plain"), []byte("Content-Type: text/html"), 1)
	if _, err := Verify(bytes.NewReader(bad), p.roots(), nil); err == nil || strings.Contains(err.Error(), "signer 1") {
		t.Errorf("Verify(tampered) = %v, want an error without a signer number", err)
	}
}
