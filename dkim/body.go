// SPDX-License-Identifier: Apache-2.0

package dkim

import (
	"bytes"
	"hash"
)

// bodyHash is one hash fed by a body canonicalizer, with the number of
// canonical octets it still takes (l=), or -1 for all of them.
type bodyHash struct {
	h    hash.Hash
	left int64
}

func (b *bodyHash) write(p []byte) {
	if b.left < 0 {
		b.h.Write(p)
		return
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	b.h.Write(p)
	b.left -= int64(len(p))
}

// bodyCanon canonicalizes a message body as it is written (RFC 6376 section
// 3.4.3 and 3.4.4) and feeds the canonical octets to its hashes. Each bare
// CR and bare LF is taken as a CRLF first (section 5.3).
//
// It is a streaming state machine over sites (see sites.go). A kernel
// copies the input into a small output buffer a block of octets at a time
// until the next site it leaves to Go; at a site, a run of whitespace
// becomes one space or, at a line end, nothing, and a bare CR or LF
// becomes a CRLF. The buffer goes to the hashes in one piece whenever it
// fills; between calls it never ends inside a CRLF. What is not yet
// decided is kept as state, never as octets: a CR that ended a Write and
// waits for its LF, a run of whitespace that ended a Write and waits for
// what follows, and the number of empty lines cut from the end of the
// output until a non-empty line follows (so that those at the end of the
// body drop out). The memory used does not depend on the body.
type bodyCanon struct {
	relaxed bool
	kernel  kernel
	hashes  []*bodyHash
	n       int64 // canonical octets hashed

	cr    bool // a CR ended the last Write; its line end is not yet decided
	wsp   bool // relaxed: a run of WSP ended the last Write
	open  bool // the octets hashed so far end inside a line
	blank int  // empty lines cut from the output, to hash before more content

	out []byte // canonical octets not yet hashed
}

// outSize is the capacity of bodyCanon.out.
const outSize = 8 << 10

func newBodyCanon(c Canonicalization) *bodyCanon {
	bc := &bodyCanon{relaxed: c == Relaxed, kernel: simpleKernels[0], out: make([]byte, 0, outSize)}
	if bc.relaxed {
		bc.kernel = relaxedKernels[0]
	}
	return bc
}

var crlfs = bytes.Repeat([]byte("\r\n"), 512)

// Write canonicalizes p. It never fails.
func (c *bodyCanon) Write(p []byte) (int, error) {
	for i := c.resume(p); i < len(p); {
		if cap(c.out)-len(c.out) < 64 {
			c.flush()
		}
		j, site := c.copyRun(p, i)
		if site {
			j = c.site(p, j)
		}
		i = j
	}
	return len(p), nil
}

// copyRun copies p[i:] to the output up to the next site and returns its
// position; it may stop earlier (site false) when the output is nearly
// full. It leaves at least two octets of room in the output.
func (c *bodyCanon) copyRun(p []byte, i int) (j int, site bool) {
	if p[i] == '\n' && (i == 0 || p[i-1] != '\r') {
		return i, true // a bare LF
	}
	dst := c.out[len(c.out) : cap(c.out)-2]
	ns, nd := c.kernel(dst, p[i:])
	i += ns
	lim := min(len(p), i+len(dst)-nd)
	j = siteIn(p, i, lim, c.relaxed)
	copy(dst[nd:], p[i:j])
	c.out = c.out[:len(c.out)+nd+j-i]
	if j < lim {
		return j, true
	}
	if n := len(c.out); n > 0 && c.out[n-1] == '\r' {
		// Its LF follows: the CR waits, so that the output holds whole
		// CRLFs for flush to count.
		c.out = c.out[:n-1]
		j--
	}
	return j, false
}

// site handles the site at p[j] and returns where the rest of p starts.
// The output has room for two octets.
func (c *bodyCanon) site(p []byte, j int) int {
	switch b := p[j]; {
	case c.relaxed && (b == ' ' || b == '\t'):
		k := wspEnd(p, j)
		switch {
		case k == len(p): // decided by the next Write
			c.wsp = true
		case p[k] != '\r' && p[k] != '\n': // one SP; at a line end, nothing
			c.out = append(c.out, ' ')
		}
		return k
	case b == '\r' && j+1 == len(p): // decided by the next Write
		c.cr = true
		return j + 1
	case b == '\r' || b == '\n' && (j == 0 || p[j-1] != '\r'): // bare
		c.out = append(c.out, '\r', '\n')
		return j + 1
	default: // an octet before a bare LF, or the LF of a CRLF before one
		c.out = append(c.out, b)
		return j + 1
	}
}

// wspEnd returns the end of the run of WSP starting at p[j].
func wspEnd(p []byte, j int) int {
	for j < len(p) && (p[j] == ' ' || p[j] == '\t') {
		j++
	}
	return j
}

// resume settles, with the start of p, what the last Write left undecided,
// and returns where the rest of p starts.
func (c *bodyCanon) resume(p []byte) int {
	if len(p) == 0 || !c.cr && !c.wsp {
		return 0
	}
	if cap(c.out)-len(c.out) < 2 {
		c.flush()
	}
	if c.cr {
		c.cr = false
		c.out = append(c.out, '\r', '\n')
		if p[0] == '\n' {
			return 1
		}
		return 0
	}
	k := wspEnd(p, 0)
	if k < len(p) {
		c.wsp = false
		if p[k] != '\r' && p[k] != '\n' {
			c.out = append(c.out, ' ')
		}
	}
	return k
}

// flush hashes the output but for the empty lines at its end, which it
// cuts and counts.
func (c *bodyCanon) flush() {
	t := trailingCRLFs(c.out)
	head := len(c.out) - 2*t
	switch {
	case head > 0:
		c.sendBlank()
		if t > 0 {
			c.send(c.out[:head+2])
			c.blank, c.open = t-1, false
		} else {
			c.send(c.out)
			c.open = true
		}
	case t > 0 && c.open: // the first CRLF ends the open line
		c.send(crlfs[:2])
		c.blank, c.open = t-1, false
	default:
		c.blank += t
	}
	c.out = c.out[:0]
}

// crlf4 is "\r\n\r\n" twice, read as a little-endian uint64.
const crlf4 = 0x0a0d0a0d0a0d0a0d

// trailingCRLFs returns how many CRLFs end r.
func trailingCRLFs(r []byte) int {
	n := len(r)
	for n >= 8 && le64(r[n-8:]) == crlf4 {
		n -= 8
	}
	for n >= 2 && r[n-2] == '\r' && r[n-1] == '\n' {
		n -= 2
	}
	return (len(r) - n) / 2
}

// sendBlank hashes the empty lines held back, now that content follows.
func (c *bodyCanon) sendBlank() {
	for c.blank > 0 {
		k := min(c.blank, len(crlfs)/2)
		c.send(crlfs[:2*k])
		c.blank -= k
	}
}

func (c *bodyCanon) send(p []byte) {
	c.n += int64(len(p))
	for _, h := range c.hashes {
		h.write(p)
	}
}

// Close ends the body: a last line without CRLF gets one, and under simple
// an empty body becomes a single CRLF.
func (c *bodyCanon) Close() error {
	if cap(c.out)-len(c.out) < 2 {
		c.flush()
	}
	if c.cr || len(c.out) > 0 && c.out[len(c.out)-1] != '\n' || len(c.out) == 0 && c.open {
		c.out = append(c.out, '\r', '\n')
	}
	c.cr, c.wsp = false, false
	c.flush()
	c.blank = 0
	if !c.relaxed && c.n == 0 {
		c.send(crlfs[:2])
	}
	return nil
}
