// SPDX-License-Identifier: Apache-2.0

//go:build unix

package smtpclient

import (
	"crypto/tls"
	"net"
	"syscall"
)

// pendingInput reports whether the server has sent anything, bytes or the
// end of the stream, that the client has not read yet, without blocking
// and without consuming it: a look at the socket with MSG_PEEK and
// MSG_DONTWAIT. It sees through TLS to the TCP socket, where a pending
// TLS record or a close is enough to know the connection is not idle and
// clean. It answers false when it cannot tell (a connection that is not a
// socket, such as net.Pipe in tests).
func pendingInput(conn net.Conn) bool {
	if tc, ok := conn.(*tls.Conn); ok {
		conn = tc.NetConn()
	}
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	pending := false
	var b [1]byte
	raw.Read(func(fd uintptr) bool { //nolint:errcheck // the callback reports what it saw
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		// n > 0: bytes wait; n == 0 with no error: the server closed.
		pending = err == nil && n >= 0
		return true // never wait for readiness
	})
	return pending
}
