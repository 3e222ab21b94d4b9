// SPDX-License-Identifier: Apache-2.0

package main

import (
	"crypto/tls"
	"strconv"
	"strings"
	"testing"
)

// TestProbeShowsRefusedChain: when the certificate is refused, the probe
// prints the chain it was given (subject, issuer, validity, names) before
// the verification error, for STARTTLS and implicit TLS.
func TestProbeShowsRefusedChain(t *testing.T) {
	t.Parallel()
	pki := newProbePKI(t, false, "mail.example.test", "127.0.0.1")
	srv := &tls.Config{Certificates: []tls.Certificate{pki.leaf}}
	want := "Certificate chain (refused):\n" +
		"  0 Subject: CN=mail.example.test,O=Probe Test\n" +
		"    Issuer: CN=probe test CA\n" +
		"    Valid: 2000-01-01T00:00:00Z to 2099-01-02T03:04:05Z\n" +
		"    Names: mail.example.test, 127.0.0.1\n"
	tests := []struct {
		name   string
		server fakeSMTP
		flag   string
		err    string
	}{
		{"starttls", fakeSMTP{starttls: true, tls: srv}, "--tls", "mailwright probe: STARTTLS: "},
		{"implicit", fakeSMTP{implicit: true, tls: srv}, "--ssl", "mailwright probe: connect with implicit TLS: "},
	}
	for _, tt := range tests {
		host, port := tt.server.start(t)
		code, out, errOut := runProbeCmd(t, "--host", host, "--port", strconv.Itoa(port), tt.flag)
		if code != 1 || !strings.HasSuffix(out, want) || !strings.HasPrefix(errOut, tt.err) ||
			!strings.Contains(errOut, "unknown authority") {
			t.Errorf("%s: exit %d, stdout:\n%s\nstderr %q; want 1, the chain and the error",
				tt.name, code, out, errOut)
		}
	}
}
