// SPDX-License-Identifier: Apache-2.0

package tlsprofile

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

// Config returns a new *tls.Config for a client as o describes; nil o
// means the zero Options. Each error names the Options field at fault and
// never contains a password or key.
//
// For the policy Verify the returned config sets InsecureSkipVerify and
// checks the certificate itself in VerifyConnection, with the same
// crypto/x509 verification crypto/tls would do, so that a refusal is a
// *[CertificateError] saying why. Keep VerifyConnection when modifying the
// config: without it nothing is verified.
func Config(o *Options) (*tls.Config, error) {
	if o == nil {
		o = &Options{}
	}
	if o.Policy < Verify || o.Policy > None {
		return nil, fmt.Errorf("tlsprofile: Policy: unknown value %d", int(o.Policy))
	}
	cfg, err := versionsAndSuites(o)
	if err != nil {
		return nil, err
	}
	cfg.ServerName = o.ServerName
	v := &verifier{check: o.Policy == Verify, name: o.ServerName, now: o.Now}
	if v.now == nil {
		v.now = time.Now
	}
	if v.roots, err = rootPool(o.RootCAFile); err != nil {
		return nil, err
	}
	for _, p := range o.PinSHA256 {
		sum, err := ParsePin(p)
		if err != nil {
			return nil, fieldError("PinSHA256", err)
		}
		v.pins = append(v.pins, sum)
	}
	if err := clientCertificate(cfg, o); err != nil {
		return nil, err
	}
	cfg.RootCAs = v.roots
	cfg.Time = v.now
	cfg.InsecureSkipVerify = true // verified by v.verifyConnection
	cfg.VerifyConnection = v.verifyConnection
	return cfg, nil
}

func versionsAndSuites(o *Options) (*tls.Config, error) {
	if o.Profile < Default || o.Profile > Legacy {
		return nil, fmt.Errorf("tlsprofile: Profile: unknown value %d", int(o.Profile))
	}
	cfg := &tls.Config{
		MinVersion:   o.Profile.MinVersion(),
		MaxVersion:   o.Profile.MaxVersion(),
		CipherSuites: o.Profile.CipherSuites(),
	}
	var err error
	if o.MinVersion != "" {
		if cfg.MinVersion, err = ParseVersion(o.MinVersion); err != nil {
			return nil, fieldError("MinVersion", err)
		}
	}
	if o.MaxVersion != "" {
		if cfg.MaxVersion, err = ParseVersion(o.MaxVersion); err != nil {
			return nil, fieldError("MaxVersion", err)
		}
	}
	if cfg.MinVersion > cfg.MaxVersion {
		return nil, fmt.Errorf("tlsprofile: MinVersion %s is above MaxVersion %s",
			VersionName(cfg.MinVersion), VersionName(cfg.MaxVersion))
	}
	if o.CipherSuites != nil {
		if err := explicitSuites(cfg, o.CipherSuites); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}

// explicitSuites sets the caller's suite list. TLS 1.3 suites are dropped
// from it, since crypto/tls ignores them; if nothing else is left the
// connection is limited to TLS 1.3.
func explicitSuites(cfg *tls.Config, list []string) error {
	ids, err := ParseSuites(list)
	if err != nil {
		return fieldError("CipherSuites", err)
	}
	cfg.CipherSuites = []uint16{}
	for _, id := range ids {
		if su, _ := LookupSuite(id); !su.TLS13() {
			cfg.CipherSuites = append(cfg.CipherSuites, id)
		}
	}
	if len(cfg.CipherSuites) > 0 {
		return nil
	}
	if cfg.MaxVersion < tls.VersionTLS13 {
		return errors.New("tlsprofile: CipherSuites: only TLS 1.3 suites listed but MaxVersion is below 1.3")
	}
	cfg.MinVersion = tls.VersionTLS13
	return nil
}

func rootPool(file string) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if file == "" {
		return pool, nil
	}
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("tlsprofile: RootCAFile: %w", err)
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("tlsprofile: RootCAFile: no PEM certificate in %s", file)
	}
	return pool, nil
}

// ForHost returns a clone of cfg whose ServerName is the host part of addr
// ("smtp.example.com:587" gives "smtp.example.com") when cfg has none, so
// that a non-nil config with nothing set still verifies the right name
// (CASE-22; RFC 6066 section 3: the SNI name carries no port). A nil cfg
// gives a fresh config with Go's defaults and that ServerName.
func ForHost(cfg *tls.Config, addr string) *tls.Config {
	if cfg == nil {
		cfg = &tls.Config{}
	}
	c := cfg.Clone()
	if c.ServerName == "" {
		c.ServerName = hostOnly(addr)
	}
	return c
}

// Client runs a client handshake on conn with cfg, bounded by ctx, and
// returns the TLS connection. A refused server certificate is a
// *[CertificateError], also when cfg did not come from [Config]; any other
// handshake failure is a *[HandshakeError] listing what was offered. A nil
// cfg is an empty config, which crypto/tls refuses for want of a
// ServerName; pass it through [ForHost] first. On
// error the caller still owns conn and should close it.
func Client(ctx context.Context, conn net.Conn, cfg *tls.Config) (*tls.Conn, error) {
	if cfg == nil {
		cfg = &tls.Config{}
	}
	tc := tls.Client(conn, cfg)
	err := tc.HandshakeContext(ctx)
	if err == nil {
		return tc, nil
	}
	var ce *CertificateError
	if errors.As(err, &ce) {
		return nil, ce
	}
	var ve *tls.CertificateVerificationError
	if errors.As(err, &ve) && len(ve.UnverifiedCertificates) > 0 {
		now := time.Now()
		if cfg.Time != nil {
			now = cfg.Time()
		}
		return nil, classify(ve.Err, cfg.ServerName, ve.UnverifiedCertificates[0], now)
	}
	return nil, newHandshakeError(cfg, err)
}

// fieldError prefixes err, one of this package's errors, with the name of
// the Options field it concerns.
func fieldError(field string, err error) error {
	return fmt.Errorf("tlsprofile: %s: %s", field, strings.TrimPrefix(err.Error(), "tlsprofile: "))
}
