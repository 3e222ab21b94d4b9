// SPDX-License-Identifier: Apache-2.0

package dkim

import (
	"bytes"
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

// findSpacePair returns the index of the first space in p that is followed
// by an octet up to 0x20 (a space, tab, CR, LF or other control), or -1.
// Apart from these and tabs, relaxed body canonicalization leaves a line
// as it is. A space in the last position of p is not a hit: the octet
// after it is unknown.
//
// It skips to the first space, then tests eight positions at a time
// against the eight octets that follow them.
func findSpacePair(p []byte) int {
	i := bytes.IndexByte(p, ' ')
	if i < 0 {
		return -1
	}
	for ; i+9 <= len(p); i += 8 {
		w := binary.LittleEndian.Uint64(p[i : i+8])
		next := binary.LittleEndian.Uint64(p[i+1 : i+9])
		if m := octetsEqual(w, ' ') & octetsBelow(next, 0x21); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i+1 < len(p); i++ {
		if p[i] == ' ' && p[i+1] <= ' ' {
			return i
		}
	}
	return -1
}
