// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"encoding/binary"
	"io"
	"math/rand/v2"
)

// The sources here make the deterministic content of a generated
// message's leaf parts (see bigMessage), the same whatever the sizes of
// the reads.

// bigRandSource reads n pseudo-random bytes from a PCG generator; the bytes
// do not depend on the sizes of the reads.
type bigRandSource struct {
	r    *rand.Rand
	left int64
	word [8]byte
	nw   int // unread bytes at the end of word
}

// newBigRandSource returns a source of n bytes seeded with seed1 and seed2.
func newBigRandSource(seed1, seed2 uint64, n int64) *bigRandSource {
	return &bigRandSource{r: rand.New(rand.NewPCG(seed1, seed2^0x62696e617279)), left: n}
}

// Read fills p with the next bytes, up to the n of the source.
func (s *bigRandSource) Read(p []byte) (int, error) {
	if s.left == 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), s.left)]
	n := 0
	for n < len(p) {
		if s.nw == 0 {
			if len(p)-n >= 8 {
				binary.LittleEndian.PutUint64(p[n:], s.r.Uint64())
				n += 8
				continue
			}
			binary.LittleEndian.PutUint64(s.word[:], s.r.Uint64())
			s.nw = 8
		}
		k := copy(p[n:], s.word[8-s.nw:])
		s.nw -= k
		n += k
	}
	s.left -= int64(n)
	return n, nil
}

// bigLineSource gives lines of text one at a time, without their line end.
type bigLineSource interface {
	// line appends the next line to dst and reports false, with dst
	// unchanged, when there is none.
	line(dst []byte) ([]byte, bool)
}

// bigFixedSource gives the lines it holds.
type bigFixedSource []string

// bigFixedLines returns a bigLineSource of lines.
func bigFixedLines(lines ...string) bigLineSource { return (*bigFixedSource)(&lines) }

// line gives the next fixed line.
func (f *bigFixedSource) line(dst []byte) ([]byte, bool) {
	if len(*f) == 0 {
		return dst, false
	}
	dst = append(dst, (*f)[0]...)
	*f = (*f)[1:]
	return dst, true
}

// bigTextSource makes UTF-8 text lines of random words until about n bytes
// are made. Most lines fit in 76 columns, some run to a few hundred
// octets (never over 998), some are empty; with trailing set, one line in
// nine ends in spaces or a tab.
type bigTextSource struct {
	r        *rand.Rand
	left     int64
	trailing bool
}

// bigTextWords are the words of generated text: ASCII and UTF-8, some
// that look like quoted-printable or boundaries.
var bigTextWords = []string{
	"the", "report", "numbers", "quarter", "and", "of", "to", "From", "a=b", "50%",
	"--", "Grüße", "naïve", "façade", "smörgåsbord", "€100", "日本語", "Ελληνικά",
	"déjà", "vu", "mailwright", "S/MIME", "signature", "x", "=3D", "(see", "below)",
}

// newBigTextSource returns a source of about n bytes of text lines.
func newBigTextSource(seed1, seed2 uint64, n int64, trailing bool) *bigTextSource {
	return &bigTextSource{r: rand.New(rand.NewPCG(seed1, seed2^0x74657874)), left: n, trailing: trailing}
}

// line makes the next line of random words.
func (s *bigTextSource) line(dst []byte) ([]byte, bool) {
	if s.left <= 0 {
		return dst, false
	}
	start := len(dst)
	var target int
	switch k := s.r.IntN(20); {
	case k < 2:
		target = 0
	case k < 16:
		target = 20 + s.r.IntN(52)
	case k < 19:
		target = 77 + s.r.IntN(100)
	default:
		target = 180 + s.r.IntN(300)
	}
	for len(dst)-start < target {
		if len(dst) > start {
			dst = append(dst, ' ')
		}
		dst = append(dst, bigTextWords[s.r.IntN(len(bigTextWords))]...)
	}
	if s.trailing && s.r.IntN(9) == 0 {
		dst = append(dst, []string{" ", "  ", "\t", " \t "}[s.r.IntN(4)]...)
	}
	s.left -= int64(len(dst)-start) + 2
	return dst, true
}
