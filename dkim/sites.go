// SPDX-License-Identifier: Apache-2.0

package dkim

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// A site is a place in a body where canonicalization does not copy the
// input octet for octet. Position j of a buffer p is judged with the octet
// after it, p[j+1]:
//
//   - under both canonicalizations, p[j] is a CR and p[j+1] is not an LF
//     (a bare CR), or p[j+1] is an LF and p[j] is not a CR (a bare LF
//     follows);
//   - under relaxed also, p[j] is a tab, or p[j] is a space and p[j+1] is
//     an octet up to 0x20 (a run of whitespace or whitespace at a line end;
//     other controls are false alarms that cost a little time, no more).
//
// The last position of p, whose next octet is not known yet, is a site
// when it holds a CR, or under relaxed a space or a tab. An LF at the
// start of a search is judged by the octet before it (see
// bodyCanon.copyRun).
//
// A kernel canonicalizes src into dst up to a site it leaves to the
// caller, and returns how many octets of src it took (ns) and of dst it
// wrote (nd). The position ns of src is either such a site or less than 33
// octets from the end of src, or nd is less than 32 octets from the end of
// dst; siteIn takes over from there. It may write to all of dst. A relaxed
// kernel may handle the runs of whitespace it meets (ns is then larger
// than nd) or leave them as sites. The amd64 ones are in assembly
// (sites_amd64.s); the portable ones here look at eight positions at a
// time in a uint64 and leave every site to the caller.
type kernel func(dst, src []byte) (ns, nd int)

// relaxedKernels and simpleKernels are the kernels this processor can run,
// the fastest first (see bodyKernels).
var relaxedKernels, simpleKernels = bodyKernels()

// siteIn returns the first site of p in positions [i, lim), or lim.
func siteIn(p []byte, i, lim int, relaxed bool) int {
	for j := i; j < lim; j++ {
		b := p[j]
		if j+1 == len(p) {
			if b == '\r' || relaxed && (b == ' ' || b == '\t') {
				return j
			}
			break
		}
		next := p[j+1]
		if b == '\r' != (next == '\n') || relaxed && (b == '\t' || b == ' ' && next <= ' ') {
			return j
		}
	}
	return lim
}

// Byte-parallel tests on eight octets at a time: each sets the high bit of
// every octet that passes and clears all other bits.
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

func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

// relaxedCopySWAR is the portable relaxedCopy.
func relaxedCopySWAR(dst, src []byte) (ns, nd int) {
	n := min(len(src)-1, len(dst))
	i := 0
	for ; i+8 <= n; i += 8 {
		w := le64(src[i:])
		next := le64(src[i+1:])
		binary.LittleEndian.PutUint64(dst[i:], w)
		m := octetsEqual(w, '\t') | octetsEqual(w, ' ')&octetsBelow(next, 0x21) |
			(octetsEqual(w, '\r') ^ octetsEqual(next, '\n'))
		if m != 0 {
			i += bits.TrailingZeros64(m) >> 3
			return i, i
		}
	}
	return i, i
}

// simpleCopySWAR is the portable simple kernel. Under simple only line ends
// matter: it goes from LF to LF with bytes.IndexByte, which is vectorized
// on most processors, and checks the CR before each; where lines are
// short it looks at eight positions at a time instead (simpleSWAR). It
// copies what it took in one piece.
func simpleCopySWAR(dst, src []byte) (ns, nd int) {
	n := min(len(src)-1, len(dst)) // positions with a next octet and room
	e := 0                         // positions before e are no site
	for e < n {
		if src[e] == '\n' { // the LF of a CRLF: a bare one is never left here
			if src[e+1] == '\n' {
				break // a bare LF follows
			}
			e++
			continue
		}
		lf := bytes.IndexByte(src[e:n+1], '\n')
		if lf < 0 {
			if cr := bytes.IndexByte(src[e:n], '\r'); cr >= 0 {
				e += cr // a CR before no LF
			} else {
				e = n
			}
			break
		}
		if lf < 32 && n-e >= 64 {
			w := min(n, e+1024)
			e += simpleSWAR(src[e : w+1])
			if e+8 <= w {
				break // a site
			}
			continue
		}
		if cr := bytes.IndexByte(src[e:e+lf], '\r'); cr != lf-1 {
			if cr >= 0 {
				e += cr // a CR that is not the one before the LF
			} else {
				e += lf - 1 // a bare LF: the site is the octet before it
			}
			break
		}
		e += lf
	}
	e = min(e, n)
	copy(dst, src[:e])
	return e, e
}

// simpleSWAR returns the first position of p, judged with the octet after
// it, whose CR or LF is out of place, eight at a time; or, when there is
// none, a position less than nine octets from the end of p.
func simpleSWAR(p []byte) int {
	i := 0
	for ; i+9 <= len(p); i += 8 {
		if m := octetsEqual(le64(p[i:]), '\r') ^ octetsEqual(le64(p[i+1:]), '\n'); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	return i
}
