// SPDX-License-Identifier: Apache-2.0

package tlsprofile

import (
	"crypto/tls"
	"fmt"
	"strings"
	"time"
)

// Reason says why a server certificate was refused.
type Reason int

const (
	// ReasonUnknownAuthority: the chain does not lead to a trusted root.
	ReasonUnknownAuthority Reason = iota + 1
	// ReasonSelfSigned: the server sent a self-signed certificate that is
	// not itself trusted.
	ReasonSelfSigned
	// ReasonHostname: the certificate does not name the host (RFC 6125).
	ReasonHostname
	// ReasonExpired: the current time is after the certificate's NotAfter.
	ReasonExpired
	// ReasonNotYetValid: the current time is before its NotBefore.
	ReasonNotYetValid
	// ReasonPinMismatch: the server's public key matches none of the pins.
	ReasonPinMismatch
	// ReasonNoServerName: there is no host name to check the certificate
	// against (CASE-22); set ServerName.
	ReasonNoServerName
	// ReasonInvalid: any other verification failure, for example a
	// certificate not meant for TLS servers or one violating name
	// constraints. Err holds the detail.
	ReasonInvalid
)

var reasonText = map[Reason]string{
	ReasonUnknownAuthority: "unknown authority",
	ReasonSelfSigned:       "self-signed",
	ReasonHostname:         "wrong host name",
	ReasonExpired:          "expired",
	ReasonNotYetValid:      "not yet valid",
	ReasonPinMismatch:      "public key pin mismatch",
	ReasonNoServerName:     "no server name",
	ReasonInvalid:          "invalid",
}

// String returns a short lower-case description of r.
func (r Reason) String() string {
	if t, ok := reasonText[r]; ok {
		return t
	}
	return fmt.Sprintf("Reason(%d)", int(r))
}

// CertificateError is returned by the handshake of a configuration made by
// [Config] (and by [Client] for any configuration) when the server
// certificate is refused. Its message names the host and the reason, never
// a key or a password.
type CertificateError struct {
	// Reason says which check failed.
	Reason Reason
	// Host is the name the certificate was checked against.
	Host string
	// Subject and Issuer are the certificate's distinguished names.
	Subject, Issuer string
	// Names lists the DNS names and IP addresses the certificate holds.
	Names []string
	// NotBefore and NotAfter are the certificate's validity period.
	NotBefore, NotAfter time.Time
	// SPKISHA256 is the SHA-256 of the certificate's SubjectPublicKeyInfo,
	// set for ReasonPinMismatch.
	SPKISHA256 []byte
	// Err is the crypto/x509 error behind the refusal, if any.
	Err error
}

func (e *CertificateError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "tlsprofile: server certificate for %q refused: %s", e.Host, e.Reason)
	switch e.Reason {
	case ReasonHostname:
		names := strings.Join(e.Names, ", ")
		if names == "" {
			names = "no host"
		}
		fmt.Fprintf(&b, " (certificate names %s)", names)
	case ReasonExpired:
		fmt.Fprintf(&b, " (not after %s)", e.NotAfter.UTC().Format(time.RFC3339))
	case ReasonNotYetValid:
		fmt.Fprintf(&b, " (not before %s)", e.NotBefore.UTC().Format(time.RFC3339))
	case ReasonPinMismatch:
		fmt.Fprintf(&b, " (server key %s)", FormatPin(e.SPKISHA256))
	case ReasonNoServerName:
		b.WriteString(" (set ServerName)")
	case ReasonUnknownAuthority, ReasonSelfSigned:
		fmt.Fprintf(&b, " (issuer %q)", e.Issuer)
	case ReasonInvalid:
		if e.Err != nil {
			fmt.Fprintf(&b, ": %v", e.Err)
		}
	}
	return b.String()
}

// Unwrap returns the crypto/x509 error, so that errors.As also finds
// *x509.HostnameError, x509.UnknownAuthorityError and
// x509.CertificateInvalidError.
func (e *CertificateError) Unwrap() error { return e.Err }

// HandshakeError is returned by [Client] when a TLS handshake fails for a
// reason other than the server certificate, typically because client and
// server share no protocol version or cipher suite (CASE-24). It lists
// what the client offered.
type HandshakeError struct {
	// MinVersion and MaxVersion bound the versions the client offered.
	MinVersion, MaxVersion uint16
	// CipherSuites lists the TLS 1.0-1.2 suites the client offered; nil
	// means crypto/tls's defaults.
	CipherSuites []uint16
	// Err is the error from crypto/tls.
	Err error
}

func (e *HandshakeError) Error() string {
	suites := "Go defaults"
	if e.CipherSuites != nil {
		codes := make([]string, len(e.CipherSuites))
		for i, id := range e.CipherSuites {
			codes[i] = fmt.Sprintf("%04X", id)
		}
		suites = strings.Join(codes, " ")
	}
	return fmt.Sprintf("tlsprofile: TLS handshake failed offering TLS %s to %s and suites %s: %v",
		VersionName(e.MinVersion), VersionName(e.MaxVersion), suites, e.Err)
}

// Unwrap returns the crypto/tls error.
func (e *HandshakeError) Unwrap() error { return e.Err }

func newHandshakeError(cfg *tls.Config, err error) *HandshakeError {
	e := &HandshakeError{MinVersion: cfg.MinVersion, MaxVersion: cfg.MaxVersion, Err: err}
	if e.MinVersion == 0 {
		e.MinVersion = tls.VersionTLS12
	}
	if e.MaxVersion == 0 {
		e.MaxVersion = tls.VersionTLS13
	}
	if cfg.CipherSuites != nil {
		e.CipherSuites = append([]uint16{}, cfg.CipherSuites...)
	}
	return e
}
