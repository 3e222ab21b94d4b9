// SPDX-License-Identifier: Apache-2.0

package dkim

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"strings"
)

// publicKey is a parsed key record (RFC 6376 section 3.6.1).
type publicKey struct {
	key     crypto.PublicKey
	hashes  []string // h=, nil for any
	testing bool     // t=y
	strict  bool     // t=s: i= must not be a subdomain of d=
}

// parseKeyRecord reads a TXT record value. A record that is not a usable
// key gives a permanent failure.
func parseKeyRecord(v string) (*publicKey, *Error) {
	tags, err := parseTagList(v)
	if err != nil {
		return nil, permFail("malformed key record", err)
	}
	if ver, ok := tags.get("v"); ok && (ver != "DKIM1" || tags[0].name != "v") {
		return nil, permFail("key record version is not DKIM1", nil)
	}
	pk := &publicKey{}
	if h, ok := tags.get("h"); ok {
		pk.hashes = splitColon(h)
	}
	if s, ok := tags.get("s"); ok && !hasAny(splitColon(s), "*", "email") {
		return nil, permFail("key is not for email (s=)", nil)
	}
	if t, ok := tags.get("t"); ok {
		for _, f := range splitColon(t) {
			pk.testing = pk.testing || f == "y"
			pk.strict = pk.strict || f == "s"
		}
	}
	p, ok := tags.get("p")
	if !ok {
		return nil, permFail("key record has no p=", nil)
	}
	p = stripFWS(p)
	if p == "" {
		return nil, permFail("key revoked (empty p=)", nil)
	}
	der, err := base64.StdEncoding.DecodeString(p)
	if err != nil {
		return nil, permFail("key record p= is not base64", err)
	}
	k, _ := tags.get("k")
	switch k {
	case "", "rsa":
		pk.key, err = parseRSAKey(der)
		if err != nil {
			return nil, permFail("bad RSA key in record", err)
		}
	case "ed25519":
		if len(der) != ed25519.PublicKeySize {
			return nil, permFail("bad Ed25519 key in record", nil)
		}
		pk.key = ed25519.PublicKey(der)
	default:
		return nil, permFail("unknown key type k="+k, nil)
	}
	return pk, nil
}

// parseRSAKey accepts a SubjectPublicKeyInfo, as RFC 6376 says, and a bare
// RSAPublicKey, which some publish.
func parseRSAKey(der []byte) (*rsa.PublicKey, error) {
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		if k1, err1 := x509.ParsePKCS1PublicKey(der); err1 == nil {
			return k1, nil
		}
		return nil, err
	}
	rk, ok := k.(*rsa.PublicKey)
	if !ok {
		return nil, errNotRSA
	}
	return rk, nil
}

type keyError string

func (e keyError) Error() string { return string(e) }

const errNotRSA = keyError("key is not an RSA key")

func splitColon(s string) []string {
	parts := strings.Split(stripFWS(s), ":")
	for i := range parts {
		parts[i] = strings.ToLower(parts[i])
	}
	return parts
}

func hasAny(list []string, want ...string) bool {
	for _, x := range list {
		for _, w := range want {
			if x == w {
				return true
			}
		}
	}
	return false
}
