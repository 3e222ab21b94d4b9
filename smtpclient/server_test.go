// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailwright/mailwright/tlsprofile"
)

// srv is one scripted server connection for a test: the script sends
// replies and checks the client's lines. Everything the client wrote is
// kept in wire, so that tests can assert what did or did not go out.
type srv struct {
	t    *testing.T
	conn net.Conn
	br   *bufio.Reader
	mu   sync.Mutex
	wire bytes.Buffer
	cmds []string // lines read by the script, after TLS too
}

// teeConn records what the client sent.
type teeConn struct {
	net.Conn
	s *srv
}

func (c teeConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.s.mu.Lock()
	c.s.wire.Write(p[:n])
	c.s.mu.Unlock()
	return n, err
}

// serve starts a loopback listener whose first connection runs script.
// It returns the address; the test waits for the script at cleanup.
func serve(t *testing.T, script func(s *srv)) (string, *srv) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &srv{t: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn, err := ln.Accept()
		ln.Close()
		if err != nil {
			return
		}
		defer conn.Close()
		s.conn = teeConn{conn, s}
		s.br = bufio.NewReader(s.conn)
		conn.SetDeadline(time.Now().Add(20 * time.Second))
		script(s)
	}()
	t.Cleanup(func() {
		ln.Close()
		select {
		case <-done:
		case <-time.After(25 * time.Second):
			t.Error("server script did not finish")
		}
	})
	return ln.Addr().String(), s
}

// send writes reply lines, each followed by CRLF, in one write.
func (s *srv) send(lines ...string) {
	s.raw(strings.Join(lines, "\r\n") + "\r\n")
}

// raw writes bytes as they are.
func (s *srv) raw(b string) {
	if _, err := io.WriteString(s.conn, b); err != nil {
		s.t.Logf("server write: %v", err)
	}
}

// line reads one client line without its CRLF; "" with ok false on EOF.
func (s *srv) line() (string, bool) {
	l, err := s.br.ReadString('\n')
	if err != nil {
		return "", false
	}
	l = strings.TrimSuffix(strings.TrimSuffix(l, "\n"), "\r")
	s.mu.Lock()
	s.cmds = append(s.cmds, l)
	s.mu.Unlock()
	return l, true
}

// commands returns the lines the script has read.
func (s *srv) commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.cmds...)
}

// expect reads one line and checks it.
func (s *srv) expect(want string) {
	s.t.Helper()
	got, ok := s.line()
	if !ok || got != want {
		s.t.Errorf("server got %q (ok %v), want %q", got, ok, want)
	}
}

// eof checks that the client sends nothing more and closes.
func (s *srv) eof() {
	s.t.Helper()
	if l, ok := s.line(); ok {
		s.t.Errorf("server got %q, want the connection closed", l)
	}
}

// received returns everything the client sent so far.
func (s *srv) received() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wire.String()
}

// greet sends a greeting and answers EHLO with the extensions.
func (s *srv) greet(ext ...string) {
	s.send("220 mx.example.test ESMTP")
	s.expect("EHLO localhost")
	s.ehlo(ext...)
}

// ehlo sends an EHLO reply.
func (s *srv) ehlo(ext ...string) {
	lines := []string{"mx.example.test"}
	lines = append(lines, ext...)
	for i := range lines {
		sep := "-"
		if i == len(lines)-1 {
			sep = " "
		}
		lines[i] = "250" + sep + lines[i]
	}
	s.send(lines...)
}

// quit answers an expected QUIT.
func (s *srv) quit() {
	s.expect("QUIT")
	s.send("221 bye")
}

// startTLS runs the server side of a TLS handshake on the connection.
func (s *srv) startTLS(cfg *tls.Config) bool {
	tc := tls.Server(s.conn, cfg)
	if err := tc.Handshake(); err != nil {
		s.t.Logf("server handshake: %v", err)
		return false
	}
	s.conn = tc
	s.br = bufio.NewReader(tc)
	return true
}

// plain returns options for a server without TLS.
func plain() *Options {
	return &Options{TLSPolicy: tlsprofile.None, CommandTimeout: 5 * time.Second, GreetingTimeout: 5 * time.Second,
		DataTimeout: 5 * time.Second}
}
