// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mailwright/mailwright/saslmech"
)

// fakeMech is a test-only mechanism with a scripted exchange.
type fakeMech struct {
	name      string
	exposure  saslmech.Exposure
	ir        []byte
	steps     []fakeStep
	got       [][]byte
	finishErr error
	started   bool
}

type fakeStep struct {
	resp []byte
	err  error
}

func (m *fakeMech) Name() string                { return m.name }
func (m *fakeMech) Exposure() saslmech.Exposure { return m.exposure }

func (m *fakeMech) Start(*saslmech.ServerInfo) ([]byte, error) {
	m.started = true
	return m.ir, nil
}

func (m *fakeMech) Next(ch []byte) ([]byte, error) {
	m.got = append(m.got, ch)
	if len(m.steps) == 0 {
		return nil, errors.New("fake: unexpected challenge")
	}
	s := m.steps[0]
	m.steps = m.steps[1:]
	return s.resp, s.err
}

type finishingMech struct{ *fakeMech }

func (m finishingMech) Finish() error { return m.finishErr }

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// authSession connects to a scripted AUTH server as host and returns the
// client; the script runs after EHLO.
func authSession(t *testing.T, host string, ext string, script func(s *srv)) (*Client, *srv, *bytes.Buffer) {
	t.Helper()
	addr, s := serve(t, func(s *srv) {
		s.greet(ext)
		script(s)
	})
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	var trace bytes.Buffer
	o := plain()
	o.Trace = &trace
	c, err := NewClient(context.Background(), conn, host, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, s, &trace
}

// RFC 4954 section 4.1, first example: PLAIN with an initial response.
func TestAuthPlainInitialResponse(t *testing.T) {
	t.Parallel()
	c, _, trace := authSession(t, "127.0.0.1", "AUTH GSSAPI DIGEST-MD5 PLAIN", func(s *srv) {
		s.expect("AUTH PLAIN dGVzdAB0ZXN0ADEyMzQ=")
		s.send("235 2.7.0 Authentication successful")
		s.quit()
	})
	m := &fakeMech{name: "PLAIN", ir: []byte("test\x00test\x001234")}
	if err := c.Auth(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	c.Quit(context.Background())
	if strings.Contains(trace.String(), "dGVzdAB0ZXN0ADEyMzQ=") {
		t.Errorf("trace shows the credentials:\n%s", trace)
	}
	if !strings.Contains(trace.String(), "C: AUTH PLAIN [redacted]\n") {
		t.Errorf("trace lacks the redacted AUTH line:\n%s", trace)
	}
}

// SEC-35: a LOGIN-style exchange after 334: every client line after AUTH
// is redacted, and neither the user name nor the password appears.
func TestAuthChallengesRedactedSEC35(t *testing.T) {
	t.Parallel()
	c, _, trace := authSession(t, "localhost", "AUTH LOGIN", func(s *srv) {
		s.expect("AUTH LOGIN")
		s.send("334 " + b64("Username:"))
		s.expect(b64("user@example.test"))
		s.send("334 " + b64("Password:"))
		s.expect(b64("s3cret-pass"))
		s.send("235 2.7.0 ok")
		s.expect("NOOP")
		s.send("250 ok")
	})
	m := &fakeMech{name: "LOGIN", steps: []fakeStep{{resp: []byte("user@example.test")}, {resp: []byte("s3cret-pass")}}}
	if err := c.Auth(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if err := c.Noop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(m.got, [][]byte{[]byte("Username:"), []byte("Password:")}) {
		t.Errorf("challenges = %q", m.got)
	}
	for _, secret := range []string{"user@example.test", "s3cret-pass", b64("user@example.test"), b64("s3cret-pass")} {
		if strings.Contains(trace.String(), secret) {
			t.Errorf("trace contains %q:\n%s", secret, trace)
		}
	}
	if !strings.HasSuffix(trace.String(), "C: [redacted]\nS: 235 2.7.0 ok\nC: NOOP\nS: 250 ok\n") {
		t.Errorf("trace:\n%s", trace)
	}
}

// SEC-31, SEC-33: without TLS to a host that is not loopback, no mechanism
// runs unless the caller chose so, and nothing is written.
func TestAuthGatedWithoutTLSSEC31SEC33(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		exposure saslmech.Exposure
		insecure saslmech.Insecure
		allowed  bool
	}{
		{"PLAIN", saslmech.RevealsSecret, saslmech.Insecure{}, false},
		{"LOGIN", saslmech.RevealsSecret, saslmech.Insecure{ChallengeResponse: true}, false},
		{"XOAUTH2", saslmech.RevealsSecret, saslmech.Insecure{}, false},
		{"CRAM-MD5", saslmech.ChallengeResponse, saslmech.Insecure{}, false},
		{"SCRAM-SHA-256", saslmech.ChallengeResponse, saslmech.Insecure{}, false},
		{"NTLM", saslmech.ChallengeResponse, saslmech.Insecure{ChallengeResponse: true}, true},
		{"PLAIN", saslmech.RevealsSecret, saslmech.Insecure{RevealSecret: true}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, s, _ := authSession(t, "mail.example.test", "AUTH "+tt.name, func(s *srv) {
				l, _ := s.line()
				if strings.HasPrefix(l, "AUTH") {
					s.send("235 ok")
					l, _ = s.line()
				}
				if l == "NOOP" {
					s.send("250 ok")
				}
			})
			c.opts.Insecure = tt.insecure
			m := &fakeMech{name: tt.name, exposure: tt.exposure, ir: []byte("secret")}
			err := c.Auth(context.Background(), m)
			if tt.allowed != (err == nil) {
				t.Fatalf("Auth error = %v, want allowed=%v", err, tt.allowed)
			}
			if !tt.allowed && (!errors.Is(err, saslmech.ErrNoTLS) || m.started) {
				t.Errorf("error = %v, started = %v; want ErrNoTLS before Start", err, m.started)
			}
			c.Noop(context.Background())
			if wire := s.received(); strings.Contains(wire, "AUTH") != tt.allowed {
				t.Errorf("wire = %q", wire)
			}
		})
	}
}

// RFC 4954 section 4.1, end of the second example: an empty 334 first
// challenge, then the response; CASE-14 B: a 334 without text is the cue
// to send the XOAUTH2 string.
func TestAuthEmptyChallengeCASE14(t *testing.T) {
	t.Parallel()
	for _, empty := range []string{"334 ", "334"} {
		c, _, _ := authSession(t, "127.0.0.1", "AUTH XOAUTH2", func(s *srv) {
			s.expect("AUTH XOAUTH2")
			s.send(empty)
			s.expect(b64("user=u\x01auth=Bearer tok\x01\x01"))
			s.send("235 2.7.0 Authentication successful")
		})
		m := &fakeMech{name: "XOAUTH2", steps: []fakeStep{{resp: []byte("user=u\x01auth=Bearer tok\x01\x01")}}}
		if err := c.Auth(context.Background(), m); err != nil {
			t.Fatalf("%q: %v", empty, err)
		}
		if len(m.got) != 1 || len(m.got[0]) != 0 {
			t.Errorf("%q: challenges = %q, want one empty", empty, m.got)
		}
	}
}

// CASE-14 A, SEC-36 (client side): the mechanism answers an error
// challenge with an empty line; the 535 and the mechanism's error are both
// reported, and the client does not loop or resend the token.
func TestAuthErrorChallengeCASE14(t *testing.T) {
	t.Parallel()
	const errJSON = "eyJzdGF0dXMiOiI0MDAiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZXhhbXBsZS5jb20vIn0="
	const ir = "dXNlcj11c2VyQGV4YW1wbGUuY29tAWF1dGg9QmVhcmVyIHlhMjkuRVhBTVBMRQEB"
	mechErr := errors.New("fake: token refused, status 400")
	c, s, _ := authSession(t, "127.0.0.1", "AUTH XOAUTH2", func(s *srv) {
		s.expect("AUTH XOAUTH2 " + ir)
		s.send("334 " + errJSON)
		s.expect("")
		s.send("535-5.7.8 Username and Password not accepted.", "535 5.7.8 Learn more")
		s.expect("NOOP")
		s.send("250 ok")
	})
	raw, _ := base64.StdEncoding.DecodeString(ir)
	m := &fakeMech{name: "XOAUTH2", ir: raw, steps: []fakeStep{{resp: []byte{}, err: mechErr}}}
	err := c.Auth(context.Background(), m)
	var se *Error
	if !errors.Is(err, mechErr) || !errors.As(err, &se) || se.Code != 535 || se.EnhancedCode != (EnhancedCode{5, 7, 8}) {
		t.Fatalf("Auth error = %v", err)
	}
	if want := `{"status":"400","schemes":"Bearer","scope":"https://mail.example.com/"}`; string(m.got[0]) != want {
		t.Errorf("challenge = %q", m.got[0])
	}
	if err := c.Noop(context.Background()); err != nil {
		t.Error(err)
	}
	if n := strings.Count(s.received(), ir); n != 1 {
		t.Errorf("token sent %d times", n)
	}
}

// A mechanism that fails mid-exchange without a response makes the client
// cancel with "*" (RFC 4954 section 4).
func TestAuthCancel(t *testing.T) {
	t.Parallel()
	mechErr := errors.New("fake: bad challenge")
	c, _, _ := authSession(t, "127.0.0.1", "AUTH CRAM-MD5", func(s *srv) {
		s.expect("AUTH CRAM-MD5")
		s.send("334 " + b64("<1.2@x>"))
		s.expect("*")
		s.send("501 5.7.0 cancelled")
	})
	m := &fakeMech{name: "CRAM-MD5", steps: []fakeStep{{err: mechErr}}}
	if err := c.Auth(context.Background(), m); !errors.Is(err, mechErr) {
		t.Fatalf("Auth error = %v, want the mechanism's error", err)
	}
}

// A challenge that is not base64 is cancelled as a protocol error.
func TestAuthBadChallenge(t *testing.T) {
	t.Parallel()
	c, _, _ := authSession(t, "127.0.0.1", "AUTH CRAM-MD5", func(s *srv) {
		s.expect("AUTH CRAM-MD5")
		s.send("334 not base64!")
		s.expect("*")
		s.send("501 cancelled")
	})
	err := c.Auth(context.Background(), &fakeMech{name: "CRAM-MD5"})
	var pe *ProtocolError
	if !errors.As(err, &pe) {
		t.Fatalf("Auth error = %v, want a protocol error", err)
	}
	if !errors.Is(c.Noop(context.Background()), ErrClosed) {
		t.Error("connection still open after a protocol error")
	}
}

// Refusals are typed errors (RFC 4954 section 6).
func TestAuthRefused(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		reply string
		code  int
		temp  bool
	}{
		{"535 5.7.8 Authentication credentials invalid", 535, false},
		{"534 5.7.9 Authentication mechanism is too weak", 534, false},
		{"454 4.7.0 Temporary authentication failure", 454, true},
	} {
		c, _, _ := authSession(t, "127.0.0.1", "AUTH PLAIN", func(s *srv) {
			s.line()
			s.send(tt.reply)
		})
		err := c.Auth(context.Background(), &fakeMech{name: "PLAIN", ir: []byte("x")})
		var se *Error
		if !errors.As(err, &se) || se.Code != tt.code || se.Temporary() != tt.temp || se.Command != "AUTH" {
			t.Errorf("%s: Auth error = %v", tt.reply, err)
		}
	}
}

// A mechanism the server did not offer is refused before anything is
// sent; so is AUTH on a server without AUTH. CASE-12: the legacy AUTH=
// form counts.
func TestAuthNotOffered(t *testing.T) {
	t.Parallel()
	c, s, _ := authSession(t, "127.0.0.1", "AUTH=LOGIN", func(s *srv) {
		s.expect("NOOP")
		s.send("250 ok")
	})
	err := c.Auth(context.Background(), &fakeMech{name: "PLAIN", ir: []byte("x")})
	if !errors.Is(err, ErrAuthUnsupported) {
		t.Fatalf("Auth error = %v, want ErrAuthUnsupported", err)
	}
	c.Noop(context.Background())
	if got := s.received(); got != "EHLO localhost\r\nNOOP\r\n" {
		t.Errorf("wire = %q", got)
	}
}

// A mechanism that verifies the server (SCRAM) can fail a 235.
func TestAuthFinisher(t *testing.T) {
	t.Parallel()
	c, _, _ := authSession(t, "127.0.0.1", "AUTH SCRAM-SHA-256", func(s *srv) {
		s.line()
		s.send("235 ok")
	})
	bad := errors.New("fake: server signature mismatch")
	m := finishingMech{&fakeMech{name: "SCRAM-SHA-256", ir: []byte("n,,n=u,r=x"), finishErr: bad}}
	if err := c.Auth(context.Background(), m); !errors.Is(err, bad) {
		t.Fatalf("Auth error = %v, want the Finish error", err)
	}
}

// An initial response that would make the AUTH line too long waits for
// the first 334 (RFC 4954 section 4).
func TestAuthLongInitialResponse(t *testing.T) {
	t.Parallel()
	ir := strings.Repeat("a", 600)
	c, _, _ := authSession(t, "127.0.0.1", "AUTH PLAIN", func(s *srv) {
		s.expect("AUTH PLAIN")
		s.send("334 ")
		s.expect(b64(ir))
		s.send("235 ok")
	})
	if err := c.Auth(context.Background(), &fakeMech{name: "PLAIN", ir: []byte(ir)}); err != nil {
		t.Fatal(err)
	}
}

// SEC-32: credentials bound to smtp.a.test are not sent over a verified
// TLS session with smtp.b.test; no AUTH line goes out.
func TestAuthWrongHostSEC32(t *testing.T) {
	t.Parallel()
	pki := thePKI(t)
	addr, s := serve(t, func(s *srv) {
		if !s.startTLS(pki.serverTLS(t, certOpts{}, "smtp.b.test")) {
			return
		}
		s.greet("AUTH PLAIN LOGIN")
		s.expect("NOOP")
		s.send("250 ok")
	})
	raw, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	cfg := pki.clientTLS()
	cfg.ServerName = "smtp.b.test"
	c, err := NewClient(context.Background(), tls.Client(raw, cfg), "smtp.b.test", plain())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Auth(context.Background(), saslmech.ForHost("smtp.a.test", saslmech.NewPlain("", "user", "hunter2")))
	if !errors.Is(err, saslmech.ErrWrongHost) {
		t.Errorf("Auth = %v, want ErrWrongHost", err)
	}
	if err := c.Noop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := s.commands(); !cmp.Equal(got, []string{"EHLO localhost", "NOOP"}) {
		t.Errorf("server got %q", got)
	}
}
