// SPDX-License-Identifier: Apache-2.0

package saslmech

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"unicode/utf16"

	"golang.org/x/crypto/md4"
)

// The NTLM test server below computes NTLMv2 itself (MS-NLMP section 3.3.2),
// and its arithmetic is first checked against MS-NLMP section 4.2.4.

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

func hmacMD5(key []byte, parts ...[]byte) []byte {
	m := hmac.New(md5.New, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// ntowfv2 is NTOWFv2(Passwd, User, UserDom) of MS-NLMP section 3.3.2.
func ntowfv2(pass, user, domain string) []byte {
	h := md4.New()
	h.Write(utf16le(pass))
	return hmacMD5(h.Sum(nil), utf16le(strings.ToUpper(user)+domain))
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type nlmpVector struct {
	Common struct {
		User, Password string
		Domain         string `json:"user_domain"`
		ServerChal     string `json:"server_challenge_hex"`
	} `json:"common_4_2_1"`
	V2 struct {
		ResponseKeyNT string `json:"NTOWFv2_ResponseKeyNT"`
		NTProofStr    string
		AVPairs       string `json:"av_pairs_hex"`
		Temp          string `json:"temp_hex"`
		NTResponse    string `json:"NTChallengeResponse_hex"`
	} `json:"ntlmv2_4_2_4"`
}

// TestNTLMv2MSNLMP424 checks the test server's NTLMv2 arithmetic against
// the published values of MS-NLMP section 4.2.4.
func TestNTLMv2MSNLMP424(t *testing.T) {
	var v nlmpVector
	loadVector(t, "ntlm-ms-nlmp-4.2.json", &v)
	key := ntowfv2(v.Common.Password, v.Common.User, v.Common.Domain)
	if got := hex.EncodeToString(key); got != v.V2.ResponseKeyNT {
		t.Fatalf("NTOWFv2 = %s, want %s", got, v.V2.ResponseKeyNT)
	}
	proof := hmacMD5(key, unhex(t, v.Common.ServerChal), unhex(t, v.V2.Temp))
	if got := hex.EncodeToString(proof); got != v.V2.NTProofStr {
		t.Fatalf("NTProofStr = %s, want %s", got, v.V2.NTProofStr)
	}
}

// TestNTLMMSNLMP424Client runs the mechanism against a CHALLENGE message
// built from the MS-NLMP section 4.2 values (server challenge 0123456789abcdef,
// AV pairs "Domain"/"Server") with user "Domain\User", password "Password":
// the client's NTProofStr must verify under the published ResponseKeyNT,
// with the published AV pairs inside its temp blob.
func TestNTLMMSNLMP424Client(t *testing.T) {
	var v nlmpVector
	loadVector(t, "ntlm-ms-nlmp-4.2.json", &v)
	chal := unhex(t, v.Common.ServerChal)
	type2 := ntlmChallenge(chal, unhex(t, v.V2.AVPairs))
	m := NewNTLM(v.Common.Domain+`\`+v.Common.User, v.Common.Password)
	if _, err := m.Start(tlsInfo()); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Next(nil); err != nil {
		t.Fatal(err)
	}
	type3, err := m.Next(type2)
	if err != nil {
		t.Fatal(err)
	}
	a, err := parseAuthenticate(type3)
	if err != nil {
		t.Fatal(err)
	}
	if a.user != "User" || a.domain != "Domain" {
		t.Errorf("user, domain = %q, %q", a.user, a.domain)
	}
	temp := a.nt[16:]
	if !bytes.HasPrefix(temp, []byte{1, 1, 0, 0, 0, 0, 0, 0}) ||
		!bytes.Contains(temp, unhex(t, v.V2.AVPairs)) {
		t.Errorf("temp blob %x lacks the header or the AV pairs", temp)
	}
	proof := hmacMD5(unhex(t, v.V2.ResponseKeyNT), chal, temp)
	if !bytes.Equal(proof, a.nt[:16]) {
		t.Errorf("NTProofStr %x does not verify under the MS-NLMP ResponseKeyNT", a.nt[:16])
	}
}

// ntlmChallenge builds a CHALLENGE message (MS-NLMP section 2.2.1.2) asking
// for NTLMv2: UNICODE, REQUEST_TARGET, NTLM, TARGET_INFO, EXTENDED_SESSION.
func ntlmChallenge(serverChallenge, targetInfo []byte) []byte {
	const flags = 0x00000001 | 0x00000004 | 0x00000200 | 0x00800000 | 0x00080000
	target := utf16le("Domain")
	b := []byte("NTLMSSP\x00")
	b = binary.LittleEndian.AppendUint32(b, 2)
	field := func(n, off int) {
		b = binary.LittleEndian.AppendUint16(b, uint16(n))
		b = binary.LittleEndian.AppendUint16(b, uint16(n))
		b = binary.LittleEndian.AppendUint32(b, uint32(off))
	}
	field(len(target), 48)
	b = binary.LittleEndian.AppendUint32(b, flags)
	b = append(b, serverChallenge...)
	b = append(b, make([]byte, 8)...)
	field(len(targetInfo), 48+len(target))
	b = append(b, target...)
	return append(b, targetInfo...)
}

type ntlmAuth struct {
	lm, nt             []byte
	domain, user, host string
}

// parseAuthenticate reads an AUTHENTICATE message (MS-NLMP 2.2.1.3).
func parseAuthenticate(b []byte) (ntlmAuth, error) {
	var a ntlmAuth
	if len(b) < 64 || !bytes.HasPrefix(b, []byte("NTLMSSP\x00")) ||
		binary.LittleEndian.Uint32(b[8:]) != 3 {
		return a, errors.New("not an AUTHENTICATE message")
	}
	field := func(at int) ([]byte, error) {
		n := int(binary.LittleEndian.Uint16(b[at:]))
		off := int(binary.LittleEndian.Uint32(b[at+4:]))
		if off+n > len(b) {
			return nil, errors.New("field out of range")
		}
		return b[off : off+n], nil
	}
	str := func(p []byte) string {
		u := make([]uint16, len(p)/2)
		for i := range u {
			u[i] = binary.LittleEndian.Uint16(p[2*i:])
		}
		return string(utf16.Decode(u))
	}
	var parts [5][]byte
	for i := range parts {
		p, err := field(12 + 8*i)
		if err != nil {
			return a, err
		}
		parts[i] = p
	}
	a.lm, a.nt = parts[0], parts[1]
	a.domain, a.user, a.host = str(parts[2]), str(parts[3]), str(parts[4])
	if len(a.nt) < 16+28 {
		return a, errors.New("NT response is not NTLMv2")
	}
	return a, nil
}

var ntlmAVPairs = append(append(
	[]byte{2, 0, 12, 0}, utf16le("Domain")...),
	append(append([]byte{1, 0, 12, 0}, utf16le("Server")...), 0, 0, 0, 0)...)

// ntlmServer is a fake SMTP NTLM server that verifies NTLMv2 against the
// given accounts, keyed by the name the client sends in its AUTHENTICATE
// message as "domain\user" (domain empty for UPN logins).
func ntlmServer(accounts map[string]string) *fake {
	f := &fake{mech: "NTLM"}
	chal := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	askNegotiate := func(data []byte, present bool) (int, []byte) {
		if present {
			return 501, []byte("5.5.2 no initial response expected")
		}
		return 334, nil
	}
	takeNegotiate := func(data []byte, _ bool) (int, []byte) {
		if !bytes.HasPrefix(data, []byte("NTLMSSP\x00\x01\x00\x00\x00")) {
			return 501, []byte("5.5.2 not a NEGOTIATE message")
		}
		return 334, ntlmChallenge(chal, ntlmAVPairs)
	}
	check := func(data []byte, _ bool) (int, []byte) {
		a, err := parseAuthenticate(data)
		if err != nil {
			return 501, []byte("5.5.2 " + err.Error())
		}
		pass, ok := accounts[a.domain+`\`+a.user]
		key := ntowfv2(pass, a.user, a.domain)
		if ok && hmac.Equal(hmacMD5(key, chal, a.nt[16:]), a.nt[:16]) &&
			bytes.Contains(a.nt[16:], ntlmAVPairs) {
			return 235, ok235
		}
		return 535, bad535
	}
	f.steps = []func([]byte, bool) (int, []byte){askNegotiate, takeNegotiate, check}
	return f
}

// TestNTLMServerCASE21 (CASE-21): a CHALLENGE with TargetInfo gets an
// NTLMv2 AUTHENTICATE whose NTProofStr covers the server challenge, the
// client challenge, the timestamp and the AV pairs; user and domain are
// UTF-16LE. Both DOMAIN\user and user@domain forms log in.
func TestNTLMServerCASE21(t *testing.T) {
	accounts := map[string]string{
		`EXAMPLE\user`:       "secret",
		`\user@example.test`: "secret",
		`Dömäin\jürgen`:      "pässwörd",
	}
	tests := []struct {
		user, pass string
		wantErr    bool
	}{
		{`EXAMPLE\user`, "secret", false},
		{"user@example.test", "secret", false},
		{`Dömäin\jürgen`, "pässwörd", false},
		{`EXAMPLE\user`, "wrong", true},
		{`OTHER\user`, "secret", true},
	}
	for _, tt := range tests {
		err := authenticate(NewNTLM(tt.user, tt.pass), tlsInfo(), ntlmServer(accounts).conv)
		if (err != nil) != tt.wantErr {
			t.Errorf("NewNTLM(%q, %q): %v, want error %v", tt.user, tt.pass, err, tt.wantErr)
		}
	}
}

func TestNTLMNegotiateMessage(t *testing.T) {
	m := NewNTLM("user", "secret")
	ir, err := m.Start(tlsInfo())
	if err != nil || ir != nil {
		t.Fatalf("Start() = %q, %v, want no initial response", ir, err)
	}
	msg, err := m.Next(nil)
	if err != nil || !bytes.HasPrefix(msg, []byte("NTLMSSP\x00\x01\x00\x00\x00")) {
		t.Fatalf("Next(empty) = %x, %v, want a NEGOTIATE message", msg, err)
	}
	flags := binary.LittleEndian.Uint32(msg[12:])
	const unicode, ntlmFlag = 0x1, 0x200
	if flags&unicode == 0 || flags&ntlmFlag == 0 {
		t.Errorf("NEGOTIATE flags %#08x lack UNICODE or NTLM", flags)
	}
	if _, err := m.Next([]byte("garbage")); err == nil {
		t.Error("Next(garbage CHALLENGE) succeeded")
	}
}

func TestNTLMCredentials(t *testing.T) {
	for _, c := range []struct{ user, pass string }{
		{"", "p"}, {`DOMAIN\`, "p"}, {"u", ""}, {"u\x00", "p"}, {"u", "p\x00"},
	} {
		_, err := NewNTLM(c.user, c.pass).Start(tlsInfo())
		var ce *CredentialError
		if !errors.As(err, &ce) {
			t.Errorf("NewNTLM(%q, %q).Start() = %v, want CredentialError", c.user, c.pass, err)
		}
	}
}
