// SPDX-License-Identifier: Apache-2.0

package tlsprofile

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"slices"
	"time"
)

// verifier checks the server certificate from tls.Config.VerifyConnection.
type verifier struct {
	check bool   // verify chain and host name (policy Verify)
	name  string // host name used when the state carries none (IP address)
	roots *x509.CertPool
	pins  [][]byte
	now   func() time.Time
}

func (v *verifier) verifyConnection(cs tls.ConnectionState) error {
	if len(cs.PeerCertificates) == 0 {
		return &CertificateError{Reason: ReasonInvalid, Host: v.host(cs),
			Err: errors.New("server sent no certificate")}
	}
	if v.check {
		if err := v.verifyChain(cs); err != nil {
			return err
		}
	}
	return v.verifyPin(cs)
}

// host returns the name to check: the SNI name crypto/tls sent (which
// follows tls.Config.ServerName, also in a clone), or the configured name
// when that is an IP address, for which no SNI is sent.
func (v *verifier) host(cs tls.ConnectionState) string {
	if cs.ServerName != "" {
		return cs.ServerName
	}
	return v.name
}

func (v *verifier) verifyChain(cs tls.ConnectionState) error {
	host := v.host(cs)
	leaf := cs.PeerCertificates[0]
	if host == "" {
		return certError(ReasonNoServerName, host, leaf, nil)
	}
	opts := x509.VerifyOptions{
		DNSName:       host,
		Roots:         v.roots,
		Intermediates: x509.NewCertPool(),
		CurrentTime:   v.now(),
	}
	for _, c := range cs.PeerCertificates[1:] {
		opts.Intermediates.AddCert(c)
	}
	if _, err := leaf.Verify(opts); err != nil {
		return classify(err, host, leaf, opts.CurrentTime)
	}
	return nil
}

func (v *verifier) verifyPin(cs tls.ConnectionState) error {
	if len(v.pins) == 0 {
		return nil
	}
	leaf := cs.PeerCertificates[0]
	sum := PinSHA256(leaf)
	if slices.ContainsFunc(v.pins, func(p []byte) bool { return bytes.Equal(p, sum) }) {
		return nil
	}
	e := certError(ReasonPinMismatch, v.host(cs), leaf, nil)
	e.SPKISHA256 = sum
	return e
}

// classify turns a crypto/x509 verification error into a CertificateError.
func classify(err error, host string, leaf *x509.Certificate, now time.Time) *CertificateError {
	var (
		hostErr  x509.HostnameError
		authErr  x509.UnknownAuthorityError
		validErr x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &hostErr):
		return certError(ReasonHostname, host, leaf, err)
	case errors.As(err, &authErr):
		if selfSigned(leaf) {
			return certError(ReasonSelfSigned, host, leaf, err)
		}
		return certError(ReasonUnknownAuthority, host, leaf, err)
	case errors.As(err, &validErr) && validErr.Reason == x509.Expired:
		c := validErr.Cert
		if c == nil {
			c = leaf
		}
		r := ReasonExpired
		if now.Before(c.NotBefore) {
			r = ReasonNotYetValid
		}
		e := certError(r, host, leaf, err)
		e.NotBefore, e.NotAfter = c.NotBefore, c.NotAfter
		return e
	}
	return certError(ReasonInvalid, host, leaf, err)
}

// selfSigned reports whether c is signed by its own key; unlike
// CheckSignatureFrom this does not require c to be a CA.
func selfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) &&
		c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

func certError(r Reason, host string, leaf *x509.Certificate, err error) *CertificateError {
	e := &CertificateError{Reason: r, Host: host, Err: err}
	if leaf == nil {
		return e
	}
	e.Subject = leaf.Subject.String()
	e.Issuer = leaf.Issuer.String()
	e.NotBefore, e.NotAfter = leaf.NotBefore, leaf.NotAfter
	e.Names = append(e.Names, leaf.DNSNames...)
	for _, ip := range leaf.IPAddresses {
		e.Names = append(e.Names, ip.String())
	}
	return e
}

// hostOnly returns addr without its port ("smtp.example.com:587" gives
// "smtp.example.com"), and addr itself when it has none.
func hostOnly(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}
