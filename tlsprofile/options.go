// SPDX-License-Identifier: Apache-2.0

package tlsprofile

import (
	"crypto/tls"
	"time"
)

// Options says what a caller wants from TLS. The zero value (and a nil
// *Options) gives the [Default] profile with policy [Verify] and the
// system roots; the host name to verify must then be set on the returned
// config or filled in by [ForHost].
type Options struct {
	// Policy says whether the certificate is verified. Verify (the zero
	// value) checks the chain against the roots and the host name against
	// ServerName (RFC 6125); Encrypt and May encrypt without checking; a
	// pin in PinSHA256 is checked under every policy.
	Policy Policy

	// Profile chooses versions and cipher suites; the zero value is
	// Default. MinVersion, MaxVersion and CipherSuites override parts of it.
	Profile Profile

	// ServerName is the host name sent in SNI and checked against the
	// certificate. Empty leaves it to [ForHost] or the caller; an IP
	// address is checked against the certificate's IP addresses.
	ServerName string

	// MinVersion and MaxVersion name TLS versions ("1.0" to "1.3"); empty
	// means the profile's. Setting both to "1.0" forces TLS 1.0.
	MinVersion, MaxVersion string

	// CipherSuites lists TLS 1.0-1.2 suites by IANA code ("009C") or name,
	// replacing the profile's list; nil keeps the profile's. Any suite
	// crypto/tls implements may be named, insecure ones included. TLS 1.3
	// suites are always enabled by crypto/tls; a list naming only TLS 1.3
	// suites restricts the connection to TLS 1.3.
	CipherSuites []string

	// RootCAFile names a PEM file of CA certificates trusted in addition
	// to the system roots. Empty means the system roots only.
	RootCAFile string

	// PinSHA256 lists acceptable SHA-256 hashes of the server's
	// SubjectPublicKeyInfo, as [ParsePin] reads them. When non-empty the
	// server key must match one of them, under every policy.
	PinSHA256 []string

	// ClientCertFile names the client certificate: a PEM file with the
	// chain (and the key when ClientKeyFile is empty), or a PKCS #12 file
	// ending in ".pfx" or ".p12" holding certificate, chain and key.
	// Empty means no client certificate.
	ClientCertFile string
	// ClientKeyFile names the PEM private key for ClientCertFile.
	ClientKeyFile string
	// ClientCertPassword decrypts a PKCS #12 ClientCertFile.
	ClientCertPassword string

	// Now returns the time certificates are checked at; nil means
	// time.Now.
	Now func() time.Time
}

// ForceVersion sets o to use exactly TLS version v ("1.0" to "1.3"), as
// the classic TLSVersion property did: TLSVersion = "1.0" forces TLS 1.0
// for an old server. For "1.0" and "1.1" it also selects [Legacy], since
// servers stuck at those versions rarely offer anything but the suites
// only Legacy allows. The empty string changes nothing and keeps the
// default: TLS 1.2 minimum, 1.3 preferred.
func (o *Options) ForceVersion(v string) error {
	if v == "" {
		return nil
	}
	n, err := ParseVersion(v)
	if err != nil {
		return fieldError("TLSVersion", err)
	}
	if n < tls.VersionTLS12 {
		o.Profile = Legacy
	}
	o.MinVersion, o.MaxVersion = VersionName(n), VersionName(n)
	return nil
}

// SetTLSVersion applies the classic TLSVersion property to o. The classic
// component knew no version above 1.2, so its values map onto ours as
// follows:
//
//	""     our default: TLS 1.2 minimum, 1.3 preferred
//	"1.2"  the classic default, so the same as ""
//	"1.3"  TLS 1.3 only
//	"1.1"  forces TLS 1.1 and selects [Legacy]
//	"1.0"  forces TLS 1.0 and selects [Legacy], for an old server
//
// Unlike [Options.ForceVersion], "1.2" does not turn TLS 1.3 off: a user
// who copied TLSVersion = "1.2" from a classic set-up meant the default.
func (o *Options) SetTLSVersion(v string) error {
	if v == "" {
		return nil
	}
	n, err := ParseVersion(v)
	if err != nil {
		return fieldError("TLSVersion", err)
	}
	switch n {
	case tls.VersionTLS12:
		o.MinVersion, o.MaxVersion = "", ""
		return nil
	case tls.VersionTLS13:
		o.MinVersion, o.MaxVersion = "1.3", ""
		return nil
	}
	return o.ForceVersion(v)
}
