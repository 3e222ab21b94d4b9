// SPDX-License-Identifier: Apache-2.0

package tlsprofile

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
	"time"
)

// certServer starts a loopback TLS 1.2/1.3 server presenting cert.
func certServer(t *testing.T, cert tls.Certificate) string {
	t.Helper()
	return serve(t, &tls.Config{Certificates: []tls.Certificate{cert}})
}

// TestCertificateErrors covers SEC-10 (self-signed) and SEC-11 (unknown
// root, wrong host name, expired; T_1 to T_4): each handshake fails with a
// *CertificateError of its own Reason, also found by errors.As for the
// crypto/x509 type behind it.
func TestCertificateErrors(t *testing.T) {
	t.Parallel()
	_, other := testCAs(t)
	ca := caFile(t)
	tests := []struct {
		name   string
		id     string
		leaf   leafSpec
		reason Reason
		x509   any
	}{
		{"self-signed", "SEC-10", leafSpec{names: []string{testHost}, selfSigned: true},
			ReasonSelfSigned, &x509.UnknownAuthorityError{}},
		{"unknown root", "SEC-11", leafSpec{names: []string{testHost}, ca: other},
			ReasonUnknownAuthority, &x509.UnknownAuthorityError{}},
		{"wrong host", "SEC-11", leafSpec{names: []string{"other.example.test"}},
			ReasonHostname, &x509.HostnameError{}},
		{"expired", "SEC-11", leafSpec{names: []string{testHost},
			notBefore: validFrom, notAfter: validFrom.AddDate(1, 0, 0)},
			ReasonExpired, &x509.CertificateInvalidError{}},
		{"not yet valid", "SEC-11", leafSpec{names: []string{testHost},
			notBefore: validTo.AddDate(-1, 0, 0), notAfter: validTo},
			ReasonNotYetValid, &x509.CertificateInvalidError{}},
	}
	for _, tt := range tests {
		t.Run(tt.id+"_"+tt.name, func(t *testing.T) {
			t.Parallel()
			addr := certServer(t, tt.leaf.make(t))
			cfg, err := Config(&Options{ServerName: testHost, RootCAFile: ca})
			if err != nil {
				t.Fatal(err)
			}
			_, err = dial(t, addr, cfg)
			var ce *CertificateError
			if !errors.As(err, &ce) {
				t.Fatalf("dial: %T %v, want *CertificateError", err, err)
			}
			if ce.Reason != tt.reason || ce.Host != testHost {
				t.Errorf("Reason %v host %q, want %v %q", ce.Reason, ce.Host, tt.reason, testHost)
			}
			if !strings.Contains(err.Error(), tt.reason.String()) || !strings.HasPrefix(err.Error(), "tlsprofile: ") {
				t.Errorf("message %q does not start with tlsprofile: or name %q", err, tt.reason)
			}
			if !errors.As(err, tt.x509) {
				t.Errorf("errors.As(%T) failed for %v", tt.x509, err)
			}
			// Encrypt skips the check and connects.
			cfg, _ = Config(&Options{Policy: Encrypt, ServerName: testHost})
			if cs, err := dial(t, addr, cfg); err != nil || Describe(cs) == "" {
				t.Errorf("Encrypt: %v", err)
			}
		})
	}
}

// TestCertificateErrorsWithClock checks expiry against an injected clock.
func TestCertificateErrorsWithClock(t *testing.T) {
	t.Parallel()
	addr := certServer(t, leafSpec{names: []string{testHost}}.make(t))
	ca := caFile(t)
	for _, tc := range []struct {
		now    time.Time
		reason Reason
	}{
		{validTo.Add(time.Hour), ReasonExpired},
		{validFrom.Add(-time.Hour), ReasonNotYetValid},
		{validFrom.Add(time.Hour), 0},
	} {
		cfg, _ := Config(&Options{ServerName: testHost, RootCAFile: ca, Now: func() time.Time { return tc.now }})
		_, err := dial(t, addr, cfg)
		var ce *CertificateError
		switch {
		case tc.reason == 0 && err != nil:
			t.Errorf("at %v: %v", tc.now, err)
		case tc.reason != 0 && (!errors.As(err, &ce) || ce.Reason != tc.reason):
			t.Errorf("at %v: %v, want %v", tc.now, err, tc.reason)
		}
	}
}

// TestClientClassifiesPlainConfig: a config not made by Config gets the
// same typed errors through Client.
func TestClientClassifiesPlainConfig(t *testing.T) {
	t.Parallel()
	root, _ := testCAs(t)
	pool := x509.NewCertPool()
	pool.AddCert(root.cert)
	tests := []struct {
		leaf   leafSpec
		reason Reason
	}{
		{leafSpec{names: []string{testHost}, selfSigned: true}, ReasonSelfSigned},
		{leafSpec{names: []string{"other.example.test"}}, ReasonHostname},
		{leafSpec{names: []string{testHost}, notBefore: validFrom, notAfter: validFrom.Add(time.Hour)}, ReasonExpired},
	}
	for _, tt := range tests {
		addr := certServer(t, tt.leaf.make(t))
		_, err := dial(t, addr, &tls.Config{ServerName: testHost, RootCAs: pool})
		var ce *CertificateError
		if !errors.As(err, &ce) || ce.Reason != tt.reason {
			t.Errorf("%v: got %v, want %v", tt.leaf.names, err, tt.reason)
		}
	}
}

func TestPin(t *testing.T) {
	t.Parallel()
	leaf := leafSpec{names: []string{testHost}, selfSigned: true}.make(t)
	addr := certServer(t, leaf)
	good := FormatPin(PinSHA256(leaf.Leaf))
	other := leafSpec{names: []string{testHost}, ecdsa: true, selfSigned: true}.make(t)
	bad := FormatPin(PinSHA256(other.Leaf))
	tests := []struct {
		name   string
		o      Options
		reason Reason
	}{
		{"encrypt good pin", Options{Policy: Encrypt, PinSHA256: []string{good}}, 0},
		{"encrypt two pins", Options{Policy: Encrypt, PinSHA256: []string{bad, good}}, 0},
		{"encrypt bad pin", Options{Policy: Encrypt, PinSHA256: []string{bad}}, ReasonPinMismatch},
		{"may bad pin", Options{Policy: May, PinSHA256: []string{bad}}, ReasonPinMismatch},
		// Verify still checks the chain: a pin does not replace it.
		{"verify good pin", Options{PinSHA256: []string{good}}, ReasonSelfSigned},
	}
	for _, tt := range tests {
		tt.o.ServerName = testHost
		cfg, err := Config(&tt.o)
		if err != nil {
			t.Fatal(err)
		}
		_, err = dial(t, addr, cfg)
		var ce *CertificateError
		switch {
		case tt.reason == 0 && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.reason != 0 && (!errors.As(err, &ce) || ce.Reason != tt.reason):
			t.Errorf("%s: %v, want %v", tt.name, err, tt.reason)
		case tt.reason == ReasonPinMismatch && !strings.Contains(err.Error(), good):
			t.Errorf("%s: message %q does not give the server's key hash", tt.name, err)
		}
	}
}

func TestParsePin(t *testing.T) {
	t.Parallel()
	sum := make([]byte, 32)
	for i := range sum {
		sum[i] = byte(i)
	}
	b64 := "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	hex := "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	colons := "00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F"
	for _, in := range []string{b64, "sha256/" + b64, `pin-sha256="` + b64 + `"`, hex, colons} {
		got, err := ParsePin(in)
		if err != nil || string(got) != string(sum) {
			t.Errorf("ParsePin(%q) = %x, %v, want %x", in, got, err, sum)
		}
	}
	if got := FormatPin(sum); got != "sha256/"+b64 {
		t.Errorf("FormatPin = %q", got)
	}
	for _, bad := range []string{"", "sha256/", "AAEC", hex[:62], "zz" + hex[2:]} {
		if _, err := ParsePin(bad); err == nil {
			t.Errorf("ParsePin(%q): want error", bad)
		}
	}
}
