// SPDX-License-Identifier: Apache-2.0

package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// chainRecorder keeps the certificates the server presented, so that the
// probe can show them when the verification refuses them.
type chainRecorder struct {
	mu    sync.Mutex
	chain []*x509.Certificate
}

// wrap makes cfg record the chain before its own check runs. tlsprofile
// checks the chain in VerifyConnection (with InsecureSkipVerify set), so
// the chain is seen even when that check fails.
func (r *chainRecorder) wrap(cfg *tls.Config) {
	check := cfg.VerifyConnection
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		r.mu.Lock()
		r.chain = cs.PeerCertificates
		r.mu.Unlock()
		if check == nil {
			return nil
		}
		return check(cs)
	}
}

// print writes the recorded chain, if any, and reports whether it did.
func (r *chainRecorder) print(w io.Writer) bool {
	r.mu.Lock()
	chain := r.chain
	r.mu.Unlock()
	if len(chain) == 0 {
		return false
	}
	fmt.Fprintln(w, "Certificate chain (refused):")
	for i, c := range chain {
		fmt.Fprintf(w, "  %d Subject: %s\n", i, c.Subject)
		fmt.Fprintf(w, "    Issuer: %s\n", c.Issuer)
		fmt.Fprintf(w, "    Valid: %s to %s\n", c.NotBefore.UTC().Format(time.RFC3339),
			c.NotAfter.UTC().Format(time.RFC3339))
		if names := certNames(c); len(names) > 0 {
			fmt.Fprintf(w, "    Names: %s\n", strings.Join(names, ", "))
		}
	}
	return true
}

// certNames lists a certificate's DNS names and IP addresses.
func certNames(c *x509.Certificate) []string {
	names := append([]string(nil), c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	return names
}
