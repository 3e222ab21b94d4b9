// SPDX-License-Identifier: Apache-2.0

package tlsprofile

import (
	"crypto/tls"
	"fmt"
	"slices"
)

// Profile is a named choice of TLS versions and cipher suites. The zero
// value is [Default].
//
//	profile  versions    TLS 1.0-1.2 suites
//	Modern   1.3         none (TLS 1.3 suites only: 1301, 1302, 1303)
//	Default  1.2, 1.3    ECDHE with AES-GCM, ChaCha20-Poly1305, AES-CBC-SHA
//	Legacy   1.0 to 1.3  Default's, plus RSA key exchange with AES (002F,
//	                     0035, 009C, 009D)
//
// Every profile lists its suites explicitly, so the process-wide GODEBUG
// settings tlsrsakex and tls3des change none of them.
type Profile int

const (
	// Default allows TLS 1.2 and 1.3, preferring 1.3, with the suites Go
	// enables by default: all of them use ephemeral (EC)DHE key exchange,
	// so a stolen server key does not decrypt recorded sessions. This is
	// the floor of RFC 8996 and the recommendation of RFC 9325, and what
	// every maintained mail server supports.
	Default Profile = iota
	// Modern allows TLS 1.3 only (RFC 8446), whose three suites all give
	// forward secrecy and authenticated encryption. Use it for servers known
	// to support TLS 1.3; older servers fail the handshake.
	Modern
	// Legacy is an explicit opt-in for old servers. It allows TLS 1.0 and
	// 1.1, which RFC 8996 deprecated, and adds the RSA key exchange suites
	// with AES (TLS_RSA_WITH_AES_128_CBC_SHA 002F,
	// TLS_RSA_WITH_AES_256_CBC_SHA 0035, TLS_RSA_WITH_AES_128_GCM_SHA256
	// 009C, TLS_RSA_WITH_AES_256_GCM_SHA384 009D), which have no forward
	// secrecy. It still refuses RC4 (RFC 7465), 3DES (64-bit blocks,
	// Sweet32) and the CBC-SHA256 suites (which crypto/tls implements without
	// Lucky13 countermeasures); list those by code in
	// [Options.CipherSuites] if a server leaves no other choice. TLS 1.3 is
	// still preferred when the server has it.
	Legacy
)

var profileNames = [...]string{Default: "default", Modern: "modern", Legacy: "legacy"}

// String returns the lower-case name of p.
func (p Profile) String() string {
	if p < 0 || int(p) >= len(profileNames) {
		return fmt.Sprintf("Profile(%d)", int(p))
	}
	return profileNames[p]
}

// ParseProfile returns the profile named s ("default", "modern" or
// "legacy"); the empty string is Default.
func ParseProfile(s string) (Profile, error) {
	if s == "" {
		return Default, nil
	}
	for i, n := range profileNames {
		if n == s {
			return Profile(i), nil
		}
	}
	return 0, fmt.Errorf("tlsprofile: unknown TLS profile %q (want default, modern or legacy)", s)
}

// MinVersion returns the lowest TLS version p allows.
func (p Profile) MinVersion() uint16 {
	switch p {
	case Modern:
		return tls.VersionTLS13
	case Legacy:
		return tls.VersionTLS10
	}
	return tls.VersionTLS12
}

// MaxVersion returns the highest TLS version p allows; it is TLS 1.3 for
// every profile.
func (p Profile) MaxVersion() uint16 { return tls.VersionTLS13 }

var legacyExtra = []uint16{
	tls.TLS_RSA_WITH_AES_128_CBC_SHA,
	tls.TLS_RSA_WITH_AES_256_CBC_SHA,
	tls.TLS_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_RSA_WITH_AES_256_GCM_SHA384,
}

// CipherSuites returns the TLS 1.0 to 1.2 suites p allows, ordered by code,
// in the form tls.Config.CipherSuites takes. Modern returns none. TLS 1.3
// suites are not listed: crypto/tls always enables all three.
func (p Profile) CipherSuites() []uint16 {
	if p == Modern {
		return nil
	}
	var ids []uint16
	for _, s := range suites {
		if !s.Insecure && !s.TLS13() || p == Legacy && slices.Contains(legacyExtra, s.ID) {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

// Allows reports whether p allows version v and suite id.
func (p Profile) Allows(v, id uint16) bool {
	if v < p.MinVersion() || v > p.MaxVersion() {
		return false
	}
	su, ok := LookupSuite(id)
	if !ok || !slices.Contains(su.Versions, v) {
		return false
	}
	return su.TLS13() || slices.Contains(p.CipherSuites(), id)
}
