// SPDX-License-Identifier: Apache-2.0

//go:build !unix

package smtpclient

import "net"

// pendingInput cannot look at the socket without blocking on this system;
// a stale pooled connection is then found when a command fails.
//
// BUG(mailwright): on systems other than Unix, a 421 that a server sent
// to an idle pooled connection is only noticed when the next command
// fails; a message larger than 64 KiB from a reader that cannot seek is
// then not retried on a fresh connection.
func pendingInput(net.Conn) bool { return false }
