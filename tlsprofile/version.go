// SPDX-License-Identifier: Apache-2.0

package tlsprofile

import (
	"crypto/tls"
	"fmt"
	"strings"
)

var versionNames = map[uint16]string{
	tls.VersionTLS10: "1.0",
	tls.VersionTLS11: "1.1",
	tls.VersionTLS12: "1.2",
	tls.VersionTLS13: "1.3",
}

// ParseVersion returns the crypto/tls constant for a TLS version written as
// "1.0", "1.1", "1.2" or "1.3". A "TLS" or "TLSv" prefix is accepted in any
// case ("TLS1.2", "TLSv1.3", "tls 1.0"). SSL 3.0 and older are not TLS and
// are refused.
func ParseVersion(s string) (uint16, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.TrimPrefix(t, "tls")
	t = strings.TrimPrefix(t, "v")
	t = strings.TrimSpace(t)
	for v, n := range versionNames {
		if t == n {
			return v, nil
		}
	}
	return 0, fmt.Errorf("tlsprofile: unknown TLS version %q (want 1.0, 1.1, 1.2 or 1.3)", s)
}

// VersionName returns the short name of a TLS version ("1.2"), or the
// version number in hexadecimal ("0x0300") when it is not TLS 1.0 to 1.3.
func VersionName(v uint16) string {
	if n, ok := versionNames[v]; ok {
		return n
	}
	return fmt.Sprintf("0x%04X", v)
}
