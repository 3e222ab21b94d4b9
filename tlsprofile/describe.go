// SPDX-License-Identifier: Apache-2.0

package tlsprofile

import (
	"crypto/tls"
	"fmt"
)

// Summary is what a TLS handshake negotiated, in the terms [Describe]
// prints. Its zero value describes a connection without TLS.
type Summary struct {
	// Version is the negotiated protocol version (tls.VersionTLS12, ...).
	// Zero means no handshake completed.
	Version uint16
	// CipherSuite is the negotiated suite's IANA code.
	CipherSuite uint16
	// ServerName is the name the client sent in SNI (RFC 6066 section 3);
	// empty when the client sent none, for example for an IP address.
	ServerName string
	// Resumed is true when the session was resumed from an earlier one.
	Resumed bool
	// Insecure is true when the negotiated suite is one crypto/tls lists as
	// insecure (see [Suite.Insecure]).
	Insecure bool
}

// Summarize returns the [Summary] of cs. A state whose handshake has not
// completed gives the zero Summary.
func Summarize(cs tls.ConnectionState) Summary {
	if !cs.HandshakeComplete {
		return Summary{}
	}
	su, _ := LookupSuite(cs.CipherSuite)
	return Summary{
		Version:     cs.Version,
		CipherSuite: cs.CipherSuite,
		ServerName:  cs.ServerName,
		Resumed:     cs.DidResume,
		Insecure:    su.Insecure,
	}
}

// VersionName returns the negotiated version as "1.0" to "1.3".
func (s Summary) VersionName() string { return VersionName(s.Version) }

// SuiteName returns the IANA name of the negotiated cipher suite.
func (s Summary) SuiteName() string { return tls.CipherSuiteName(s.CipherSuite) }

// String returns the classic one-line report, "1.2; Cipher Suite C02F":
// the version, a semicolon and the suite's code in four upper-case
// hexadecimal digits. It returns "" for the zero Summary.
func (s Summary) String() string {
	if s.Version == 0 {
		return ""
	}
	return fmt.Sprintf("%s; Cipher Suite %04X", VersionName(s.Version), s.CipherSuite)
}

// Describe returns the classic one-line report of what cs negotiated, for
// example "1.2; Cipher Suite C02F" or "1.3; Cipher Suite 1301", and "" when
// the handshake has not completed. It is Summarize(cs).String().
func Describe(cs tls.ConnectionState) string { return Summarize(cs).String() }
