// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// verifyDemo checks the first DKIM-Signature of msg (RFC 6376 section 6)
// against the public key in the TXT record value txt, so that the demo
// needs no DNS and no outside verifier. It supports rsa-sha256 and
// ed25519-sha256 (RFC 8463) with simple and relaxed canonicalization, and
// is written apart from the dkim package's signer on purpose: a signer
// checked only by its own canonicalization code proves little.
func verifyDemo(ctx context.Context, msg []byte, txt string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	return verifySignature(msg, 0, txt)
}

// verifySignature checks the n-th DKIM-Signature field of msg, counted
// from the top, with the key in txt.
func verifySignature(msg []byte, n int, txt string) (string, error) {
	header, body, ok := bytes.Cut(msg, []byte("\r\n\r\n"))
	if !ok {
		return "", errors.New("message has no header/body separator")
	}
	fields := splitFields(string(header) + "\r\n")
	sigIdx := -1
	for i, f := range fields {
		if fieldName(f) == "dkim-signature" {
			if n == 0 {
				sigIdx = i
				break
			}
			n--
		}
	}
	if sigIdx < 0 {
		return "", errors.New("no such DKIM-Signature header field")
	}
	sig := fields[sigIdx]
	tags, err := parseTags(sig[strings.IndexByte(sig, ':')+1:])
	if err != nil {
		return "", err
	}
	if tags["v"] != "1" {
		return "", fmt.Errorf("v=%q, want 1", tags["v"])
	}
	if _, ok := tags["l"]; ok {
		return "", errors.New("l= (body length) is not accepted")
	}
	hc, bc, err := splitCanon(tags["c"])
	if err != nil {
		return "", err
	}

	bodyHash := sha256.Sum256(canonBody(body, bc))
	if base64.StdEncoding.EncodeToString(bodyHash[:]) != stripWSP(tags["bh"]) {
		return "", errors.New("body hash mismatch")
	}

	h := sha256.New()
	used := make([]bool, len(fields))
	for _, name := range strings.Split(tags["h"], ":") {
		name = strings.ToLower(strings.TrimSpace(name))
		// The last unused instance of a name counts first (section 5.4.2).
		for i := len(fields) - 1; i >= 0; i-- {
			if !used[i] && i != sigIdx && fieldName(fields[i]) == name {
				used[i] = true
				h.Write([]byte(canonHeader(fields[i], hc)))
				break
			}
		}
	}
	self := canonHeader(emptyB(sig), hc)
	h.Write([]byte(strings.TrimSuffix(self, "\r\n")))
	signature, err := base64.StdEncoding.DecodeString(stripWSP(tags["b"]))
	if err != nil {
		return "", fmt.Errorf("b=: %w", err)
	}
	if err := checkSignature(tags["a"], txt, h.Sum(nil), signature); err != nil {
		return "", err
	}
	return fmt.Sprintf("pass (d=%s, s=%s, a=%s)", tags["d"], tags["s"], tags["a"]), nil
}

// checkSignature verifies signature over the header hash digest with the
// key in the TXT record value txt.
func checkSignature(alg, txt string, digest, signature []byte) error {
	rec, err := parseTags(txt)
	if err != nil {
		return fmt.Errorf("key record: %w", err)
	}
	raw, err := base64.StdEncoding.DecodeString(stripWSP(rec["p"]))
	if err != nil || len(raw) == 0 {
		return errors.New("key record: p= is empty or not base64")
	}
	switch alg {
	case "rsa-sha256":
		pub, err := x509.ParsePKIXPublicKey(raw)
		if err != nil {
			if pub, err = x509.ParsePKCS1PublicKey(raw); err != nil {
				return fmt.Errorf("key record: %w", err)
			}
		}
		rsaPub, ok := pub.(*rsa.PublicKey)
		if !ok {
			return errors.New("key record: not an RSA key")
		}
		if err := rsa.VerifyPKCS1v15(rsaPub, crypto.SHA256, digest, signature); err != nil {
			return errors.New("signature did not verify")
		}
	case "ed25519-sha256":
		if len(raw) != ed25519.PublicKeySize {
			return errors.New("key record: not an Ed25519 key")
		}
		if !ed25519.Verify(ed25519.PublicKey(raw), digest, signature) {
			return errors.New("signature did not verify")
		}
	default:
		return fmt.Errorf("a=%q is not supported", alg)
	}
	return nil
}

// splitFields cuts a header block (ending in CRLF) into fields, each with
// its continuation lines and final CRLF.
func splitFields(header string) []string {
	var fields []string
	for _, line := range strings.SplitAfter(header, "\r\n") {
		if line == "" {
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && len(fields) > 0 {
			fields[len(fields)-1] += line
			continue
		}
		fields = append(fields, line)
	}
	return fields
}

func fieldName(f string) string {
	name, _, _ := strings.Cut(f, ":")
	return strings.ToLower(strings.TrimRight(name, " \t"))
}

// parseTags parses a tag-list (section 3.2).
func parseTags(s string) (map[string]string, error) {
	tags := map[string]string{}
	for _, part := range strings.Split(s, ";") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		name, value, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("tag %q has no value", strings.TrimSpace(part))
		}
		name = strings.TrimSpace(name)
		if _, dup := tags[name]; dup {
			return nil, fmt.Errorf("tag %s appears twice", name)
		}
		tags[name] = strings.TrimSpace(unfold(value))
	}
	return tags, nil
}

func unfold(s string) string { return strings.ReplaceAll(s, "\r\n", "") }

func stripWSP(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, s)
}

// emptyB returns the signature field with the value of its b= tag removed
// and everything else, white space included, kept (section 3.7).
func emptyB(field string) string {
	colon := strings.IndexByte(field, ':')
	out := field[:colon+1]
	parts := strings.Split(field[colon+1:], ";")
	for i, part := range parts {
		name, _, ok := strings.Cut(part, "=")
		if ok && strings.TrimSpace(unfold(name)) == "b" {
			part = part[:strings.IndexByte(part, '=')+1]
			if i == len(parts)-1 && strings.HasSuffix(field, "\r\n") {
				part += "\r\n"
			}
		}
		if i > 0 {
			out += ";"
		}
		out += part
	}
	return out
}

func splitCanon(c string) (header, body string, err error) {
	if c == "" {
		return "simple", "simple", nil
	}
	header, body, ok := strings.Cut(c, "/")
	if !ok {
		body = "simple"
	}
	for _, v := range []string{header, body} {
		if v != "simple" && v != "relaxed" {
			return "", "", fmt.Errorf("c=%q is not a canonicalization", c)
		}
	}
	return header, body, nil
}

// canonHeader canonicalizes one field (section 3.4.1 and 3.4.2).
func canonHeader(f, c string) string {
	if c == "simple" {
		return f
	}
	name, value, _ := strings.Cut(f, ":")
	value = collapseWSP(unfold(value))
	return strings.ToLower(strings.TrimRight(name, " \t")) + ":" + strings.Trim(value, " ") + "\r\n"
}

// canonBody canonicalizes a body (section 3.4.3 and 3.4.4).
func canonBody(body []byte, c string) []byte {
	lines := strings.Split(string(body), "\r\n")
	if c == "relaxed" {
		for i, l := range lines {
			lines[i] = strings.TrimRight(collapseWSP(l), " ")
		}
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		if c == "relaxed" {
			return nil
		}
		return []byte("\r\n")
	}
	return []byte(strings.Join(lines, "\r\n") + "\r\n")
}

// collapseWSP turns every run of spaces and tabs into one space.
func collapseWSP(s string) string {
	var b strings.Builder
	inWSP := false
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' || s[i] == '\t' {
			if !inWSP {
				b.WriteByte(' ')
			}
			inWSP = true
			continue
		}
		inWSP = false
		b.WriteByte(s[i])
	}
	return b.String()
}
