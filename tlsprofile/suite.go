// SPDX-License-Identifier: Apache-2.0

package tlsprofile

import (
	"cmp"
	"crypto/tls"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Suite describes one cipher suite that crypto/tls implements.
type Suite struct {
	// ID is the IANA code point, for example 0xC02F.
	ID uint16
	// Name is the IANA name, for example
	// "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256".
	Name string
	// Versions lists the TLS versions the suite can be used with, lowest
	// first.
	Versions []uint16
	// Insecure is true for the suites crypto/tls lists in
	// tls.InsecureCipherSuites: RC4 (RFC 7465), 3DES, CBC with SHA-256
	// (no Lucky13 countermeasures) and every RSA key exchange suite (no
	// forward secrecy).
	Insecure bool
	// RSAKeyExchange is true when the session key is sent encrypted with the
	// server's RSA key (TLS_RSA_WITH_*): whoever obtains that key later can
	// decrypt recorded sessions.
	RSAKeyExchange bool
}

// Code returns the IANA code point as four upper-case hexadecimal digits,
// as in the classic report format ("C02F").
func (s Suite) Code() string { return fmt.Sprintf("%04X", s.ID) }

// TLS13 reports whether s is a TLS 1.3 suite. crypto/tls always enables
// all of them and ignores them in tls.Config.CipherSuites.
func (s Suite) TLS13() bool {
	return len(s.Versions) == 1 && s.Versions[0] == tls.VersionTLS13
}

var suites = buildSuites()

func buildSuites() []Suite {
	var all []Suite
	add := func(list []*tls.CipherSuite, insecure bool) {
		for _, c := range list {
			all = append(all, Suite{
				ID:             c.ID,
				Name:           c.Name,
				Versions:       slices.Sorted(slices.Values(c.SupportedVersions)),
				Insecure:       insecure,
				RSAKeyExchange: strings.HasPrefix(c.Name, "TLS_RSA_"),
			})
		}
	}
	add(tls.CipherSuites(), false)
	add(tls.InsecureCipherSuites(), true)
	slices.SortFunc(all, func(a, b Suite) int { return cmp.Compare(a.ID, b.ID) })
	return all
}

// Suites returns every cipher suite crypto/tls implements, ordered by code.
// The caller may modify the returned slice.
func Suites() []Suite {
	out := make([]Suite, len(suites))
	for i, s := range suites {
		s.Versions = slices.Clone(s.Versions)
		out[i] = s
	}
	return out
}

// LookupSuite returns the suite with the given code, and false when
// crypto/tls does not implement it.
func LookupSuite(id uint16) (Suite, bool) {
	i, ok := slices.BinarySearchFunc(suites, id, func(s Suite, id uint16) int {
		return cmp.Compare(s.ID, id)
	})
	if !ok {
		return Suite{}, false
	}
	s := suites[i]
	s.Versions = slices.Clone(s.Versions)
	return s, true
}

// ParseSuite returns the suite named by s: either its IANA code as four
// hexadecimal digits with or without "0x" ("009C", "0xC02F"), or its IANA
// name ("TLS_RSA_WITH_AES_128_GCM_SHA256"; case does not matter). Go's
// older aliases for the ChaCha20 suites, without "_SHA256", are accepted
// too.
func ParseSuite(s string) (Suite, error) {
	t := strings.TrimSpace(s)
	h := strings.TrimPrefix(strings.TrimPrefix(t, "0x"), "0X")
	if len(h) == 4 {
		if id, err := strconv.ParseUint(h, 16, 16); err == nil {
			if su, ok := LookupSuite(uint16(id)); ok {
				return su, nil
			}
			return Suite{}, fmt.Errorf("tlsprofile: cipher suite %q is not implemented by crypto/tls", s)
		}
	}
	u := strings.ToUpper(t)
	for _, su := range suites {
		if su.Name == u || su.Name == u+"_SHA256" && strings.Contains(u, "CHACHA20") {
			su.Versions = slices.Clone(su.Versions)
			return su, nil
		}
	}
	return Suite{}, fmt.Errorf("tlsprofile: unknown cipher suite %q", s)
}

// ParseSuites parses each element of list with [ParseSuite] and returns
// their codes in the order given, without duplicates.
func ParseSuites(list []string) ([]uint16, error) {
	ids := make([]uint16, 0, len(list))
	for _, s := range list {
		su, err := ParseSuite(s)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(ids, su.ID) {
			ids = append(ids, su.ID)
		}
	}
	return ids, nil
}
