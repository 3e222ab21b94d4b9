// SPDX-License-Identifier: Apache-2.0

package saslmech

import (
	"bytes"
	"crypto"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// FuzzLoginChallenge: the prompt text never matters; the first challenge
// gets the username and the second the password (CASE-13).
func FuzzLoginChallenge(f *testing.F) {
	f.Add([]byte("Username:"), []byte("Password:"))
	f.Add([]byte("User Name\x00"), []byte("Password\x00"))
	f.Add([]byte{}, []byte{})
	f.Fuzz(func(t *testing.T, p1, p2 []byte) {
		m := NewLogin("user@example.test", "secret")
		if _, err := m.Start(tlsInfo()); err != nil {
			t.Fatal(err)
		}
		if got, err := m.Next(p1); err != nil || string(got) != "user@example.test" {
			t.Fatalf("Next(%q) = %q, %v", p1, got, err)
		}
		if got, err := m.Next(p2); err != nil || string(got) != "secret" {
			t.Fatalf("Next(%q) = %q, %v", p2, got, err)
		}
	})
}

const fuzzNonce = "fyko+d2lbbFgONRv9qkxdawL"

// FuzzSCRAMServerFirst: a server-first message is either refused (nil
// response, and Finish fails) or answered with a client-final message that
// repeats the server's nonce, which extends the client's, and carries a
// proof as long as the hash.
func FuzzSCRAMServerFirst(f *testing.F) {
	f.Add("r=" + fuzzNonce + "3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096")
	f.Add("r=" + fuzzNonce + "x,s=QSXCR+Q6sek8bf92,i=4096,x=ext")
	f.Add("m=ext,r=" + fuzzNonce + "x,s=QSXCR+Q6sek8bf92,i=4096")
	f.Add("r=" + fuzzNonce + "x,s=QSXCR+Q6sek8bf92,i=0x1000")
	f.Add("e=unknown-user")
	f.Fuzz(func(t *testing.T, msg string) {
		m := &SCRAM{Hash: crypto.SHA1, Username: "user", Password: "pencil", Nonce: fuzzNonce}
		if _, err := m.Start(tlsInfo()); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(msg, "i=") && !strings.Contains(msg, "i=4096") {
			return // keep PBKDF2 cheap: only the known count is derived
		}
		got, err := m.Next([]byte(msg))
		if msg == "" { // the server asks for the initial response
			if err != nil || string(got) != "n,,n=user,r="+fuzzNonce {
				t.Fatalf("Next(empty) = %q, %v", got, err)
			}
			return
		}
		if err != nil {
			if got != nil || m.Finish() == nil {
				t.Fatalf("Next(%q) = %q, %v; Finish() = %v", msg, got, err, m.Finish())
			}
			return
		}
		nonce := strings.TrimPrefix(strings.Split(msg, ",")[0], "r=")
		prefix := "c=biws,r=" + nonce + ",p="
		proof, ok := strings.CutPrefix(string(got), prefix)
		if !ok || !strings.HasPrefix(nonce, fuzzNonce) || nonce == fuzzNonce {
			t.Fatalf("Next(%q) = %q, want prefix %q", msg, got, prefix)
		}
		if p, err := base64.StdEncoding.DecodeString(proof); err != nil || len(p) != 20 {
			t.Fatalf("proof %q is not 20 bytes of base64", proof)
		}
	})
}

// FuzzSCRAMServerFinal: after the RFC 5802 server-first message, exactly
// one server-final verifier is accepted, the RFC's; every other message is
// refused and Finish then fails too.
func FuzzSCRAMServerFinal(f *testing.F) {
	const good = "v=rmF9pqV8S7suAoZWja4dJRkFsKQ="
	f.Add(good)
	f.Add(good + ",ext=1")
	f.Add("v=rmF9pqV8S7suAoZWja4dJRkFsKQ")
	f.Add("e=invalid-proof")
	f.Add("v=")
	f.Fuzz(func(t *testing.T, msg string) {
		m := &SCRAM{Hash: crypto.SHA1, Username: "user", Password: "pencil", Nonce: fuzzNonce}
		m.Start(tlsInfo())
		if _, err := m.Next([]byte("r=" + fuzzNonce + "3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096")); err != nil {
			t.Fatal(err)
		}
		got, err := m.Next([]byte(msg))
		first, _, _ := strings.Cut(msg, ",")
		if first == good {
			if err != nil || got == nil || len(got) != 0 || m.Finish() != nil {
				t.Fatalf("Next(%q) = %q, %v; Finish() = %v", msg, got, err, m.Finish())
			}
			return
		}
		if err == nil || got != nil || m.Finish() == nil {
			t.Fatalf("Next(%q) = %q, %v; Finish() = %v, want a refusal", msg, got, err, m.Finish())
		}
		var se *ServerError
		if strings.HasPrefix(msg, "e=") && !errors.As(err, &se) {
			t.Fatalf("Next(%q) = %v, want *ServerError", msg, err)
		}
	})
}

// FuzzNTLMChallenge: whatever CHALLENGE message the server sends, Next
// returns either an AUTHENTICATE message or a *ProtocolError with no
// response, and never panics.
func FuzzNTLMChallenge(f *testing.F) {
	f.Add(ntlmChallenge([]byte("\x01\x23\x45\x67\x89\xab\xcd\xef"), []byte("\x02\x00\x0c\x00D\x00o\x00m\x00a\x00i\x00n\x00\x00\x00\x00\x00")))
	f.Add(ntlmChallenge([]byte("\x01\x23\x45\x67\x89\xab\xcd\xef"), nil))
	f.Add([]byte("NTLMSSP\x00\x02\x00\x00\x00"))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, ch []byte) {
		m := NewNTLM(`EXAMPLE\user`, "secret")
		if _, err := m.Start(tlsInfo()); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Next(nil); err != nil {
			t.Fatal(err)
		}
		got, err := m.Next(ch)
		if err != nil {
			var pe *ProtocolError
			if got != nil || !errors.As(err, &pe) {
				t.Fatalf("Next(%q) = %q, %v; want nil and a *ProtocolError", ch, got, err)
			}
			return
		}
		if !bytes.HasPrefix(got, []byte("NTLMSSP\x00\x03\x00\x00\x00")) {
			t.Fatalf("Next(%q) = %q, want an AUTHENTICATE message", ch, got)
		}
	})
}
