// SPDX-License-Identifier: Apache-2.0

package dkim

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"
)

// benchBody is about size octets of text: lines of up to 76 octets with
// single spaces between words, now and then two spaces, a trailing space,
// a tab at a line end or an empty line (the same text as the comparison
// benchmarks in tools/bench).
func benchBody(size int) []byte {
	var b bytes.Buffer
	words := strings.Fields("the mail went out on time and every receiver checked its " +
		"signature before it was filed; figures for the quarter follow below in " +
		"a table of numbers 12.5 340 7 and so on Grüße")
	line, n := 0, 0
	for b.Len() < size {
		w := words[n%len(words)]
		n++
		if line+len(w)+1 > 76 {
			switch {
			case n%53 == 0:
				b.WriteString(" \r\n\r\n")
			case n%31 == 0:
				b.WriteString("\t\r\n")
			default:
				b.WriteString("\r\n")
			}
			line = 0
		}
		if line > 0 {
			if n%17 == 0 {
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

// BenchmarkBodyHash is body canonicalization plus SHA-256 of a 1 MiB text
// body in 32 KiB writes, beside SHA-256 alone of the same bytes.
func BenchmarkBodyHash(b *testing.B) {
	body := benchBody(1 << 20)
	for _, c := range []Canonicalization{Simple, Relaxed} {
		b.Run(string(c), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				bc := newBodyCanon(c)
				bc.hashes = []*bodyHash{{h: sha256.New(), left: -1}}
				for p := body; len(p) > 0; p = p[min(len(p), 32<<10):] {
					bc.Write(p[:min(len(p), 32<<10)])
				}
				bc.Close()
				bc.hashes[0].h.Sum(nil)
			}
		})
	}
	b.Run("sha256", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			h := sha256.New()
			for p := body; len(p) > 0; p = p[min(len(p), 32<<10):] {
				h.Write(p[:min(len(p), 32<<10)])
			}
			h.Sum(nil)
		}
	})
}
