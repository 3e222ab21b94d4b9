// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// SOCKS5 returns a [Dialer] that connects through the SOCKS5 proxy at
// proxyAddr (RFC 1928), authenticating with user name and password (RFC
// 1929) when user is not empty. The proxy resolves the mail server's name.
// forward dials the proxy itself; nil means a net.Dialer. (A dialer from
// golang.org/x/net/proxy works as a Dialer too.)
func SOCKS5(proxyAddr, user, password string, forward Dialer) Dialer {
	if forward == nil {
		forward = &net.Dialer{}
	}
	return &socks5{proxy: proxyAddr, user: user, pass: password, forward: forward}
}

type socks5 struct {
	proxy, user, pass string
	forward           Dialer
}

// socksReplies are the RFC 1928 section 6 reply texts.
var socksReplies = [...]string{1: "general failure", 2: "connection not allowed by ruleset",
	3: "network unreachable", 4: "host unreachable", 5: "connection refused",
	6: "TTL expired", 7: "command not supported", 8: "address type not supported"}

// DialContext connects to addr through the proxy.
func (d *socks5) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, portStr, err := net.SplitHostPort(addr)
	port, perr := strconv.ParseUint(portStr, 10, 16)
	if err != nil || perr != nil || len(host) > 255 || network != "tcp" {
		return nil, &ArgumentError{Field: "SOCKS5 target", Reason: "want a tcp host:port"}
	}
	if len(d.user) > 255 || len(d.pass) > 255 {
		return nil, &ArgumentError{Field: "SOCKS5 credentials", Reason: "longer than 255 octets"}
	}
	conn, err := d.forward.DialContext(ctx, "tcp", d.proxy)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl) //nolint:errcheck
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(aLongTimeAgo) }) //nolint:errcheck
	err = d.handshake(conn, host, uint16(port))
	stop()
	if err != nil {
		conn.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("smtpclient: SOCKS5 proxy %s: %w", d.proxy, err)
	}
	conn.SetDeadline(time.Time{}) //nolint:errcheck
	return conn, nil
}

// handshake runs method selection, authentication and CONNECT.
func (d *socks5) handshake(conn net.Conn, host string, port uint16) error {
	methods := []byte{5, 1, 0}
	if d.user != "" {
		methods = []byte{5, 1, 2}
	}
	var r [4]byte
	if _, err := conn.Write(methods); err != nil {
		return err
	}
	if _, err := io.ReadFull(conn, r[:2]); err != nil {
		return err
	}
	if r[0] != 5 || r[1] != methods[2] {
		return errors.New("proxy refused the authentication method")
	}
	if d.user != "" {
		if err := d.authenticate(conn); err != nil {
			return err
		}
	}
	req := []byte{5, 1, 0}
	if ip := net.ParseIP(host); ip != nil && ip.To4() != nil {
		req = append(append(req, 1), ip.To4()...)
	} else if ip != nil {
		req = append(append(req, 4), ip.To16()...)
	} else {
		req = append(append(req, 3, byte(len(host))), host...)
	}
	req = binary.BigEndian.AppendUint16(req, port)
	if _, err := conn.Write(req); err != nil {
		return err
	}
	return readSocksReply(conn)
}

// authenticate runs the RFC 1929 user name and password exchange.
func (d *socks5) authenticate(conn net.Conn) error {
	msg := append([]byte{1, byte(len(d.user))}, d.user...)
	msg = append(append(msg, byte(len(d.pass))), d.pass...)
	if _, err := conn.Write(msg); err != nil {
		return err
	}
	var r [2]byte
	if _, err := io.ReadFull(conn, r[:]); err != nil {
		return err
	}
	if r[1] != 0 {
		return errors.New("proxy refused the user name or password")
	}
	return nil
}

// readSocksReply reads the reply to CONNECT, with its bound address.
func readSocksReply(conn net.Conn) error {
	var h [4]byte
	if _, err := io.ReadFull(conn, h[:]); err != nil {
		return err
	}
	if h[0] != 5 {
		return errors.New("not a SOCKS5 reply")
	}
	if h[1] != 0 {
		reason := "unknown error"
		if int(h[1]) < len(socksReplies) {
			reason = socksReplies[h[1]]
		}
		return errors.New("proxy refused the connection: " + reason)
	}
	var n int
	switch h[3] {
	case 1:
		n = 4
	case 4:
		n = 16
	case 3:
		var l [1]byte
		if _, err := io.ReadFull(conn, l[:]); err != nil {
			return err
		}
		n = int(l[0])
	default:
		return errors.New("bad address type in SOCKS5 reply")
	}
	_, err := io.ReadFull(conn, make([]byte, n+2))
	return err
}
