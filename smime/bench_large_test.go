// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"io"
	"os"
	"testing"
)

// BenchmarkProtectLarge protects messages whose attachment is 1 MiB and
// 16 MiB of canonical base64 (and 100 MiB with MAILWRIGHT_BENCH_HUGE=1;
// run that with -benchtime=1x), for each mode: detached signature,
// opaque signature, AES-256-CBC encryption, signature then encryption.
// The message is made by bigMessage as it is read and Protect writes to
// io.Discard, so B/op is what Protect allocates: for a Protect that
// streams it stays flat as the size grows. ns/op includes making the
// message, which BenchmarkBigMessage measures alone.
func BenchmarkProtectLarge(b *testing.B) {
	p := getPKI(b)
	sizes := []int64{1 << 20, 16 << 20}
	if os.Getenv("MAILWRIGHT_BENCH_HUGE") == "1" {
		sizes = append(sizes, 100<<20)
	}
	for _, m := range bigModes(p) {
		for _, size := range sizes {
			n := bigMessageLen(b, size, "base64")
			b.Run(m.name+"/"+sizeName(int(size)), func(b *testing.B) {
				b.SetBytes(n)
				b.ReportAllocs()
				for b.Loop() {
					if err := m.pr.Protect(io.Discard, bigMessage(size, "base64")); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkBigMessage reads a 16 MiB message from bigMessage alone: the
// share of BenchmarkProtectLarge's time that is the generator's.
func BenchmarkBigMessage(b *testing.B) {
	const size = 16 << 20
	b.SetBytes(bigMessageLen(b, size, "base64"))
	b.ReportAllocs()
	for b.Loop() {
		io.Copy(io.Discard, bigMessage(size, "base64"))
	}
}

// bigMessageLen returns the length of bigMessage(size, kind).
func bigMessageLen(b *testing.B, size int64, kind string) int64 {
	b.Helper()
	n, err := io.Copy(io.Discard, bigMessage(size, kind))
	if err != nil {
		b.Fatal(err)
	}
	return n
}
