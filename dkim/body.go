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
// CR and bare LF is taken as a CRLF first (section 5.3). Empty lines are
// held back as a count until a non-empty line follows, so that those at
// the end of the body drop out, and nothing else of the body is kept.
//
// Clean stretches of CRLF lines, which canonicalization leaves as they are,
// go to the hashes in one piece straight from the caller's buffer. Under
// relaxed, a CRLF line with a tab, a run of spaces or trailing whitespace
// is rebuilt piece by piece around those places (dirtyLine); only lines
// with a bare CR or LF take the byte-by-byte path.
//
// TODO(#6): relaxed bodies cost 1.7x (base64), 2x (prose with single
// spaces) and 4-5x (prose with runs of spaces) the CPU time of SHA-256 of
// the same bytes, against a target of 1.5x; simple bodies are at 1.4-1.6x.
// The remaining cost is finding space pairs eight octets at a time and one
// IndexByte per line; reaching the target needs vector instructions or
// hashing on a second core while the next piece is canonicalized.
type bodyCanon struct {
	relaxed bool
	hashes  []*bodyHash
	n       int64 // canonical octets produced

	cr    bool // a CR was read and its line end is not yet decided
	mid   bool // the current line has produced content
	wsp   bool // relaxed: a run of WSP waits to become one SP
	blank int  // empty lines held back
	wrote bool // simple: anything produced at all

	out []byte // small pending output

	// Positions in the current Write's buffer before which there is no
	// tab and no space pair (see findSpacePair); they move on as lines are
	// taken.
	tab, pair int
}

func newBodyCanon(c Canonicalization) *bodyCanon {
	return &bodyCanon{relaxed: c == Relaxed, out: make([]byte, 0, 8<<10)}
}

func (c *bodyCanon) emit(p []byte) {
	if len(c.out)+len(p) > cap(c.out) {
		c.flush()
		if len(p) >= cap(c.out)/2 {
			c.send(p)
			return
		}
	}
	c.out = append(c.out, p...)
}

func (c *bodyCanon) emitByte(b byte) {
	if len(c.out) == cap(c.out) {
		c.flush()
	}
	c.out = append(c.out, b)
}

func (c *bodyCanon) flush() {
	if len(c.out) > 0 {
		c.send(c.out)
		c.out = c.out[:0]
	}
}

func (c *bodyCanon) send(p []byte) {
	c.n += int64(len(p))
	for _, h := range c.hashes {
		h.write(p)
	}
}

var crlfs = bytes.Repeat([]byte("\r\n"), 64)

// flushBlank writes the empty lines held back, now that content follows.
func (c *bodyCanon) flushBlank() {
	for c.blank > 0 {
		k := min(c.blank, len(crlfs)/2)
		c.emit(crlfs[:2*k])
		c.blank -= k
	}
}

// Write canonicalizes p. It never fails.
func (c *bodyCanon) Write(p []byte) (int, error) {
	c.tab, c.pair = 0, 0
	for i := 0; i < len(p); {
		if !c.cr && !c.mid && !c.wsp {
			i = c.fast(p, i)
			if i == len(p) {
				break
			}
			if c.relaxed {
				if k := c.dirtyLine(p, i); k > i {
					i = k
					continue
				}
			}
		}
		i = c.slow(p, i)
	}
	return len(p), nil
}

// Close ends the body: a last line without CRLF gets one, and under simple
// an empty body becomes a single CRLF.
func (c *bodyCanon) Close() error {
	if c.cr {
		c.endLine()
	}
	if c.mid {
		c.emit(crlfs[:2])
		c.mid = false
	}
	if !c.relaxed && !c.wrote {
		c.emit(crlfs[:2])
		c.wrote = true
	}
	c.blank, c.wsp = 0, false
	c.flush()
	return nil
}

// fast takes whole CRLF lines from p[i:] that canonicalization leaves as
// they are and returns where it stopped. It is called at a line start.
func (c *bodyCanon) fast(p []byte, i int) int {
	start, contentEnd, blanks := i, i, 0
	for i < len(p) {
		// Lines are taken in batches, each checked for bare CRs at once.
		j, lines, ce, bl := c.lines(p, i, min(len(p), i+batchSize))
		if j > i && bytes.Count(p[i:j], crlfs[:1]) != lines {
			// A bare CR hides in one of the lines: stop before it.
			j, _, ce, bl = c.lines(p[:loneCRLine(p, i, j)], i, len(p))
		}
		if ce > 0 {
			contentEnd, blanks = ce, bl
		} else {
			blanks += bl
		}
		if j < i+batchSize || j == i {
			i = j
			break
		}
		i = j
	}
	if contentEnd > start {
		c.flushBlank()
		c.emit(p[start:contentEnd])
		c.wrote = true
		c.blank = blanks
	} else {
		c.blank += blanks
	}
	return i
}

// batchSize is about how many octets of lines fast checks for bare CRs in
// one go.
const batchSize = 4 << 10

// lines scans clean CRLF lines from p[i:] until one ends at or after stop,
// or an unclean line starts. It returns the end of the last line taken,
// the number of lines, the end of the last non-empty line (0 if none) and
// the number of empty lines after it.
func (c *bodyCanon) lines(p []byte, i, stop int) (end, lines, contentEnd, blanks int) {
	for i < len(p) && i < stop {
		nl := bytes.IndexByte(p[i:], '\n')
		if nl < 1 || p[i+nl-1] != '\r' {
			break
		}
		e := i + nl + 1
		if nl > 1 && c.relaxed && !c.relaxedClean(p, i, e) {
			break
		}
		lines++
		i = e
		if nl == 1 {
			blanks++
		} else {
			contentEnd, blanks = i, 0
		}
	}
	return i, lines, contentEnd, blanks
}

// loneCRLine returns the start of the first line in p[start:end] (whole CRLF
// lines) holding a CR that is not part of its line end.
func loneCRLine(p []byte, start, end int) int {
	for i := start; i < end; {
		nl := bytes.IndexByte(p[i:end], '\n')
		if bytes.IndexByte(p[i:i+nl-1], '\r') >= 0 {
			return i
		}
		i += nl + 1
	}
	return end
}

// relaxedClean reports whether the line p[start:end] (ending in CRLF) has no
// tab, no two spaces in a row and no space at its end, using the position
// remembered for this buffer so that each stretch is searched only once.
func (c *bodyCanon) relaxedClean(p []byte, start, end int) bool {
	if c.tab >= end && c.pair >= end {
		return true // both searches already reach past this line
	}
	return c.siteAt(p, start, end) == end
}

// scanWindow bounds one search, so that a far-away hit is not searched for
// again and again.
const scanWindow = 16 << 10

// dirtyLine canonicalizes, under relaxed, the line at p[i:] when it is a
// whole CRLF line without a bare CR, and returns its end; otherwise it
// returns i. Only the places where the line changes are looked at one by
// one: its trailing WSP, and each tab or run of two spaces, found with the
// positions remembered for this buffer.
func (c *bodyCanon) dirtyLine(p []byte, i int) int {
	nl := bytes.IndexByte(p[i:], '\n')
	if nl < 1 || p[i+nl-1] != '\r' || bytes.IndexByte(p[i:i+nl-1], '\r') >= 0 {
		return i
	}
	e, ce := i+nl+1, i+nl-1
	for ce > i && (p[ce-1] == ' ' || p[ce-1] == '\t') {
		ce--
	}
	if ce == i {
		c.blank++
		return e
	}
	c.flushBlank()
	for cur := i; ; {
		k := c.siteAt(p, cur, ce)
		if k == ce {
			c.emit(p[cur:ce])
			break
		}
		if k > cur && p[k-1] == ' ' {
			k-- // a space before a tab starts the run
		}
		c.emit(p[cur:k])
		c.emitByte(' ')
		for cur = k + 1; p[cur] == ' ' || p[cur] == '\t'; cur++ {
		}
	}
	c.emit(crlfs[:2])
	c.wrote = true
	return e
}

// siteAt returns the first place in p[start:end] where relaxed
// canonicalization may change a line, or end: a tab, or a space followed
// by an octet up to 0x20.
func (c *bodyCanon) siteAt(p []byte, start, end int) int {
	return min(scanAt(&c.tab, p, start, end, findTab), scanAt(&c.pair, p, start, end, findSpacePair))
}

func findTab(p []byte) int { return bytes.IndexByte(p, '\t') }

// scanAt returns the first hit of find in p[start:end], or end. find
// looks at one octet after a hit, so its last position is judged again by
// the next search. *pos is a position before which find has no hit after
// the start of the last search; it is moved on past what this search
// covers, and the search goes up to scanWindow octets ahead.
func scanAt(pos *int, p []byte, start, end int, find func([]byte) int) int {
	from := max(start, *pos)
	if from >= end {
		return end
	}
	lim := max(min(len(p), from+scanWindow), end)
	j := find(p[from:lim])
	if j < 0 {
		*pos = lim - 1
		return end
	}
	*pos = from + j
	return min(*pos, end)
}

// slow canonicalizes p[i:] one byte (or one run of plain bytes) at a time
// until a line has ended, and returns where it stopped.
func (c *bodyCanon) slow(p []byte, i int) int {
	for i < len(p) {
		b := p[i]
		switch {
		case b == '\r':
			if c.cr {
				c.endLine()
			}
			c.cr = true
			i++
		case b == '\n':
			c.cr = false
			c.endLine()
			return i + 1
		case c.cr:
			c.cr = false
			c.endLine()
			return i
		case c.relaxed && (b == ' ' || b == '\t'):
			c.wsp = true
			i++
		default:
			j := i + 1
			for j < len(p) && !special(c.relaxed, p[j]) {
				j++
			}
			c.content(p[i:j])
			i = j
		}
	}
	return i
}

func special(relaxed bool, b byte) bool {
	return b == '\r' || b == '\n' || relaxed && (b == ' ' || b == '\t')
}

// content writes non-WSP line content, after any held-back empty lines and
// the pending SP.
func (c *bodyCanon) content(p []byte) {
	c.flushBlank()
	if c.wsp {
		c.emitByte(' ')
		c.wsp = false
	}
	c.emit(p)
	c.mid, c.wrote = true, true
}

func (c *bodyCanon) endLine() {
	c.wsp = false
	if c.mid {
		c.emit(crlfs[:2])
		c.mid = false
		return
	}
	c.blank++
}
