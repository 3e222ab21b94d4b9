// SPDX-License-Identifier: Apache-2.0

package saslmech

import "unicode/utf8"

// byteSet is a set of bytes a credential field may not hold.
type byteSet [256]bool

func newByteSet(bytes string) *byteSet {
	var s byteSet
	for i := 0; i < len(bytes); i++ {
		s[bytes[i]] = true
	}
	return &s
}

// checkField returns a [CredentialError] when v is empty although required,
// or holds one of the bytes in forbidden.
func checkField(mech, field, v string, required bool, forbidden *byteSet) error {
	if required && v == "" {
		return &CredentialError{Mechanism: mech, Field: field, Reason: "is empty"}
	}
	for i := 0; i < len(v); i++ {
		if forbidden[v[i]] {
			return &CredentialError{Mechanism: mech, Field: field,
				Reason: "contains the forbidden byte " + quoteByte(v[i])}
		}
	}
	return nil
}

// checkUTF8 is checkField for mechanisms whose specification requires
// UTF-8 text.
func checkUTF8(mech, field, v string, required bool, forbidden *byteSet) error {
	if err := checkField(mech, field, v, required, forbidden); err != nil {
		return err
	}
	if !utf8.ValidString(v) {
		return &CredentialError{Mechanism: mech, Field: field, Reason: "is not valid UTF-8"}
	}
	return nil
}

func quoteByte(b byte) string {
	const hex = "0123456789abcdef"
	return "0x" + string([]byte{hex[b>>4], hex[b&15]})
}

const controlBytes = "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f" +
	"\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f"

var (
	// nul is the one byte that the passwords of PLAIN, LOGIN, CRAM-MD5 and
	// NTLM cannot carry: it is PLAIN's field separator, and servers written
	// in C end strings at it.
	nul = newByteSet("\x00")

	// controls are the C0 controls and DEL. No mechanism carries them in a
	// username or identity (SEC-16): they have no place in a mailbox or
	// login name, and a server may log or split on them. The token
	// mechanisms and SCRAM refuse them in every field.
	controls = newByteSet(controlBytes)

	// tokenBytes are the bytes a bearer token cannot hold: the controls,
	// and the space that would end it after "Bearer ".
	tokenBytes = newByteSet(controlBytes + " ")
)
