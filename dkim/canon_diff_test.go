// SPDX-License-Identifier: Apache-2.0

package dkim

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// The streaming canonicalizer (body.go, sites.go and its assembly kernels)
// against refBody, the plain reading of RFC 6376 sections 3.4.3 and 3.4.4
// in body_test.go, on the inputs where a state machine goes wrong: line
// ends split across writes, bare CRs and LFs, whitespace runs cut by a
// write or by the end of the body, empty lines held back, l= limits that
// cut the output anywhere, and 16-octet blocks of the kernel meeting all
// of these at every offset.

// canonCuts canonicalizes body written in the pieces the increasing
// positions cuts make, with kernel number kern of those this processor
// runs (AVX2, SSE2, portable on amd64), into a hash limited to limit
// octets (l=, -1 for none), and returns what the hash was given.
func canonCuts(c Canonicalization, kern int, body string, cuts []int, limit int64) string {
	bc := newBodyCanon(c)
	bc.kernel = simpleKernels[kern]
	if c == Relaxed {
		bc.kernel = relaxedKernels[kern]
	}
	rec := &recorder{}
	bc.hashes = []*bodyHash{{h: rec, left: limit}}
	last := 0
	for _, k := range append(cuts, len(body)) {
		bc.Write([]byte(body[last:k]))
		last = k
	}
	bc.Close()
	return rec.String()
}

// diffCheck compares body, cut at cuts, with the reference under both
// canonicalizations and every kernel.
func diffCheck(t *testing.T, body string, cuts []int) {
	t.Helper()
	for _, c := range []Canonicalization{Simple, Relaxed} {
		want := refBody(c, body)
		for kern := range relaxedKernels {
			if got := canonCuts(c, kern, body, cuts, -1); got != want {
				t.Fatalf("%s kernel %d body (%d) %q cut at %v:\n got %q\nwant %q", c, kern, len(body),
					body, cuts, got, want)
			}
		}
	}
}

// diffPad is ordinary text, long enough that the kernels see full blocks
// around whatever it surrounds.
const diffPad = "The quick brown fox jumps over the lazy dog."

// diffEdges are the bodies that stress the state machine, each also tried
// between copies of diffPad.
var diffEdges = []string{
	"", "\r\n", "\r\n\r\n\r\n", "\n", "\n\n\n", "\r", "\r\r", "\r\r\n", "\n\r",
	"\r\n\n", "\n\r\n", "a\rb", "a\nb", "a\r\nb", "a\r\r\nb", "x \r\n", "x\t\r\n",
	"x \t \r\n\r\n", " \r\n", "\t", "   ", "a  b", "a \t b", " lead", "\tlead\r\n",
	"a \n", "a \r", "a \rb", "a \r\r\n", "a  \n\n", "x\r\n \r\n\t\r\n", " \t\r\n\r\nx",
	"end ", "end\t", "end \r", "a \x01b", "a \x00", "\x0b \x0c", "é \té",
	"\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\nx", "x\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n",
	strings.Repeat(" ", 40) + "x", "x" + strings.Repeat("\t ", 20) + "\r\ny",
	strings.Repeat("ab  ", 12) + "\r\n", strings.Repeat("a\r\n", 12) + "\n",
}

// TestBodyDiffEdges writes each edge body, alone and between ordinary
// text shifted through every offset of a 16-octet block, in two writes
// cut at every position.
func TestBodyDiffEdges(t *testing.T) {
	for _, e := range diffEdges {
		bodies := []string{e, diffPad + e, e + diffPad}
		for k := range 17 {
			bodies = append(bodies, diffPad[:k]+e+diffPad+e+diffPad[k:])
		}
		for _, body := range bodies {
			diffCheck(t, body, nil)
			for k := 0; k <= len(body); k++ {
				diffCheck(t, body, []int{k})
			}
		}
	}
}

// TestBodyDiffThreeWrites cuts short edge bodies into three writes at every
// pair of positions, and into writes of one octet.
func TestBodyDiffThreeWrites(t *testing.T) {
	for _, e := range diffEdges {
		body := "ab" + e + " " + e + "cd"
		if len(body) > 60 {
			continue
		}
		for i := 0; i <= len(body); i++ {
			for j := i; j <= len(body); j++ {
				diffCheck(t, body, []int{i, j})
			}
		}
		var ones []int
		for i := 1; i < len(body); i++ {
			ones = append(ones, i)
		}
		diffCheck(t, body, ones)
	}
}

// TestBodyDiffLimit cuts the canonical output at every length with l=:
// the hash gets exactly its first l octets, wherever that falls (inside a
// collapsed whitespace run, between the CR and LF made of a bare line
// end, among held-back empty lines).
func TestBodyDiffLimit(t *testing.T) {
	for _, e := range diffEdges {
		body := diffPad + e + "\r\n" + e + " x"
		for _, c := range []Canonicalization{Simple, Relaxed} {
			want := refBody(c, body)
			for l := 0; l <= len(want)+1; l++ {
				for kern := range relaxedKernels {
					got := canonCuts(c, kern, body, []int{len(body) / 2}, int64(l))
					if w := want[:min(l, len(want))]; got != w {
						t.Fatalf("%s kernel %d l=%d %q: got %q, want %q", c, kern, l, body, got, w)
					}
				}
			}
		}
	}
}

// diffTokens are the pieces random bodies are made of, the first ones more
// often.
var diffTokens = []string{
	"word", "abcdefghijklmnopqrstuvwxyz0123456789", " ", "\r\n", "  ", "\t", "\r", "\n",
	"\r\n\r\n", " \r\n", "\t\r\n", "\x00", "\x0b", "\xc3\xa9", "\x7f", "\x80", "\xff",
}

func randomBody(r *rand.Rand, maxTokens int) string {
	var b strings.Builder
	for range r.IntN(maxTokens + 1) {
		k := min(r.IntN(len(diffTokens)), r.IntN(len(diffTokens)))
		b.WriteString(diffTokens[k])
	}
	return b.String()
}

func randomCuts(r *rand.Rand, n, k int) []int {
	cuts := make([]int, k)
	for i := range cuts {
		cuts[i] = r.IntN(n + 1)
	}
	for i := 1; i < len(cuts); i++ { // insertion sort, k is small
		for j := i; j > 0 && cuts[j] < cuts[j-1]; j-- {
			cuts[j], cuts[j-1] = cuts[j-1], cuts[j]
		}
	}
	return cuts
}

// TestBodyDiffRandom compares random bodies, whole and in random writes,
// and with random l= limits.
func TestBodyDiffRandom(t *testing.T) {
	n := 3000
	if raceEnabled || testing.Short() {
		n = 500
	}
	r := rand.New(rand.NewPCG(6376, 3))
	for i := range n {
		body := randomBody(r, 120)
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			diffCheck(t, body, nil)
			for k := 1; k <= 4; k++ {
				diffCheck(t, body, randomCuts(r, len(body), k))
			}
			c := []Canonicalization{Simple, Relaxed}[i%2]
			want := refBody(c, body)
			l := r.IntN(len(want) + 2)
			got := canonCuts(c, i%len(relaxedKernels), body, randomCuts(r, len(body), 2), int64(l))
			if got != want[:min(l, len(want))] {
				t.Fatalf("%s l=%d %q: got %q, want %q", c, l, body, got, want[:min(l, len(want))])
			}
		})
	}
}

// TestBodyDiffLarge covers what only long bodies reach: the output buffer
// filling in the middle of a whitespace run or of a line end, held-back
// empty lines outnumbering a flush, whitespace runs longer than a write.
func TestBodyDiffLarge(t *testing.T) {
	bodies := []string{
		strings.Repeat("\r\n", 20000),
		strings.Repeat("\r\n", 20000) + "x",
		"x" + strings.Repeat("\r\n", 20000) + "y\r\n",
		strings.Repeat("\n", 9000) + "x" + strings.Repeat("\r", 9000),
		"x" + strings.Repeat(" ", 20000) + "y" + strings.Repeat("\t", 20000) + "\r\n",
		strings.Repeat("a  b\tc \r\n", 5000),
		strings.Repeat(diffPad+" \r\n\r\n", 700),
		strings.Repeat(strings.Repeat("x", 8190)+"  ", 4),
		strings.Repeat(strings.Repeat("y", 8189)+"\r\n", 4),
	}
	// The output buffer fills with the line, and what follows decides
	// whether it ends: these reach the flush of an output that is only line
	// ends, after one that ended inside a line.
	for k := outSize - 16; k < outSize+16; k++ {
		for _, tail := range []string{"\r", "  ", "\t\r", "\r\n", "\r\n\r\n\r\n", "\n\n"} {
			bodies = append(bodies, strings.Repeat("x", k)+tail)
		}
	}
	r := rand.New(rand.NewPCG(8, 6376))
	for range 20 {
		bodies = append(bodies, randomBody(r, 8000))
	}
	for i, body := range bodies {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			diffCheck(t, body, nil)
			diffCheck(t, body, randomCuts(r, len(body), 5))
			var every []int
			for k := 4093; k < len(body); k += 4093 {
				every = append(every, k)
			}
			diffCheck(t, body, every)
		})
	}
}
