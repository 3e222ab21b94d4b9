// SPDX-License-Identifier: Apache-2.0

package tlsprofile

import (
	"crypto/tls"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const testHost = "mail.example.test"

func TestProfileSuites(t *testing.T) {
	t.Parallel()
	def := []uint16{0xC009, 0xC00A, 0xC013, 0xC014, 0xC02B, 0xC02C, 0xC02F, 0xC030, 0xCCA8, 0xCCA9}
	legacy := []uint16{0x002F, 0x0035, 0x009C, 0x009D, 0xC009, 0xC00A, 0xC013, 0xC014,
		0xC02B, 0xC02C, 0xC02F, 0xC030, 0xCCA8, 0xCCA9}
	tests := []struct {
		p        Profile
		name     string
		min, max uint16
		suites   []uint16
	}{
		{Default, "default", tls.VersionTLS12, tls.VersionTLS13, def},
		{Modern, "modern", tls.VersionTLS13, tls.VersionTLS13, nil},
		{Legacy, "legacy", tls.VersionTLS10, tls.VersionTLS13, legacy},
	}
	for _, tt := range tests {
		if tt.p.String() != tt.name || tt.p.MinVersion() != tt.min || tt.p.MaxVersion() != tt.max {
			t.Errorf("%v: name %q min %#x max %#x, want %q %#x %#x", tt.p, tt.p.String(),
				tt.p.MinVersion(), tt.p.MaxVersion(), tt.name, tt.min, tt.max)
		}
		if diff := cmp.Diff(tt.suites, tt.p.CipherSuites()); diff != "" {
			t.Errorf("%v.CipherSuites() (-want +got):\n%s", tt.p, diff)
		}
		if p, err := ParseProfile(tt.name); err != nil || p != tt.p {
			t.Errorf("ParseProfile(%q) = %v, %v", tt.name, p, err)
		}
	}
	if p, err := ParseProfile(""); err != nil || p != Default {
		t.Errorf(`ParseProfile("") = %v, %v, want default`, p, err)
	}
	if _, err := ParseProfile("paranoid"); err == nil {
		t.Error(`ParseProfile("paranoid"): want error`)
	}
}

// handshakeCase is a server forced to one version and, below TLS 1.3, one
// cipher suite.
type handshakeCase struct {
	version uint16
	suite   Suite // zero for TLS 1.3, where Go's server cannot be forced
}

func (c handshakeCase) String() string {
	if c.version == tls.VersionTLS13 {
		return "1.3"
	}
	return VersionName(c.version) + "_" + c.suite.Code()
}

// allHandshakeCases lists every version and suite crypto/tls implements.
func allHandshakeCases() []handshakeCase {
	cases := []handshakeCase{{version: tls.VersionTLS13}}
	for _, s := range Suites() {
		if s.TLS13() {
			continue
		}
		for _, v := range s.Versions {
			cases = append(cases, handshakeCase{version: v, suite: s})
		}
	}
	return cases
}

// forcedServer starts a loopback server that speaks only c's version and
// suite, with an RSA or ECDSA certificate for testHost as the suite needs.
func forcedServer(t *testing.T, c handshakeCase) string {
	t.Helper()
	ecdsa := strings.Contains(c.suite.Name, "_ECDSA_")
	cert := leafSpec{names: []string{testHost}, ecdsa: ecdsa}.make(t)
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: c.version, MaxVersion: c.version}
	if c.version != tls.VersionTLS13 {
		cfg.CipherSuites = []uint16{c.suite.ID}
	}
	return serve(t, cfg)
}

// checkNegotiated checks the version and suite of a successful handshake
// and its Describe line.
func checkNegotiated(t *testing.T, c handshakeCase, cs tls.ConnectionState) {
	t.Helper()
	if cs.Version != c.version {
		t.Errorf("negotiated version %s, want %s", VersionName(cs.Version), VersionName(c.version))
	}
	want := fmt.Sprintf("%s; Cipher Suite %s", VersionName(c.version), c.suite.Code())
	if c.version == tls.VersionTLS13 {
		if !slices.Contains([]uint16{0x1301, 0x1302, 0x1303}, cs.CipherSuite) {
			t.Errorf("TLS 1.3 negotiated suite %04X", cs.CipherSuite)
		}
		want = fmt.Sprintf("1.3; Cipher Suite %04X", cs.CipherSuite)
	}
	if got := Describe(cs); got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
}

// TestProfileHandshakes runs every profile against servers forced to each
// version and suite Go implements (TLS 1.0 and RSA key exchange included):
// a profile connects exactly when it allows the pair, and refuses the rest
// with a *HandshakeError.
func TestProfileHandshakes(t *testing.T) {
	t.Parallel()
	ca := caFile(t)
	for _, c := range allHandshakeCases() {
		t.Run(c.String(), func(t *testing.T) {
			t.Parallel()
			addr := forcedServer(t, c)
			for _, p := range []Profile{Default, Modern, Legacy} {
				cfg, err := Config(&Options{Profile: p, ServerName: testHost, RootCAFile: ca})
				if err != nil {
					t.Fatal(err)
				}
				cs, err := dial(t, addr, cfg)
				allowed := p.Allows(c.version, c.suite.ID) || c.version == tls.VersionTLS13 && p.MinVersion() <= c.version
				switch {
				case allowed && err != nil:
					t.Errorf("%v: %v", p, err)
				case allowed:
					checkNegotiated(t, c, cs)
				case err == nil:
					t.Errorf("%v: connected with %s, want refusal", p, Describe(cs))
				default:
					var he *HandshakeError
					if !errors.As(err, &he) {
						t.Errorf("%v: error %T %v, want *HandshakeError", p, err, err)
					}
				}
			}
		})
	}
}

// TestExplicitSuiteHandshakes names each suite by code with the version
// range open: Go still negotiates every suite it implements when asked,
// insecure ones included, without any GODEBUG setting.
func TestExplicitSuiteHandshakes(t *testing.T) {
	t.Parallel()
	ca := caFile(t)
	for _, c := range allHandshakeCases() {
		if c.version == tls.VersionTLS13 {
			continue
		}
		t.Run(c.String(), func(t *testing.T) {
			t.Parallel()
			addr := forcedServer(t, c)
			cfg, err := Config(&Options{ServerName: testHost, RootCAFile: ca,
				MinVersion: "1.0", CipherSuites: []string{c.suite.Code()}})
			if err != nil {
				t.Fatal(err)
			}
			cs, err := dial(t, addr, cfg)
			if err != nil {
				t.Fatal(err)
			}
			checkNegotiated(t, c, cs)
		})
	}
}

// TestSEC12VersionFloor: a server offering only TLS 1.0 or 1.1 fails the
// handshake under Default and Modern (RFC 8996) and works only under
// Legacy.
func TestSEC12VersionFloor(t *testing.T) {
	t.Parallel()
	ca := caFile(t)
	cert := leafSpec{names: []string{testHost}}.make(t)
	for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11} {
		addr := serve(t, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS10, MaxVersion: v})
		for _, p := range []Profile{Default, Modern} {
			cfg, _ := Config(&Options{Profile: p, ServerName: testHost, RootCAFile: ca})
			var he *HandshakeError
			if cs, err := dial(t, addr, cfg); !errors.As(err, &he) {
				t.Errorf("TLS %s-only server, %v: %v %v, want *HandshakeError", VersionName(v), p, Describe(cs), err)
			}
		}
		cfg, _ := Config(&Options{Profile: Legacy, ServerName: testHost, RootCAFile: ca})
		if cs, err := dial(t, addr, cfg); err != nil || cs.Version != v {
			t.Errorf("TLS %s-only server, legacy: %v %v", VersionName(v), Describe(cs), err)
		}
	}
}
