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
// It looks for two low octets in a row, eight at a time; the CRLF that
// ends each line is such a pair too, and is then passed over.
func findSpacePair(p []byte) int {
	first := bytes.IndexByte(p, ' ')
	if first < 0 {
		return -1
	}
	i := first
	if len(p)-i >= 16 {
		q := p[i:]
		w := binary.LittleEndian.Uint64(q)
		low := octetsBelow(w, 0x21)
		for len(q) >= 16 {
			wn := binary.LittleEndian.Uint64(q[8:16])
			lown := octetsBelow(wn, 0x21)
			if m := low & (low>>8 | lown<<56); m != 0 {
				if m &= octetsEqual(w, ' '); m != 0 {
					return len(p) - len(q) + bits.TrailingZeros64(m)>>3
				}
			}
			w, low = wn, lown
			q = q[8:]
		}
		i = len(p) - len(q)
	}
	for ; i+1 < len(p); i++ {
		if p[i] == ' ' && p[i+1] <= ' ' {
			return i
		}
	}
	return -1
}
