// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// startOpenRelay starts an SMTP server on 127.0.0.1 that offers STARTTLS
// (with a certificate from an untrusted test CA) and takes mail without
// AUTH, as a port-25 MX does. It returns the port.
func startOpenRelay(t *testing.T) int {
	t.Helper()
	pki := newProbePKI(t, false, "mx.example.test", "127.0.0.1")
	cfg := &tls.Config{Certificates: []tls.Certificate{pki.leaf}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for n := 1; ; n++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			openRelaySession(c, cfg, n)
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().(*net.TCPAddr).Port
}

func openRelaySession(c net.Conn, cfg *tls.Config, n int) {
	defer func() { c.Close() }()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	say := func(l string) { io.WriteString(c, l+"\r\n") }
	say("220 mx.example.test ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		verb, _, _ := strings.Cut(strings.ToUpper(strings.TrimRight(line, "\r\n")), " ")
		switch verb {
		case "EHLO":
			say("250-mx.example.test\r\n250-ENHANCEDSTATUSCODES\r\n250 STARTTLS")
		case "STARTTLS":
			say("220 2.0.0 Ready")
			tc := tls.Server(c, cfg)
			if tc.Handshake() != nil {
				return
			}
			c, r = tc, bufio.NewReader(tc)
		case "DATA":
			say("354 go ahead")
			for {
				l, err := r.ReadString('\n')
				if err != nil || l == ".\r\n" {
					break
				}
			}
			say(fmt.Sprintf("250 2.0.0 Ok: queued as OPEN%d", n))
		case "QUIT":
			say("221 2.0.0 bye")
			return
		default:
			say("250 2.0.0 ok")
		}
	}
}
