// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailwright/mailwright/tlsprofile"
)

// redirectDialer connects to a fixed loopback address whatever name it is
// asked for, so that tests can dial "smtp.example.com:587".
type redirectDialer struct{ to string }

func (d redirectDialer) DialContext(ctx context.Context, network, _ string) (net.Conn, error) {
	var nd net.Dialer
	return nd.DialContext(ctx, network, d.to)
}

// sniff accepts one connection and returns its first five bytes.
func sniff(t *testing.T) (string, <-chan []byte) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan []byte, 1)
	go func() {
		defer ln.Close()
		c, err := ln.Accept()
		if err != nil {
			ch <- nil
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		b := make([]byte, 5)
		n, _ := io.ReadFull(c, b)
		ch <- b[:n]
	}()
	return ln.Addr().String(), ch
}

// SEC-13: in every implicit-TLS set-up the first bytes on the wire are a
// TLS handshake record (0x16 0x03 ...) carrying the ClientHello.
func TestImplicitTLSFirstBytesSEC13(t *testing.T) {
	t.Parallel()
	cases := map[string]func(ctx context.Context, addr string) error{
		"DialTLS nil options": func(ctx context.Context, addr string) error {
			_, err := DialTLS(ctx, addr, nil)
			return err
		},
		"DialTLS encrypt": func(ctx context.Context, addr string) error {
			_, err := DialTLS(ctx, addr, &Options{TLSPolicy: tlsprofile.Encrypt})
			return err
		},
		"DialTLS may, config and dialer": func(ctx context.Context, addr string) error {
			_, err := DialTLS(ctx, "smtp.example.com:465", &Options{TLSPolicy: tlsprofile.May,
				TLSConfig: &tls.Config{}, Dialer: redirectDialer{addr}})
			return err
		},
		"NewClient with a tls.Conn": func(ctx context.Context, addr string) error {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				return err
			}
			_, err = NewClient(ctx, tls.Client(conn, &tls.Config{ServerName: "x"}), "x", nil)
			return err
		},
	}
	for name, dial := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			addr, first := sniff(t)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := dial(ctx, addr); err == nil {
				t.Error("dial succeeded against a sniffer")
			}
			b := <-first
			if len(b) < 5 || b[0] != 0x16 || b[1] != 0x03 {
				t.Errorf("first bytes = % x, want a TLS handshake record", b)
			}
		})
	}
}

// CASE-22: an empty tls.Config gets the dialled host (without port) as
// ServerName and verification stays on.
func TestServerNameFromHostCASE22(t *testing.T) {
	t.Parallel()
	pki := thePKI(t)
	run := func(t *testing.T, certName string, cfg *tls.Config, implicit bool) error {
		server := pki.serverTLS(t, certOpts{}, certName)
		addr, _ := serve(t, func(s *srv) {
			if implicit {
				if !s.startTLS(server) {
					return
				}
				s.greet("AUTH PLAIN")
			} else {
				s.greet("STARTTLS")
				s.expect("STARTTLS")
				s.send("220 go ahead")
				if !s.startTLS(server) {
					return
				}
				s.expect("EHLO localhost")
				s.ehlo("AUTH PLAIN")
			}
			s.quit()
		})
		o := &Options{TLSConfig: cfg, Dialer: redirectDialer{addr}, CommandTimeout: 5 * time.Second}
		dial, target := Dial, "smtp.example.com:587"
		if implicit {
			dial, target = DialTLS, "smtp.example.com:465"
		}
		c, err := dial(context.Background(), target, o)
		if err != nil {
			return err
		}
		if cs, _ := c.TLSConnectionState(); cs.ServerName != "smtp.example.com" {
			t.Errorf("ServerName = %q", cs.ServerName)
		}
		return c.Quit(context.Background())
	}
	for _, implicit := range []bool{false, true} {
		if err := run(t, "smtp.example.com", &tls.Config{RootCAs: pki.roots}, implicit); err != nil {
			t.Errorf("implicit=%v: matching certificate: %v", implicit, err)
		}
		err := run(t, "other.example.com", &tls.Config{RootCAs: pki.roots}, implicit)
		var he x509.HostnameError
		if !errors.As(err, &he) {
			t.Errorf("implicit=%v: other host: error = %v, want x509.HostnameError", implicit, err)
		}
		err = run(t, "smtp.example.com", &tls.Config{}, implicit)
		if !isUnknownAuthority(err) {
			t.Errorf("implicit=%v: empty config: error = %v, want an unknown-authority error", implicit, err)
		}
	}
}

// CASE-23 (a): implicit TLS against a server that greets in plain text is
// a typed error suggesting STARTTLS.
func TestImplicitTLSAgainstPlainCASE23(t *testing.T) {
	t.Parallel()
	addr, _ := serve(t, func(s *srv) {
		s.send("220 smtp.example.com ESMTP")
		s.line()
	})
	_, err := DialTLS(context.Background(), addr, plainTLS())
	if !errors.Is(err, ErrServerNotTLS) {
		t.Fatalf("DialTLS error = %v, want ErrServerNotTLS", err)
	}
	if !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("error %q does not suggest STARTTLS", err)
	}
}

func plainTLS() *Options {
	o := plain()
	o.TLSPolicy = tlsprofile.Encrypt
	return o
}

// CASE-23 (b): plain text against a port waiting for a ClientHello ends at
// the greeting timeout with a typed error suggesting implicit TLS.
func TestPlainAgainstImplicitTLSCASE23(t *testing.T) {
	t.Parallel()
	addr, _ := serve(t, func(s *srv) { s.line() })
	o := plain()
	o.GreetingTimeout = 200 * time.Millisecond
	start := time.Now()
	_, err := Dial(context.Background(), addr, o)
	if !errors.Is(err, ErrNoGreeting) || !errors.Is(err, ErrTimeout) {
		t.Fatalf("Dial error = %v, want ErrNoGreeting and ErrTimeout", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Dial took %v", d)
	}
}

// CASE-23: once implicit TLS is up, STARTTLS is never sent, even when
// offered.
func TestImplicitTLSNoStartTLSCASE23(t *testing.T) {
	t.Parallel()
	pki := thePKI(t)
	addr, s := serve(t, func(s *srv) {
		if !s.startTLS(pki.serverTLS(t, certOpts{}, "127.0.0.1")) {
			return
		}
		s.greet("STARTTLS", "AUTH PLAIN")
		s.quit()
	})
	c, err := DialTLS(context.Background(), addr, tlsOpts(t, tlsprofile.Verify))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := s.commands(); !cmp.Equal(got, []string{"EHLO localhost", "QUIT"}) {
		t.Errorf("server got %q, want EHLO and QUIT only", got)
	}
}
