// SPDX-License-Identifier: Apache-2.0

package mailsender

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/mailwright/mailwright/tlsprofile"
)

// version returns the TLS version TLSVersion forces, or 0 for none.
func (s *Sender) version() (uint16, error) {
	if s.TLSVersion == "" {
		return 0, nil
	}
	return tlsprofile.ParseVersion(s.TLSVersion)
}

// tlsConfig builds the TLS configuration for one connection; smtpclient
// applies TLSPolicy to it. It returns nil when neither TLS nor SSL is
// asked for.
func (s *Sender) tlsConfig() (*tls.Config, error) {
	if !s.TLS && !s.SSL {
		return nil, nil
	}
	cfg := &tls.Config{ServerName: s.ServerName, RootCAs: s.RootCAs}
	if cfg.ServerName == "" {
		cfg.ServerName = s.Host
	}
	v, err := s.version()
	if err != nil {
		return nil, &FieldError{Field: "Sender.TLSVersion", Err: err}
	}
	if v != 0 {
		// The classic TLSVersion forces one version. Servers stuck at 1.0
		// or 1.1 seldom offer more than the suites of the Legacy profile.
		cfg.MinVersion, cfg.MaxVersion = v, v
		if v < tls.VersionTLS12 {
			cfg.CipherSuites = tlsprofile.Legacy.CipherSuites()
		}
	}
	if s.CAFile != "" {
		if cfg.RootCAs, err = loadCAs(s.RootCAs, s.CAFile); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}

// loadCAs adds the PEM certificates in file to base (or to a copy of the
// system pool when base is nil).
func loadCAs(base *x509.CertPool, file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, &FieldError{Field: "Sender.CAFile", Err: err}
	}
	pool := base
	if pool == nil {
		if pool, err = x509.SystemCertPool(); err != nil {
			pool = x509.NewCertPool()
		}
	} else {
		pool = pool.Clone()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, &FieldError{Field: "Sender.CAFile", Err: fmt.Errorf("no PEM certificate in %s", file)}
	}
	return pool, nil
}
