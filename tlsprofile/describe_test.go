// SPDX-License-Identifier: Apache-2.0

package tlsprofile

import (
	"crypto/tls"
	"testing"
)

func TestDescribe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cs   tls.ConnectionState
		want string
	}{
		{tls.ConnectionState{HandshakeComplete: true, Version: tls.VersionTLS12, CipherSuite: 0xC02F}, "1.2; Cipher Suite C02F"},
		{tls.ConnectionState{HandshakeComplete: true, Version: tls.VersionTLS13, CipherSuite: 0x1301}, "1.3; Cipher Suite 1301"},
		{tls.ConnectionState{HandshakeComplete: true, Version: tls.VersionTLS10, CipherSuite: 0x002F}, "1.0; Cipher Suite 002F"},
		{tls.ConnectionState{HandshakeComplete: true, Version: tls.VersionTLS12, CipherSuite: 0x009C}, "1.2; Cipher Suite 009C"},
		{tls.ConnectionState{Version: tls.VersionTLS12, CipherSuite: 0xC02F}, ""},
		{tls.ConnectionState{}, ""},
	}
	for _, tt := range tests {
		if got := Describe(tt.cs); got != tt.want {
			t.Errorf("Describe(%+v) = %q, want %q", tt.cs, got, tt.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	cs := tls.ConnectionState{HandshakeComplete: true, Version: tls.VersionTLS12,
		CipherSuite: 0x009C, ServerName: "mx.example.com", DidResume: true}
	want := Summary{Version: tls.VersionTLS12, CipherSuite: 0x009C,
		ServerName: "mx.example.com", Resumed: true, Insecure: true}
	got := Summarize(cs)
	if got != want {
		t.Errorf("Summarize = %+v, want %+v", got, want)
	}
	if got.VersionName() != "1.2" || got.SuiteName() != "TLS_RSA_WITH_AES_128_GCM_SHA256" {
		t.Errorf("names = %q, %q", got.VersionName(), got.SuiteName())
	}
}
