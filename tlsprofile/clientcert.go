// SPDX-License-Identifier: Apache-2.0

package tlsprofile

import (
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"software.sslmate.com/src/go-pkcs12"
)

// clientCertificate loads the client certificate o names, if any, into cfg.
func clientCertificate(cfg *tls.Config, o *Options) error {
	if o.ClientCertFile == "" {
		if o.ClientKeyFile != "" {
			return fmt.Errorf("tlsprofile: ClientKeyFile set without ClientCertFile")
		}
		return nil
	}
	var (
		cert tls.Certificate
		err  error
	)
	switch strings.ToLower(filepath.Ext(o.ClientCertFile)) {
	case ".pfx", ".p12":
		cert, err = loadPKCS12(o.ClientCertFile, o.ClientCertPassword)
	default:
		key := o.ClientKeyFile
		if key == "" {
			key = o.ClientCertFile
		}
		cert, err = tls.LoadX509KeyPair(o.ClientCertFile, key)
	}
	if err != nil {
		return fmt.Errorf("tlsprofile: ClientCertFile: %v", err)
	}
	cfg.Certificates = []tls.Certificate{cert}
	return nil
}

// loadPKCS12 reads a .pfx/.p12 file holding a key, its certificate and
// optionally the chain (RFC 7292).
func loadPKCS12(file, password string) (tls.Certificate, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return tls.Certificate{}, err
	}
	key, leaf, chain, err := pkcs12.DecodeChain(data, password)
	if err != nil {
		// The library's messages name no secret ("decryption password
		// incorrect"), but keep only the text, not the value.
		return tls.Certificate{}, fmt.Errorf("reading PKCS #12 file %s: %v", file, err)
	}
	cert := tls.Certificate{Certificate: [][]byte{leaf.Raw}, PrivateKey: key, Leaf: leaf}
	for _, c := range chain {
		cert.Certificate = append(cert.Certificate, c.Raw)
	}
	return cert, nil
}
