// SPDX-License-Identifier: Apache-2.0

package dkim

import (
	"encoding/binary"
	"math/bits"
)

// Byte-parallel tests on eight octets at a time, in a uint64: each sets the
// high bit of every octet that passes and clears all other bits.
const (
	ones = 0x0101010101010101
	lo7  = 0x7f7f7f7f7f7f7f7f
	hi   = 0x8080808080808080
)

// octetsEqual marks the octets of x equal to c.
func octetsEqual(x uint64, c byte) uint64 {
	t := x ^ (ones * uint64(c))
	return ^((t&lo7 + lo7) | t) & hi
}

// octetsBelow marks the octets of x less than c, for c up to 0x80.
func octetsBelow(x uint64, c byte) uint64 {
	return ^((x&lo7 + ones*uint64(0x80-c)) | x) & hi
}

// findSite returns the index of the first site in p, or -1: a tab, or a
// space followed by an octet up to 0x20 (a space, tab, CR, LF or other
// control). Outside sites, relaxed body canonicalization leaves a line as
// it is. A space in the last position of p is not a site: the octet after
// it is unknown.
func findSite(p []byte) int {
	i := 0
	for ; i+9 <= len(p); i += 8 {
		w := binary.LittleEndian.Uint64(p[i:])
		next := binary.LittleEndian.Uint64(p[i+1:])
		if m := octetsEqual(w, '\t') | octetsEqual(w, ' ')&octetsBelow(next, 0x21); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(p); i++ {
		if p[i] == '\t' || p[i] == ' ' && i+1 < len(p) && p[i+1] <= ' ' {
			return i
		}
	}
	return -1
}
