// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
)

// canonical is an entity in canonical form, waiting in a spool between
// canonicalizing it and signing or encrypting it: the only copy of the
// content there is, in memory while small and in an encrypted temporary
// file beyond that.
type canonical struct {
	sp     *spool
	digest []byte // of the content, when a hash was asked for
	// boundary is a multipart/signed boundary that does not occur in the
	// content, when one was asked for.
	boundary string
}

// contentMem is how much canonical content a spool keeps in memory.
const contentMem = 1 << 20

// spoolCanonical reads an entity from r and keeps its canonical form,
// with its digest under h (0: none) and, when boundaries is set, a
// multipart boundary drawn from it that the content does not contain.
func spoolCanonical(r io.Reader, dir string, h crypto.Hash, boundaries io.Reader) (*canonical, error) {
	c := &canonical{sp: newSpool(dir, contentMem)}
	ws := []io.Writer{c.sp}
	var d hash.Hash
	if h != 0 {
		d = h.New()
		ws = append(ws, d)
	}
	var watch *substrWatch
	if boundaries != nil {
		b, err := drawBoundary(boundaries)
		if err != nil {
			return nil, err
		}
		watch = &substrWatch{needle: []byte(b)}
		ws = append(ws, watch)
		c.boundary = b
	}
	if err := canonicalizeTo(io.MultiWriter(ws...), r, dir); err != nil {
		c.Close()
		return nil, err
	}
	if d != nil {
		c.digest = d.Sum(nil)
	}
	if watch != nil && watch.found {
		if err := c.redrawBoundary(boundaries); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// Len is the length of the content.
func (c *canonical) Len() int64 { return c.sp.Len() }

// WriteTo writes the content.
func (c *canonical) WriteTo(w io.Writer) (int64, error) { return c.sp.WriteTo(w) }

// Close releases the spool.
func (c *canonical) Close() error { return c.sp.Close() }

// redrawBoundary draws boundaries until one does not occur in the
// content, reading the content again for each.
func (c *canonical) redrawBoundary(r io.Reader) error {
	for range 7 {
		b, err := drawBoundary(r)
		if err != nil {
			return err
		}
		watch := &substrWatch{needle: []byte(b)}
		if _, err := c.sp.WriteTo(watch); err != nil {
			return err
		}
		if !watch.found {
			c.boundary = b
			return nil
		}
	}
	return errors.New("smime: cannot find a boundary absent from the content")
}

// drawBoundary returns a multipart boundary with 120 random bits.
func drawBoundary(r io.Reader) (string, error) {
	var buf [15]byte
	if _, err := io.ReadFull(r, buf[:]); err != nil {
		return "", fmt.Errorf("smime: boundary: %w", err)
	}
	return "----=_smime_" + hex.EncodeToString(buf[:]), nil
}

// boundarySource is where o draws multipart boundaries from.
func boundarySource(o *SignOptions) io.Reader {
	if o != nil && o.Rand != nil {
		return o.Rand
	}
	return rand.Reader
}

// substrWatch reports whether needle occurs in what is written to it,
// also across writes.
type substrWatch struct {
	needle []byte
	tail   []byte // the last len(needle)-1 bytes seen
	found  bool
}

func (s *substrWatch) Write(p []byte) (int, error) {
	if s.found || len(s.needle) == 0 {
		s.found = true
		return len(p), nil
	}
	k := len(s.needle) - 1
	if len(s.tail) > 0 {
		joint := append(s.tail, p[:min(len(p), k)]...)
		if bytes.Contains(joint, s.needle) {
			s.found = true
			return len(p), nil
		}
	}
	if bytes.Contains(p, s.needle) {
		s.found = true
		return len(p), nil
	}
	if len(p) >= k {
		s.tail = append(s.tail[:0], p[len(p)-k:]...)
	} else {
		s.tail = append(s.tail, p...)
		if len(s.tail) > k {
			s.tail = append(s.tail[:0], s.tail[len(s.tail)-k:]...)
		}
	}
	return len(p), nil
}

// piece is a part of a body of known length.
type piece interface {
	Len() int64
	WriteTo(w io.Writer) (int64, error)
}

// bytesPiece is a piece held in memory.
type bytesPiece []byte

func (b bytesPiece) Len() int64 { return int64(len(b)) }

func (b bytesPiece) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(b)
	return int64(n), err
}

// joinBody is a body made of pieces written one after the other.
func joinBody(pieces ...piece) (int64, func(io.Writer) error) {
	var n int64
	for _, p := range pieces {
		n += p.Len()
	}
	return n, func(w io.Writer) error {
		for _, p := range pieces {
			if _, err := p.WriteTo(w); err != nil {
				return err
			}
		}
		return nil
	}
}
