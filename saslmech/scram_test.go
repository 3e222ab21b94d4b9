// SPDX-License-Identifier: Apache-2.0

package saslmech

import (
	"crypto"
	"errors"
	"strings"
	"testing"
)

type scramVector struct {
	Source, User, Password string
	ClientNonce            string `json:"client_nonce"`
	Expected               struct {
		ClientFirst string `json:"client_first"`
		ClientFinal string `json:"client_final"`
		ServerFirst string `json:"server_first"`
		ServerFinal string `json:"server_final"`
	} `json:"expected_rfc"`
}

func loadSCRAM(t *testing.T) (map[string]scramVector, map[string]string) {
	var v struct {
		SHA1   scramVector       `json:"SCRAM-SHA-1"`
		SHA256 scramVector       `json:"SCRAM-SHA-256"`
		Wire   map[string]string `json:"smtp_wire_b64_sha256"`
	}
	loadVector(t, "scram.json", &v)
	return map[string]scramVector{"SCRAM-SHA-1": v.SHA1, "SCRAM-SHA-256": v.SHA256}, v.Wire
}

// TestSCRAMRFC5802RFC7677 runs the published example exchanges of RFC 5802
// section 5 and RFC 7677 section 3 with the RFCs' client nonces and checks
// every client message byte for byte and the server signature.
func TestSCRAMRFC5802RFC7677(t *testing.T) {
	vectors, _ := loadSCRAM(t)
	for name, v := range vectors {
		t.Run(name, func(t *testing.T) {
			hash := crypto.SHA1
			if name == "SCRAM-SHA-256" {
				hash = crypto.SHA256
			}
			m := &SCRAM{Hash: hash, Username: v.User, Password: v.Password, Nonce: v.ClientNonce}
			if m.Name() != name {
				t.Fatalf("Name() = %q", m.Name())
			}
			first, err := m.Start(tlsInfo())
			if err != nil || string(first) != v.Expected.ClientFirst {
				t.Fatalf("Start() = %q, %v, want %q", first, err, v.Expected.ClientFirst)
			}
			final, err := m.Next([]byte(v.Expected.ServerFirst))
			if err != nil || string(final) != v.Expected.ClientFinal {
				t.Fatalf("Next(server-first) = %q, %v, want %q", final, err, v.Expected.ClientFinal)
			}
			if err := m.Finish(); !errors.Is(err, ErrServerSignature) {
				t.Fatalf("Finish() before server-final = %v, want ErrServerSignature", err)
			}
			last, err := m.Next([]byte(v.Expected.ServerFinal))
			if err != nil || last == nil || len(last) != 0 {
				t.Fatalf("Next(server-final) = %q, %v, want empty response", last, err)
			}
			if err := m.Finish(); err != nil {
				t.Fatalf("Finish() = %v", err)
			}
		})
	}
}

// TestSCRAMSHA256Wire replays RFC 7677's exchange in SMTP AUTH framing with
// the base64 strings of the vector file, byte for byte.
func TestSCRAMSHA256Wire(t *testing.T) {
	vectors, wire := loadSCRAM(t)
	v := vectors["SCRAM-SHA-256"]
	s := replay(t,
		"C: AUTH SCRAM-SHA-256 "+wire["client_first"],
		"S: 334 "+wire["server_first"],
		"C: "+wire["client_final"],
		"S: 334 "+wire["server_final"],
		"C: ",
		"S: 235 2.7.0 Authentication successful")
	m := &SCRAM{Username: v.User, Password: v.Password, Nonce: v.ClientNonce}
	if err := authenticate(m, tlsInfo(), s.conv); err != nil {
		t.Fatal(err)
	}
	s.done()
}

// TestSCRAMWrongServerSignature: a server-final with a wrong signature
// cancels the exchange, and a 235 without any server-final still fails in
// Finish.
func TestSCRAMWrongServerSignature(t *testing.T) {
	vectors, wire := loadSCRAM(t)
	v := vectors["SCRAM-SHA-256"]
	wrong := b64.EncodeToString([]byte("v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="))
	s := replay(t,
		"C: AUTH SCRAM-SHA-256 "+wire["client_first"],
		"S: 334 "+wire["server_first"],
		"C: "+wire["client_final"],
		"S: 334 "+wrong,
		"C: *",
		"S: 501 5.7.0 Authentication aborted")
	m := &SCRAM{Username: v.User, Password: v.Password, Nonce: v.ClientNonce}
	if err := authenticate(m, tlsInfo(), s.conv); !errors.Is(err, ErrServerSignature) {
		t.Fatalf("authenticate() = %v, want ErrServerSignature", err)
	}
	if err := m.Finish(); !errors.Is(err, ErrServerSignature) {
		t.Fatalf("Finish() = %v, want ErrServerSignature", err)
	}
	s.done()

	// A server that skips server-final and says 235.
	s = replay(t,
		"C: AUTH SCRAM-SHA-256 "+wire["client_first"],
		"S: 334 "+wire["server_first"],
		"C: "+wire["client_final"],
		"S: 235 2.7.0 Authentication successful")
	m = &SCRAM{Username: v.User, Password: v.Password, Nonce: v.ClientNonce}
	if err := authenticate(m, tlsInfo(), s.conv); !errors.Is(err, ErrServerSignature) {
		t.Fatalf("235 without server-final: %v, want ErrServerSignature", err)
	}
	s.done()
}

func TestSCRAMServerFirstRejected(t *testing.T) {
	const cn = "fyko+d2lbbFgONRv9qkxdawL"
	tests := []struct{ name, msg string }{
		{"nonce not extended", "r=" + cn + ",s=QSXCR+Q6sek8bf92,i=4096"},
		{"other nonce", "r=XXXX+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=4096"},
		{"mandatory extension", "m=x,r=" + cn + "3rfc,s=QSXCR+Q6sek8bf92,i=4096"},
		{"few iterations", "r=" + cn + "3rfc,s=QSXCR+Q6sek8bf92,i=1"},
		{"too many iterations", "r=" + cn + "3rfc,s=QSXCR+Q6sek8bf92,i=999999999"},
		{"bad salt", "r=" + cn + "3rfc,s=!!!,i=4096"},
		{"empty salt", "r=" + cn + "3rfc,s=,i=4096"},
		{"order", "s=QSXCR+Q6sek8bf92,r=" + cn + "3rfc,i=4096"},
		{"missing i", "r=" + cn + "3rfc,s=QSXCR+Q6sek8bf92"},
		{"server error", "e=other-error"},
	}
	for _, tt := range tests {
		m := &SCRAM{Hash: crypto.SHA1, Username: "user", Password: "pencil", Nonce: cn}
		m.Start(tlsInfo())
		got, err := m.Next([]byte(tt.msg))
		if err == nil || got != nil {
			t.Errorf("%s: Next(%q) = %q, %v, want nil and an error", tt.name, tt.msg, got, err)
		}
		if m.Finish() == nil {
			t.Errorf("%s: Finish() = nil after a failed exchange", tt.name)
		}
	}
}

func TestSCRAMServerErrorFinal(t *testing.T) {
	vectors, _ := loadSCRAM(t)
	v := vectors["SCRAM-SHA-1"]
	m := &SCRAM{Hash: crypto.SHA1, Username: v.User, Password: v.Password, Nonce: v.ClientNonce}
	m.Start(tlsInfo())
	m.Next([]byte(v.Expected.ServerFirst))
	_, err := m.Next([]byte("e=invalid-proof"))
	var se *ServerError
	if !errors.As(err, &se) || se.Value != "invalid-proof" {
		t.Fatalf("Next(e=invalid-proof) = %v, want ServerError", err)
	}
}

func TestSCRAMUsernameEscapeAndIdentity(t *testing.T) {
	m := &SCRAM{Username: "a=b,c", Password: "p", Identity: "x,y", Nonce: "abc"}
	got, err := m.Start(tlsInfo())
	if want := "n,a=x=2Cy,n=a=3Db=2Cc,r=abc"; err != nil || string(got) != want {
		t.Fatalf("Start() = %q, %v, want %q", got, err, want)
	}
}

func TestSCRAMRandomNonce(t *testing.T) {
	m := &SCRAM{Username: "user", Password: "pencil", Rand: strings.NewReader(strings.Repeat("\x01", 18))}
	got, err := m.Start(tlsInfo())
	if want := "n,,n=user,r=AQEBAQEBAQEBAQEBAQEBAQEB"; err != nil || string(got) != want {
		t.Fatalf("Start() = %q, %v, want %q", got, err, want)
	}
	m = &SCRAM{Username: "user", Password: "pencil", Rand: strings.NewReader("short")}
	if _, err := m.Start(tlsInfo()); err == nil {
		t.Fatal("Start() with a failing Rand succeeded")
	}
}

func TestSCRAMCredentials(t *testing.T) {
	tests := []struct{ user, pass, field string }{
		{"", "p", "username"},
		{"u", "", "password"},
		{"u\x00", "p", "username"},
		{"u", "p\x07", "password"},
		{"u", "p\u0080", "password"},            // C.2.2 control
		{"u", "\u05d0a\u05d1", "password"},      // RTL with LTR inside
		{"u", "\u00ad", "username or password"}, // maps to nothing
	}
	for _, tt := range tests {
		_, err := NewSCRAMSHA256(tt.user, tt.pass).Start(tlsInfo())
		var ce *CredentialError
		if !errors.As(err, &ce) || ce.Field != tt.field {
			t.Errorf("NewSCRAMSHA256(%q, %q).Start() = %v, want CredentialError on %s",
				tt.user, tt.pass, err, tt.field)
		}
	}
}

// TestSASLprep checks the RFC 4013 section 3 examples.
func TestSASLprep(t *testing.T) {
	tests := []struct {
		in, want string
		fails    bool
	}{
		{"I\u00adX", "IX", false},  // SOFT HYPHEN mapped to nothing
		{"user", "user", false},    // no transformation
		{"USER", "USER", false},    // case preserved
		{"\u00aa", "a", false},     // output is NFKC, input in ISO 8859-1
		{"\u2168", "IX", false},    // output is NFKC, will match 1st example
		{"\u0007", "", true},       // error: prohibited character
		{"\u0627\u0031", "", true}, // error: bidirectional check
		{"a\u00a0b", "a b", false}, // non-ASCII space mapped to space
		{"\u0627\u0031\u0628", "\u0627\u0031\u0628", false},
	}
	for _, tt := range tests {
		got, err := saslprep(tt.in)
		if (err != nil) != tt.fails || got != tt.want {
			t.Errorf("saslprep(%q) = %q, %v, want %q (error %v)", tt.in, got, err, tt.want, tt.fails)
		}
	}
}
