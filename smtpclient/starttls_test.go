// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mailwright/mailwright/tlsprofile"
)

// tlsOpts returns options that trust the test CA under policy.
func tlsOpts(t *testing.T, p tlsprofile.Policy) *Options {
	o := plain()
	o.TLSPolicy = p
	o.TLSConfig = thePKI(t).clientTLS()
	return o
}

// SEC-08: after STARTTLS the client sends EHLO again and uses only what
// the server said after the handshake. SEC-01: the reply buffer is empty
// at the switch.
func TestStartTLSForgetsCapabilitiesSEC08(t *testing.T) {
	t.Parallel()
	pki := thePKI(t)
	addr, _ := serve(t, func(s *srv) {
		s.greet("AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2 NTLM", "SIZE 1", "STARTTLS", "PIPELINING")
		s.expect("STARTTLS")
		s.send("220 2.0.0 Ready to start TLS")
		if !s.startTLS(pki.serverTLS(t, certOpts{}, "127.0.0.1")) {
			return
		}
		s.expect("EHLO localhost")
		s.ehlo("AUTH XOAUTH2")
		s.quit()
	})
	o := tlsOpts(t, tlsprofile.Verify)
	var switched atomic.Int32
	switched.Store(-1)
	o.onTLSSwitch = func(n int) { switched.Store(int32(n)) }
	c, err := Dial(context.Background(), addr, o)
	if err != nil {
		t.Fatal(err)
	}
	if got := switched.Load(); got != 0 {
		t.Errorf("buffered bytes at the TLS switch = %d, want 0", got)
	}
	if _, ok := c.TLSConnectionState(); !ok {
		t.Error("TLSConnectionState reports no TLS")
	}
	if got := c.AuthMechanisms(); len(got) != 1 || got[0] != "XOAUTH2" {
		t.Errorf("AuthMechanisms = %v, want [XOAUTH2]", got)
	}
	for _, kw := range []string{"SIZE", "PIPELINING", "STARTTLS"} {
		if _, ok := c.Extension(kw); ok {
			t.Errorf("pre-TLS %s survived STARTTLS", kw)
		}
	}
	if c.sizeLimit() != 0 {
		t.Error("pre-TLS SIZE 1 still limits messages")
	}
	if err := c.Quit(context.Background()); err != nil {
		t.Error(err)
	}
}

// startTLSFailure runs a server that offers STARTTLS and answers it with
// the raw bytes reply, then reports whether it received anything but QUIT.
func startTLSFailure(t *testing.T, reply string, after func(s *srv)) (error, string) {
	t.Helper()
	var buffered atomic.Int32
	buffered.Store(-1)
	addr, s := serve(t, func(s *srv) {
		s.greet("AUTH PLAIN", "STARTTLS")
		s.expect("STARTTLS")
		s.raw(reply)
		if after != nil {
			after(s)
		}
		for {
			l, ok := s.line()
			if !ok {
				return
			}
			if l == "QUIT" {
				s.send("221 bye")
			}
		}
	})
	o := tlsOpts(t, tlsprofile.Verify)
	o.onTLSSwitch = func(n int) { buffered.Store(int32(n)) }
	c, err := Dial(context.Background(), addr, o)
	if err == nil {
		c.Close()
		t.Fatal("Dial succeeded")
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(s.received(), "STARTTLS") && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	_, after2, _ := strings.Cut(s.received(), "STARTTLS\r\n")
	return err, after2
}

// SEC-01: bytes injected after the 220 reply to STARTTLS abort the session
// before the handshake; nothing injected is parsed and no AUTH is sent.
// SEC-02: the same for a partial line without CRLF.
func TestStartTLSInjectionSEC01SEC02(t *testing.T) {
	t.Parallel()
	for name, reply := range map[string]string{
		"SEC-01": "220 Ready to start TLS\r\n250-evil\r\n250 AUTH PLAIN\r\n",
		"SEC-02": "220 go ahead\r\n250-STARTTLS-FAKE",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err, after := startTLSFailure(t, reply, nil)
			var pe *ProtocolError
			if !errors.As(err, &pe) || pe.Command != "STARTTLS" {
				t.Errorf("Dial error = %v, want a STARTTLS protocol error", err)
			}
			if after != "" {
				t.Errorf("client sent %q after STARTTLS, want nothing", after)
			}
		})
	}
}

// SEC-02, second form: the fragment arrives after the 220, in its own
// packet; the handshake reads it as a TLS record and fails, so it never
// reaches EHLO parsing.
func TestStartTLSLateFragmentSEC02(t *testing.T) {
	t.Parallel()
	err, after := startTLSFailure(t, "220 go ahead\r\n", func(s *srv) {
		time.Sleep(50 * time.Millisecond)
		s.raw("250-STARTTLS-FAKE\r\n250 AUTH PLAIN\r\n")
	})
	var te *TLSError
	if !errors.As(err, &te) {
		t.Errorf("Dial error = %v, want a TLS error", err)
	}
	if strings.Contains(after, "AUTH") || strings.Contains(after, "EHLO") {
		t.Errorf("client sent %q after STARTTLS", after)
	}
}

// SEC-04, SEC-05: a refused STARTTLS is an error wrapping ErrTLSRequired
// and the reply (502 permanent, 454 temporary); no plaintext fallback: the
// client only quits.
func TestStartTLSRefusedSEC04SEC05(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		id, reply string
		temp      bool
	}{
		{"SEC-04", "502 5.5.1 Command not implemented\r\n", false},
		{"SEC-05", "454 4.7.0 TLS not available due to temporary reason\r\n", true},
	} {
		t.Run(tt.id, func(t *testing.T) {
			t.Parallel()
			err, after := startTLSFailure(t, tt.reply, nil)
			var se *Error
			if !errors.Is(err, ErrTLSRequired) || !errors.As(err, &se) || se.Temporary() != tt.temp {
				t.Errorf("Dial error = %v, want ErrTLSRequired with temporary=%v", err, tt.temp)
			}
			if after != "QUIT\r\n" {
				t.Errorf("client sent %q after STARTTLS, want only QUIT", after)
			}
		})
	}
}

// SEC-06: only an exact single-line 220 starts TLS.
func TestStartTLSNonsenseReplySEC06(t *testing.T) {
	t.Parallel()
	for _, reply := range []string{
		"354 do something else\r\n",
		"250 ok\r\n",
		"220-continuation\r\n220 Ready\r\n",
	} {
		err, after := startTLSFailure(t, reply, nil)
		var pe *ProtocolError
		if !errors.As(err, &pe) {
			t.Errorf("reply %q: Dial error = %v, want a protocol error", reply, err)
		}
		if after != "" {
			t.Errorf("reply %q: client sent %q, want nothing (no ClientHello)", reply, after)
		}
	}
}

// SEC-03: STARTTLS required (the default policy) but not offered: the
// error comes before AUTH or MAIL, and the client sends only QUIT.
func TestStartTLSNotOfferedSEC03(t *testing.T) {
	t.Parallel()
	addr, s := serve(t, func(s *srv) {
		s.greet("AUTH PLAIN LOGIN")
		s.quit()
		s.eof()
	})
	o := plain()
	o.TLSPolicy = tlsprofile.Verify
	if _, err := Dial(context.Background(), addr, o); !errors.Is(err, ErrTLSRequired) {
		t.Fatalf("Dial error = %v, want ErrTLSRequired", err)
	}
	waitFor(t, func() bool { return strings.HasSuffix(s.received(), "QUIT\r\n") })
	if got := s.received(); got != "EHLO localhost\r\nQUIT\r\n" {
		t.Errorf("client sent %q", got)
	}
}

// waitFor polls cond for up to five seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Error("condition not reached")
}

// SEC-07: EHLO refused with 500 while TLS is required: no HELO, no
// plaintext session, an error.
func TestHELODowngradeSEC07(t *testing.T) {
	t.Parallel()
	addr, s := serve(t, func(s *srv) {
		s.send("220 mx.example.test ESMTP")
		s.expect("EHLO localhost")
		s.send("500 5.5.1 Command unrecognized")
		s.quit()
		s.eof()
	})
	_, err := Dial(context.Background(), addr, tlsOpts(t, tlsprofile.Encrypt))
	var se *Error
	if !errors.Is(err, ErrTLSRequired) || !errors.As(err, &se) || se.Code != 500 {
		t.Fatalf("Dial error = %v, want ErrTLSRequired with the 500", err)
	}
	waitFor(t, func() bool { return strings.HasSuffix(s.received(), "QUIT\r\n") })
	if got := s.received(); got != "EHLO localhost\r\nQUIT\r\n" {
		t.Errorf("client sent %q", got)
	}
}

func TestStartTLSMayWithoutOffer(t *testing.T) {
	t.Parallel()
	addr, _ := serve(t, func(s *srv) {
		s.greet("PIPELINING")
		s.quit()
	})
	c, err := Dial(context.Background(), addr, tlsOpts(t, tlsprofile.May))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.TLSConnectionState(); ok {
		t.Error("TLS reported on a plain connection")
	}
	if err := c.Quit(context.Background()); err != nil {
		t.Error(err)
	}
}

// Under May a STARTTLS refused with a reply leaves the session in clear,
// usable; under Encrypt the same refusal is ErrTLSRequired (SEC-05).
func TestStartTLSMayRefused(t *testing.T) {
	t.Parallel()
	addr, _ := serve(t, func(s *srv) {
		s.greet("STARTTLS", "PIPELINING")
		s.expect("STARTTLS")
		s.send("454 4.7.0 TLS not available due to temporary reason")
		s.expect("NOOP")
		s.send("250 ok")
		s.quit()
	})
	c, err := Dial(context.Background(), addr, tlsOpts(t, tlsprofile.May))
	if err != nil {
		t.Fatalf("Dial under May with STARTTLS refused: %v", err)
	}
	if _, ok := c.TLSConnectionState(); ok {
		t.Error("TLS reported after a refused STARTTLS")
	}
	if _, ok := c.Extension("PIPELINING"); !ok {
		t.Error("capabilities lost after a refused STARTTLS")
	}
	if err := c.Noop(context.Background()); err != nil {
		t.Error(err)
	}
	if err := c.Quit(context.Background()); err != nil {
		t.Error(err)
	}
}

// SEC-09: the EHLO after the handshake fails (421, or the server closes):
// the connection is closed with a transient error and the client never
// goes on with the pre-TLS state.
func TestPostTLSEHLOFailureSEC09(t *testing.T) {
	t.Parallel()
	pki := thePKI(t)
	for name, fail := range map[string]func(s *srv){
		"421":    func(s *srv) { s.send("421 4.3.2 shutting down") },
		"closed": func(s *srv) { s.conn.Close() },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			addr, _ := serve(t, func(s *srv) {
				s.greet("AUTH PLAIN", "STARTTLS")
				s.expect("STARTTLS")
				s.send("220 go ahead")
				if !s.startTLS(pki.serverTLS(t, certOpts{}, "127.0.0.1")) {
					return
				}
				s.expect("EHLO localhost")
				fail(s)
				s.eof()
			})
			_, err := Dial(context.Background(), addr, tlsOpts(t, tlsprofile.Verify))
			var se *Error
			switch {
			case name == "421" && (!errors.As(err, &se) || !se.Temporary()):
				t.Errorf("Dial error = %v, want a temporary 421", err)
			case name == "closed" && !errors.Is(err, ErrClosed):
				t.Errorf("Dial error = %v, want ErrClosed", err)
			}
		})
	}
}

// SEC-10, SEC-11: bad certificates fail the handshake with the reason in
// the error; nothing follows on the wire. SEC-12: TLS 1.0/1.1 only.
func TestCertificateFailuresSEC10SEC11(t *testing.T) {
	t.Parallel()
	pki := thePKI(t)
	other := newPKI().serverTLS(t, certOpts{}, "127.0.0.1")
	tests := []struct {
		id     string
		server *tls.Config
		check  func(error) bool
	}{
		{"SEC-10 self-signed", pki.serverTLS(t, certOpts{selfSigned: true}, "127.0.0.1"), isUnknownAuthority},
		{"SEC-11 unknown root", other, isUnknownAuthority},
		{"SEC-11 wrong host", pki.serverTLS(t, certOpts{}, "other.example.test"), func(err error) bool {
			var he x509.HostnameError
			return errors.As(err, &he)
		}},
		{"SEC-11 expired", pki.serverTLS(t, certOpts{expired: true}, "127.0.0.1"), func(err error) bool {
			var ce x509.CertificateInvalidError
			return errors.As(err, &ce) && ce.Reason == x509.Expired
		}},
		{"SEC-12 TLS 1.1", withMaxVersion(pki.serverTLS(t, certOpts{}, "127.0.0.1"), tls.VersionTLS11), func(err error) bool {
			return strings.Contains(err.Error(), "protocol version")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			t.Parallel()
			addr, s := serve(t, func(s *srv) {
				s.greet("AUTH PLAIN", "STARTTLS")
				s.expect("STARTTLS")
				s.send("220 go ahead")
				if s.startTLS(tt.server) {
					t.Error("server handshake succeeded")
				}
			})
			_, err := Dial(context.Background(), addr, tlsOpts(t, tlsprofile.Verify))
			var te *TLSError
			if !errors.As(err, &te) || !tt.check(err) {
				t.Errorf("Dial error = %v", err)
			}
			if strings.Contains(s.received(), "AUTH") || strings.Contains(s.received(), "MAIL") {
				t.Error("AUTH or MAIL sent after a failed handshake")
			}
		})
	}
}

func isUnknownAuthority(err error) bool {
	var ua x509.UnknownAuthorityError
	return errors.As(err, &ua)
}

func withMaxVersion(c *tls.Config, v uint16) *tls.Config {
	c.MinVersion, c.MaxVersion = tls.VersionTLS10, v
	return c
}
