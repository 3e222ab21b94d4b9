// SPDX-License-Identifier: Apache-2.0

package tlsprofile

import (
	"crypto/tls"
	"testing"
)

func TestParseVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want uint16
	}{
		{"1.0", tls.VersionTLS10},
		{"1.1", tls.VersionTLS11},
		{"1.2", tls.VersionTLS12},
		{"1.3", tls.VersionTLS13},
		{"TLS1.2", tls.VersionTLS12},
		{"TLSv1.3", tls.VersionTLS13},
		{"tls 1.0", tls.VersionTLS10},
		{" 1.1 ", tls.VersionTLS11},
	}
	for _, tt := range tests {
		got, err := ParseVersion(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseVersion(%q) = %#x, %v, want %#x", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "1", "1.4", "3.0", "SSLv3", "2", "1.2.0", "v"} {
		if got, err := ParseVersion(bad); err == nil {
			t.Errorf("ParseVersion(%q) = %#x, want error", bad, got)
		}
	}
}

func TestVersionName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    uint16
		want string
	}{
		{tls.VersionTLS10, "1.0"},
		{tls.VersionTLS11, "1.1"},
		{tls.VersionTLS12, "1.2"},
		{tls.VersionTLS13, "1.3"},
		{0x0300, "0x0300"},
	}
	for _, tt := range tests {
		if got := VersionName(tt.v); got != tt.want {
			t.Errorf("VersionName(%#x) = %q, want %q", tt.v, got, tt.want)
		}
	}
}
