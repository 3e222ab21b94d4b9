// SPDX-License-Identifier: Apache-2.0

package tlsprofile

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// PinSHA256 returns the SHA-256 of cert's SubjectPublicKeyInfo, the value
// a public key pin compares (the "pin-sha256" of RFC 7469 section 2.4).
func PinSHA256(cert *x509.Certificate) []byte {
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return sum[:]
}

// FormatPin returns a pin as "sha256/" followed by its standard base64
// form, the spelling [ParsePin] and curl's --pinnedpubkey accept.
func FormatPin(sum []byte) string {
	return "sha256/" + base64.StdEncoding.EncodeToString(sum)
}

// ParsePin parses a SHA-256 public key pin written as base64 (optionally
// prefixed "sha256/" or "pin-sha256="), or as 64 hexadecimal digits
// (colons allowed, as openssl prints fingerprints).
func ParsePin(s string) ([]byte, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimPrefix(t, "sha256/")
	t = strings.Trim(strings.TrimPrefix(t, "pin-sha256="), `"`)
	if h := strings.ReplaceAll(t, ":", ""); len(h) == 2*sha256.Size {
		if b, err := hex.DecodeString(h); err == nil {
			return b, nil
		}
	}
	b, err := base64.StdEncoding.DecodeString(t)
	if err != nil || len(b) != sha256.Size {
		return nil, fmt.Errorf("tlsprofile: public key pin %q is not a SHA-256 in base64 or hex", s)
	}
	return b, nil
}
