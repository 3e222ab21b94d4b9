// SPDX-License-Identifier: Apache-2.0

package tlsprofile

import "fmt"

// Policy says whether and how TLS is used on a connection that starts in
// clear (STARTTLS). The names follow Postfix's smtp_tls_security_level.
type Policy int

const (
	// Verify requires TLS and checks the server certificate against the
	// host name. It is the zero value: whenever TLS is asked for, it is
	// verified unless the caller says otherwise.
	Verify Policy = iota
	// Encrypt requires TLS but does not check the certificate.
	Encrypt
	// May uses TLS when the server offers it and continues in clear when it
	// does not (opportunistic TLS).
	May
	// None never starts TLS.
	None
)

var policyNames = [...]string{Verify: "verify", Encrypt: "encrypt", May: "may", None: "none"}

// String returns the Postfix-style name of p.
func (p Policy) String() string {
	if p < 0 || int(p) >= len(policyNames) {
		return fmt.Sprintf("Policy(%d)", int(p))
	}
	return policyNames[p]
}

// ParsePolicy returns the policy named s ("none", "may", "encrypt" or
// "verify").
func ParsePolicy(s string) (Policy, error) {
	for i, n := range policyNames {
		if n == s {
			return Policy(i), nil
		}
	}
	return 0, fmt.Errorf("tlsprofile: unknown TLS policy %q (want none, may, encrypt or verify)", s)
}

// Required reports whether p refuses to continue without TLS.
func (p Policy) Required() bool { return p == Verify || p == Encrypt }
