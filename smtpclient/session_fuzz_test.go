// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mailwright/mailwright/saslmech"
	"github.com/mailwright/mailwright/tlsprofile"
)

// scriptConn is a connection whose server side is a fixed byte string:
// reads return it and then EOF, writes are kept. It never blocks, so a
// fuzzed session ends as soon as the script does.
type scriptConn struct {
	r     *strings.Reader
	wrote bytes.Buffer
}

func (c *scriptConn) Read(p []byte) (int, error)  { return c.r.Read(p) }
func (c *scriptConn) Write(p []byte) (int, error) { return c.wrote.Write(p) }
func (c *scriptConn) Close() error                { return nil }
func (c *scriptConn) LocalAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
}
func (c *scriptConn) RemoteAddr() net.Addr              { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 25} }
func (c *scriptConn) SetDeadline(t time.Time) error     { return nil }
func (c *scriptConn) SetReadDeadline(t time.Time) error { return nil }
func (c *scriptConn) SetWriteDeadline(time.Time) error  { return nil }

// knownError reports whether err is one of the errors the package
// documents, so that a lying server can never produce anything else.
func knownError(err error) bool {
	var (
		se *Error
		pe *ProtocolError
		te *TLSError
		ae *ArgumentError
		ee *ExtensionError
		ze *SizeError
		be *BodyError
		re *RecipientError
	)
	return errors.As(err, &se) || errors.As(err, &pe) || errors.As(err, &te) || errors.As(err, &ae) ||
		errors.As(err, &ee) || errors.As(err, &ze) || errors.As(err, &be) || errors.As(err, &re) ||
		errors.Is(err, ErrClosed) || errors.Is(err, ErrTLSRequired) || errors.Is(err, ErrAuthUnsupported) ||
		errors.Is(err, ErrPossibleDuplicate) || errors.Is(err, saslmech.ErrNoTLS)
}

// FuzzSession plays a whole session (greeting, EHLO, AUTH, one message,
// QUIT) against server bytes from the fuzzer: whatever the server sends,
// the client does not panic or hang, returns only documented errors, and
// after a protocol error writes nothing more.
func FuzzSession(f *testing.F) {
	good := "220 mx ESMTP\r\n250-mx\r\n250-PIPELINING\r\n250-CHUNKING\r\n250-SIZE 1000\r\n250 AUTH PLAIN\r\n" +
		"235 2.7.0 ok\r\n250 ok\r\n250 ok\r\n250 2.0.0 queued\r\n221 bye\r\n"
	for _, s := range []string{
		good,
		strings.Replace(good, "250-CHUNKING\r\n", "", 1),
		"220 mx\r\n502 no\r\n250 hello\r\n250 ok\r\n250 ok\r\n354 go\r\n250 ok\r\n221 bye\r\n",
		"220 mx\r\n250 mx\r\n250 ok\r\n550 5.1.1 no\r\n554 no rcpt\r\n250 ok\r\n",
		"220 mx\r\n250-mx\r\n250 AUTH=PLAIN\r\n334 \r\n235 ok\r\n",
		"220 mx\r\n250-mx\r\n550-x\r\n250 y\r\n",
		"220 mx\r\n250-mx\r\n250 STARTTLS\r\n220 go\r\n\x16\x03\x01",
		"220 mx\r\n421 bye\r\n",
		"554 go away\r\n",
	} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(1))
	}
	f.Fuzz(func(t *testing.T, server string, mode uint8) {
		conn := &scriptConn{r: strings.NewReader(server)}
		o := &Options{TLSPolicy: tlsprofile.None} // AUTH may run in clear: the host is loopback
		if mode%2 == 1 {
			o.TLSPolicy = tlsprofile.May
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := NewClient(ctx, conn, "127.0.0.1", o)
		if err != nil {
			if !knownError(err) {
				t.Fatalf("NewClient error %T: %v", err, err)
			}
			return
		}
		step := func(what string, err error) {
			var pe *ProtocolError
			if err != nil && !knownError(err) {
				t.Fatalf("%s error %T: %v", what, err, err)
			}
			if errors.As(err, &pe) {
				n := conn.wrote.Len()
				if c.Noop(ctx) == nil || conn.wrote.Len() != n {
					t.Fatalf("%s: the client went on after %v", what, err)
				}
			}
		}
		if _, ok := c.Extension("AUTH"); ok {
			step("Auth", c.Auth(ctx, saslmech.NewPlain("", "user", "secret")))
		}
		_, err = c.SendMail(ctx, "a@example.com", []string{"b@example.org", "c@example.org"},
			strings.NewReader("Subject: x\r\n\r\nbody\r\n"), nil)
		step("SendMail", err)
		step("Quit", c.Quit(ctx))
		if ctx.Err() != nil {
			t.Fatal("the session hung until the context ended")
		}
	})
}
