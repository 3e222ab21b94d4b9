// SPDX-License-Identifier: Apache-2.0

package dkim

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"software.sslmate.com/src/go-pkcs12"
)

// LoadKey reads a private key for signing from data:
//
//   - PEM "RSA PRIVATE KEY" (PKCS#1);
//   - PEM "PRIVATE KEY" (PKCS#8) holding an RSA or an Ed25519 key;
//   - the RFC 8463 raw form of an Ed25519 key: the base64 of its 32-octet
//     seed (what dknewkey writes), on a line of its own.
//
// Encrypted PEM is not supported.
func LoadKey(data []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return loadRawEd25519(data)
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("dkim: PKCS#1 key: %v", err)
		}
		return k, nil
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("dkim: PKCS#8 key: %v", err)
		}
		return signerOf(k)
	case "ENCRYPTED PRIVATE KEY":
		return nil, errors.New("dkim: encrypted PEM keys are not supported; use a .pfx file or decrypt the key")
	}
	return nil, fmt.Errorf("dkim: PEM block %q is not a private key", block.Type)
}

func loadRawEd25519(data []byte) (crypto.Signer, error) {
	s := string(bytes.TrimSpace(data))
	seed, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, errors.New("dkim: key is neither PEM nor a base64 Ed25519 seed")
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// LoadPKCS12 reads the private key of a PKCS#12 (.pfx, .p12) file, such as
// a self-signed certificate exported with its key, with its password.
func LoadPKCS12(data []byte, password string) (crypto.Signer, error) {
	k, _, _, err := pkcs12.DecodeChain(data, password)
	if err != nil {
		return nil, fmt.Errorf("dkim: PKCS#12: %v", err)
	}
	return signerOf(k)
}

// signerOf accepts the key types DKIM can sign with.
func signerOf(k any) (crypto.Signer, error) {
	switch k := k.(type) {
	case *rsa.PrivateKey:
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	case *ed25519.PrivateKey:
		return *k, nil
	}
	return nil, fmt.Errorf("dkim: unsupported key type %T (DKIM signs with RSA or Ed25519)", k)
}

func keyType(pub crypto.PublicKey) string {
	switch pub.(type) {
	case *rsa.PublicKey:
		return "rsa"
	case ed25519.PublicKey:
		return "ed25519"
	}
	return fmt.Sprintf("%T", pub)
}

// KeyRecord is the DNS TXT record that publishes a DKIM public key (RFC
// 6376 section 3.6.1).
type KeyRecord struct {
	// Name is the owner name, selector._domainkey.domain (no final dot).
	Name string
	// Value is the record value, such as "v=DKIM1; k=rsa; p=MIIB...".
	Value string
	// Strings is Value cut into character-strings of at most 255 octets,
	// as a TXT record holds them; resolvers join them again.
	Strings []string
}

// Zone returns the record as a zone file line, with each character-string
// quoted.
func (r *KeyRecord) Zone() string {
	var b strings.Builder
	b.WriteString(r.Name + ". IN TXT (")
	for _, s := range r.Strings {
		b.WriteString(" \"" + s + "\"")
	}
	b.WriteString(" )")
	return b.String()
}

// Record returns the TXT record to publish for pub, an *rsa.PublicKey
// (p= is the base64 SubjectPublicKeyInfo) or an ed25519.PublicKey (p= is the
// raw 32-octet key, RFC 8463 section 4.2). A private key or a certificate's
// public key works too.
func Record(selector, domain string, pub crypto.PublicKey) (*KeyRecord, error) {
	if s, ok := pub.(crypto.Signer); ok {
		pub = s.Public()
	}
	if err := checkDomain(domain); err != nil {
		return nil, err
	}
	if selector == "" {
		return nil, errors.New("dkim: empty selector")
	}
	var k string
	var p []byte
	switch pk := pub.(type) {
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(pk)
		if err != nil {
			return nil, fmt.Errorf("dkim: %v", err)
		}
		k, p = "rsa", der
	case ed25519.PublicKey:
		k, p = "ed25519", pk
	default:
		return nil, fmt.Errorf("dkim: unsupported key type %T", pub)
	}
	v := "v=DKIM1; k=" + k + "; p=" + base64.StdEncoding.EncodeToString(p)
	r := &KeyRecord{Name: selector + "._domainkey." + strings.TrimSuffix(domain, "."), Value: v}
	for len(v) > 255 {
		r.Strings = append(r.Strings, v[:255])
		v = v[255:]
	}
	r.Strings = append(r.Strings, v)
	return r, nil
}
