// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// socksProxy is a minimal SOCKS5 server (RFC 1928, RFC 1929) that sends
// every CONNECT to target and records what the client asked for.
type socksProxy struct {
	target string
	refuse byte // reply code for CONNECT; 0 succeeds

	mu         sync.Mutex
	user, pass string
	dest       string
}

func (p *socksProxy) start(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { p.serve(c) })
		}
	})
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return ln.Addr().String()
}

func (p *socksProxy) serve(c net.Conn) {
	defer c.Close()
	var h [2]byte
	if _, err := io.ReadFull(c, h[:]); err != nil || h[0] != 5 {
		return
	}
	methods := make([]byte, h[1])
	io.ReadFull(c, methods)
	if len(methods) == 1 && methods[0] == 2 {
		c.Write([]byte{5, 2})
		user, pass := readAuth(c)
		p.mu.Lock()
		p.user, p.pass = user, pass
		p.mu.Unlock()
		c.Write([]byte{1, 0})
	} else {
		c.Write([]byte{5, 0})
	}
	var req [5]byte
	if _, err := io.ReadFull(c, req[:]); err != nil || req[3] != 3 {
		return
	}
	name := make([]byte, int(req[4])+2)
	io.ReadFull(c, name)
	p.mu.Lock()
	p.dest = string(name[:len(name)-2]) + ":" + strconv.Itoa(int(binary.BigEndian.Uint16(name[len(name)-2:])))
	p.mu.Unlock()
	c.Write([]byte{5, p.refuse, 0, 1, 127, 0, 0, 1, 0, 25})
	if p.refuse != 0 {
		return
	}
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer up.Close()
	go io.Copy(up, c)
	io.Copy(c, up)
}

func readAuth(c net.Conn) (string, string) {
	field := func() string {
		var n [1]byte
		io.ReadFull(c, n[:])
		b := make([]byte, n[0])
		io.ReadFull(c, b)
		return string(b)
	}
	var ver [1]byte
	io.ReadFull(c, ver[:])
	u := field()
	return u, field()
}

func TestSOCKS5(t *testing.T) {
	t.Parallel()
	k := &sink{ext: []string{"PIPELINING"}}
	proxy := &socksProxy{target: k.start(t)}
	paddr := proxy.start(t)
	o := plain()
	o.Dialer = SOCKS5(paddr, "proxyuser", "proxypass", nil)
	c, err := Dial(context.Background(), "mail.example.test:25", o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SendMail(context.Background(), "a@example.com", []string{"b@example.org"},
		strings.NewReader("via proxy\r\n"), nil); err != nil {
		t.Fatal(err)
	}
	c.Quit(context.Background())
	proxy.mu.Lock()
	defer proxy.mu.Unlock()
	if proxy.dest != "mail.example.test:25" || proxy.user != "proxyuser" || proxy.pass != "proxypass" {
		t.Errorf("proxy saw CONNECT %q as %q/%q", proxy.dest, proxy.user, proxy.pass)
	}
	if m := k.messages(); len(m) != 1 || string(m[0].body) != "via proxy\r\n" {
		t.Errorf("server got %+v", m)
	}
}

func TestSOCKS5Refused(t *testing.T) {
	t.Parallel()
	proxy := &socksProxy{refuse: 5}
	o := plain()
	o.Dialer = SOCKS5(proxy.start(t), "", "", nil)
	_, err := Dial(context.Background(), "mail.example.test:25", o)
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("Dial through a refusing proxy = %v, want the proxy's reason", err)
	}
}
