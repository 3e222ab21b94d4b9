// SPDX-License-Identifier: Apache-2.0

package tlsprofile

import (
	"crypto/tls"
	"encoding/json"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// vectorSuite is one entry of testdata/cipher-suites.json (see
// testdata/README.md for its source).
type vectorSuite struct {
	Code        string   `json:"code"`
	Name        string   `json:"name"`
	TLSVersions []string `json:"tls_versions"`
	GoSupported bool     `json:"go_supported"`
	GoInsecure  bool     `json:"go_insecure"`
}

func loadVectors(t *testing.T) []vectorSuite {
	t.Helper()
	data, err := os.ReadFile("testdata/cipher-suites.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct{ Suites []vectorSuite }
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Suites) == 0 {
		t.Fatal("no suites in testdata/cipher-suites.json")
	}
	return v.Suites
}

// TestSuitesMatchVectors checks every suite, code, name, version list and
// insecure flag against the table taken from Go 1.26.8 and IANA.
func TestSuitesMatchVectors(t *testing.T) {
	t.Parallel()
	var want []vectorSuite
	for _, v := range loadVectors(t) {
		if v.GoSupported {
			want = append(want, v)
		}
	}
	var got []vectorSuite
	for _, s := range Suites() {
		vs := vectorSuite{Code: "0x" + s.Code(), Name: s.Name, GoSupported: true, GoInsecure: s.Insecure}
		for _, v := range s.Versions {
			vs.TLSVersions = append(vs.TLSVersions, "TLS "+VersionName(v))
		}
		got = append(got, vs)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Suites() differs from testdata/cipher-suites.json (-want +got):\n%s", diff)
	}
}

func TestSuiteRSAKeyExchange(t *testing.T) {
	t.Parallel()
	var got []uint16
	for _, s := range Suites() {
		if s.RSAKeyExchange {
			got = append(got, s.ID)
		}
	}
	want := []uint16{0x0005, 0x000A, 0x002F, 0x0035, 0x003C, 0x009C, 0x009D}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RSA key exchange suites (-want +got):\n%s", diff)
	}
}

func TestParseSuite(t *testing.T) {
	t.Parallel()
	for _, v := range loadVectors(t) {
		for _, in := range []string{v.Code, v.Code[2:], v.Name} {
			s, err := ParseSuite(in)
			if err != nil || "0x"+s.Code() != v.Code || s.Name != v.Name {
				t.Errorf("ParseSuite(%q) = %+v, %v, want %s %s", in, s, err, v.Code, v.Name)
			}
		}
	}
	tests := []struct {
		in   string
		want uint16
	}{
		{"009c", 0x009C},
		{"0XC02F", 0xC02F},
		{"tls_ecdhe_rsa_with_aes_128_gcm_sha256", 0xC02F},
		{"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", 0xCCA8},
		{"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", 0xCCA9},
		{"1301", tls.TLS_AES_128_GCM_SHA256},
	}
	for _, tt := range tests {
		s, err := ParseSuite(tt.in)
		if err != nil || s.ID != tt.want {
			t.Errorf("ParseSuite(%q) = %#04x, %v, want %#04x", tt.in, s.ID, err, tt.want)
		}
	}
	for _, bad := range []string{"", "5600", "00FF", "C02", "C02F0", "XYZW", "TLS_FOO", "0x"} {
		if s, err := ParseSuite(bad); err == nil {
			t.Errorf("ParseSuite(%q) = %+v, want error", bad, s)
		}
	}
}

func TestParseSuites(t *testing.T) {
	t.Parallel()
	got, err := ParseSuites([]string{"009C", "TLS_RSA_WITH_AES_128_GCM_SHA256", "C02F"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]uint16{0x009C, 0xC02F}, got); diff != "" {
		t.Errorf("ParseSuites (-want +got):\n%s", diff)
	}
	if _, err := ParseSuites([]string{"C02F", "nope"}); err == nil {
		t.Error("ParseSuites with an unknown name: want error")
	}
}

func TestLookupSuite(t *testing.T) {
	t.Parallel()
	s, ok := LookupSuite(0x009C)
	want := Suite{ID: 0x009C, Name: "TLS_RSA_WITH_AES_128_GCM_SHA256",
		Versions: []uint16{tls.VersionTLS12}, Insecure: true, RSAKeyExchange: true}
	if !ok || !cmp.Equal(s, want) {
		t.Errorf("LookupSuite(0x009C) = %+v, %v, want %+v", s, ok, want)
	}
	if s, ok := LookupSuite(0x5600); ok {
		t.Errorf("LookupSuite(0x5600) = %+v, want not found", s)
	}
	s.Versions[0] = 0
	if again, _ := LookupSuite(0x009C); again.Versions[0] != tls.VersionTLS12 {
		t.Error("LookupSuite returns a slice shared with the package table")
	}
}
