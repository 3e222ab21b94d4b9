// SPDX-License-Identifier: Apache-2.0

package dkim

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
)

// TXTResolver looks up DNS TXT records; *net.Resolver is one. Each string
// returned is one whole record, its character-strings joined.
type TXTResolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// TXTRecords is a fixed set of TXT records, by owner name in lower case
// without a final dot, for verifying without DNS.
type TXTRecords map[string]string

// LookupTXT returns the record for name, or a *net.DNSError with
// IsNotFound set.
func (m TXTRecords) LookupTXT(_ context.Context, name string) ([]string, error) {
	if v, ok := m[strings.ToLower(strings.TrimSuffix(name, "."))]; ok {
		return []string{v}, nil
	}
	return nil, &net.DNSError{Err: "no such record", Name: name, IsNotFound: true}
}

// ParseTXTRecords reads records from lines "NAME VALUE", such as
//
//	sel._domainkey.example.com v=DKIM1; k=rsa; p=MIIBIjANBg...
//
// The value may also be written as quoted character-strings, as in a zone
// file ("v=DKIM1; k=rsa; " "p=MIIB..."), which are joined. Empty lines and
// lines starting with # are skipped.
func ParseTXTRecords(r io.Reader) (TXTRecords, error) {
	m := TXTRecords{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		name, value, ok := strings.Cut(line, " ")
		if !ok {
			name, value, ok = strings.Cut(line, "\t")
		}
		value = strings.TrimSpace(value)
		if !ok || value == "" {
			return nil, fmt.Errorf("dkim: TXT records line %d: want NAME VALUE", n)
		}
		if value[0] == '"' {
			v, err := joinQuoted(value)
			if err != nil {
				return nil, fmt.Errorf("dkim: TXT records line %d: %v", n, err)
			}
			value = v
		}
		m[strings.ToLower(strings.TrimSuffix(name, "."))] = value
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("dkim: reading TXT records: %w", err)
	}
	return m, nil
}

// joinQuoted joins "a" "b" into ab.
func joinQuoted(s string) (string, error) {
	var b strings.Builder
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		if s[0] != '"' {
			return "", fmt.Errorf("text outside quotes: %q", s)
		}
		end := strings.IndexByte(s[1:], '"')
		if end < 0 {
			return "", fmt.Errorf("unterminated quote")
		}
		b.WriteString(s[1 : end+1])
		s = s[end+2:]
	}
	return b.String(), nil
}
