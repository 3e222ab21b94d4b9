// SPDX-License-Identifier: Apache-2.0

package saslmech

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// serverFirst is a parsed SCRAM server-first message (RFC 5802 section 7).
type serverFirst struct {
	nonce string
	salt  []byte
	iter  int
}

// parseServerFirst reads "r=nonce,s=salt,i=count[,ext...]". A leading
// mandatory extension ("m=") is refused, as the RFC requires.
func parseServerFirst(msg string) (serverFirst, error) {
	var sf serverFirst
	attrs := strings.Split(msg, ",")
	if len(attrs) < 3 {
		return sf, errors.New("too few attributes")
	}
	if strings.HasPrefix(attrs[0], "m=") {
		return sf, errors.New("unsupported mandatory extension")
	}
	var err error
	var salt, iter string
	for i, key := range []string{"r", "s", "i"} {
		v, ok := strings.CutPrefix(attrs[i], key+"=")
		if !ok {
			return sf, fmt.Errorf("attribute %d is not %s=", i+1, key)
		}
		switch key {
		case "r":
			sf.nonce = v
		case "s":
			salt = v
		case "i":
			iter = v
		}
	}
	if !validNonce(sf.nonce) {
		return sf, errors.New("nonce is not printable ASCII")
	}
	if sf.salt, err = decodeBase64(salt); err != nil || len(sf.salt) == 0 {
		return sf, errors.New("salt is not base64")
	}
	if sf.iter, err = strconv.Atoi(iter); err != nil || sf.iter <= 0 || iter[0] == '+' {
		return sf, errors.New("iteration count is not a positive number")
	}
	for _, ext := range attrs[3:] {
		if len(ext) < 2 || ext[1] != '=' {
			return sf, errors.New("malformed extension")
		}
	}
	return sf, nil
}

// ServerError is a SCRAM server-final message with an error ("e=", RFC 5802
// section 7), such as "invalid-proof" or "unknown-user".
type ServerError struct {
	// Mechanism is "SCRAM-SHA-1" or "SCRAM-SHA-256".
	Mechanism string
	// Value is the server-error-value.
	Value string
}

// Error gives the SCRAM server's error value.
func (e *ServerError) Error() string {
	return fmt.Sprintf("saslmech: %s: server error %q", e.Mechanism, e.Value)
}

// errServerFinal carries a server's "e=" value out of parseServerFinal.
type errServerFinal string

func (e errServerFinal) Error() string { return "server error " + string(e) }

// parseServerFinal reads "v=signature[,ext...]" and returns the decoded
// signature, or an errServerFinal for "e=value".
func parseServerFinal(msg string) ([]byte, error) {
	first, _, _ := strings.Cut(msg, ",")
	if v, ok := strings.CutPrefix(first, "e="); ok {
		return nil, errServerFinal(v)
	}
	v, ok := strings.CutPrefix(first, "v=")
	if !ok {
		return nil, errors.New("no verifier")
	}
	sig, err := decodeBase64(v)
	if err != nil || len(sig) == 0 {
		return nil, errors.New("verifier is not base64")
	}
	return sig, nil
}

// decodeBase64 decodes the base64 of RFC 5802's grammar strictly. Go's
// decoder skips CR and LF even in strict mode; the grammar has no room for
// them, so they are refused here.
func decodeBase64(s string) ([]byte, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, errors.New("line break in base64")
	}
	return base64.StdEncoding.Strict().DecodeString(s)
}
