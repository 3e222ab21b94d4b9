// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mailwright/mailwright/tlsprofile"
)

// tlsOpts returns options that trust the test CA under policy.
func tlsOpts(t *testing.T, p tlsprofile.Policy) *Options {
	o := plain()
	o.TLSPolicy = p
	o.TLSConfig = thePKI(t).clientTLS()
	return o
}

func TestStartTLS(t *testing.T) {
	t.Parallel()
	pki := thePKI(t)
	addr, _ := serve(t, func(s *srv) {
		s.greet("AUTH PLAIN LOGIN CRAM-MD5", "SIZE 1", "STARTTLS", "PIPELINING")
		s.expect("STARTTLS")
		s.send("220 2.0.0 Ready to start TLS")
		if !s.startTLS(pki.serverTLS(t, certOpts{}, "127.0.0.1")) {
			return
		}
		s.expect("EHLO localhost")
		s.ehlo("AUTH XOAUTH2", "PIPELINING")
		s.quit()
	})
	c, err := Dial(context.Background(), addr, tlsOpts(t, tlsprofile.Verify))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.TLSConnectionState(); !ok {
		t.Error("TLSConnectionState reports no TLS")
	}
	// SEC-08: only the post-TLS capabilities count.
	if got := c.AuthMechanisms(); len(got) != 1 || got[0] != "XOAUTH2" {
		t.Errorf("AuthMechanisms = %v, want [XOAUTH2]", got)
	}
	if _, ok := c.Extension("SIZE"); ok {
		t.Error("pre-TLS SIZE survived STARTTLS")
	}
	if err := c.Quit(context.Background()); err != nil {
		t.Error(err)
	}
}

// SEC-03: STARTTLS required (the default) but not offered.
func TestStartTLSNotOfferedSEC03(t *testing.T) {
	t.Parallel()
	addr, s := serve(t, func(s *srv) {
		s.greet("AUTH PLAIN LOGIN")
		s.quit()
		s.eof()
	})
	o := plain()
	o.TLSPolicy = tlsprofile.Verify
	_, err := Dial(context.Background(), addr, o)
	if !errors.Is(err, ErrTLSRequired) {
		t.Fatalf("Dial error = %v, want ErrTLSRequired", err)
	}
	_ = s
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
	_ = strings.ToUpper
}
