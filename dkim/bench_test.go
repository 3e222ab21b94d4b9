// SPDX-License-Identifier: Apache-2.0

package dkim

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// benchWords is the vocabulary of the text bodies.
var benchWords = strings.Fields("the mail went out on time and every receiver checked its " +
	"signature before it was filed; figures for the quarter follow below in " +
	"a table of numbers 12.5 340 7 and so on Grüße")

// benchText is about size octets of text in lines of up to width octets.
// With messy set, words are now and then separated by two spaces and a line
// ends in a space (before an empty line) or a tab, as in the comparison
// benchmarks in tools/bench; otherwise there are single spaces only.
func benchText(size, width int, messy bool) []byte {
	var b bytes.Buffer
	line, n := 0, 0
	for b.Len() < size {
		w := benchWords[n%len(benchWords)]
		n++
		if line+len(w)+1 > width {
			switch {
			case messy && n%53 == 0:
				b.WriteString(" \r\n\r\n")
			case messy && n%31 == 0:
				b.WriteString("\t\r\n")
			default:
				b.WriteString("\r\n")
			}
			line = 0
		}
		if line > 0 {
			if messy && n%17 == 0 {
				b.WriteString("  ")
				line++
			} else {
				b.WriteByte(' ')
			}
			line++
		}
		b.WriteString(w)
		line += len(w)
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// benchBase64 is about size octets of 76-column base64 lines.
func benchBase64(size int) []byte {
	line := []byte("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n")
	return bytes.Repeat(line, size/len(line)+1)
}

// benchBlank is about size octets of short lines, most of them followed by
// one to three empty lines.
func benchBlank(size int) []byte {
	var b bytes.Buffer
	for n := 0; b.Len() < size; n++ {
		b.WriteString(benchWords[n%len(benchWords)])
		b.WriteString(strings.Repeat("\r\n", 1+n%4))
	}
	return b.Bytes()
}

// benchBodies are the bodies of the body hash benchmarks, about 1 MiB each.
var benchBodies = []struct {
	name string
	body []byte
}{
	{"prose", benchText(1<<20, 76, true)},
	{"clean", benchText(1<<20, 76, false)},
	{"base64", benchBase64(1 << 20)},
	{"longlines", benchText(1<<20, 990, false)},
	{"blanklines", benchBlank(1 << 20)},
}

// hashBody canonicalizes body in 32 KiB writes into SHA-256.
func hashBody(c Canonicalization, body []byte) []byte {
	bc := newBodyCanon(c)
	bc.hashes = []*bodyHash{{h: sha256.New(), left: -1}}
	for p := body; len(p) > 0; p = p[min(len(p), 32<<10):] {
		bc.Write(p[:min(len(p), 32<<10)])
	}
	bc.Close()
	return bc.hashes[0].h.Sum(nil)
}

// hashRaw is SHA-256 of body in the same 32 KiB writes.
func hashRaw(body []byte) []byte {
	h := sha256.New()
	for p := body; len(p) > 0; p = p[min(len(p), 32<<10):] {
		h.Write(p[:min(len(p), 32<<10)])
	}
	return h.Sum(nil)
}

// BenchmarkBodyHash is body canonicalization plus SHA-256 of each 1 MiB
// body in 32 KiB writes, with SHA-256 alone of the same bytes as the
// "sha256" row.
func BenchmarkBodyHash(b *testing.B) {
	for _, bb := range benchBodies {
		for _, c := range []Canonicalization{Simple, Relaxed} {
			b.Run(fmt.Sprintf("%s/%s", bb.name, c), func(b *testing.B) {
				b.SetBytes(int64(len(bb.body)))
				for b.Loop() {
					hashBody(c, bb.body)
				}
			})
		}
		b.Run(bb.name+"/sha256", func(b *testing.B) {
			b.SetBytes(int64(len(bb.body)))
			for b.Loop() {
				hashRaw(bb.body)
			}
		})
	}
}

// BenchmarkBodyHashRatio holds canonicalization plus hashing to SHA-256
// alone of the same bytes on a shared, noisy machine: each iteration runs
// one of each in turn, and the metric "ratio" is the median time of the
// first over the median time of the second, both from the same stretch of
// time. The target is a ratio of at most 1.5.
func BenchmarkBodyHashRatio(b *testing.B) {
	for _, bb := range benchBodies {
		for _, c := range []Canonicalization{Simple, Relaxed} {
			b.Run(fmt.Sprintf("%s/%s", bb.name, c), func(b *testing.B) {
				b.SetBytes(int64(len(bb.body)))
				var ours, raw []time.Duration
				for i := 0; b.Loop(); i++ {
					for j := range 2 {
						t0 := time.Now()
						if (i+j)%2 == 0 {
							hashBody(c, bb.body)
							ours = append(ours, time.Since(t0))
						} else {
							hashRaw(bb.body)
							raw = append(raw, time.Since(t0))
						}
					}
				}
				b.ReportMetric(float64(medianDuration(ours))/float64(medianDuration(raw)), "ratio")
			})
		}
	}
}

func medianDuration(d []time.Duration) time.Duration {
	slices.Sort(d)
	return max(d[len(d)/2], 1)
}
