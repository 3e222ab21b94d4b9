// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"crypto/x509"
	"fmt"
	"io"
	"runtime"
	"testing"
)

// Protect must stream: the bytes it allocates for one message are
// bounded by protectAllocLimit whatever the size of the attachment
// (PERF.md: a 100 MiB attachment is never held in memory). The bound is a
// quarter of the message used, so a Protect that holds the message whole,
// or a copy of it, cannot meet it.
const (
	protectMemSize    = 64 << 20
	protectAllocLimit = 16 << 20
)

// TestProtectStreamsLargeAttachment states the streaming requirement of
// Protect: signing, encrypting, or signing and then encrypting a message
// with a 64 MiB attachment into io.Discard allocates less than 16 MiB in
// all (runtime.MemStats.TotalAlloc, the bytes allocated, not the time
// taken). It covers every shape bigMessage makes (canonical base64,
// base64 to re-wrap, quoted-printable to re-encode, binary to turn into
// base64, 8bit text to turn into quoted-printable, nested multiparts),
// detached and opaque signatures, AES-256-CBC and AES-256-GCM. The message comes from bigMessage, which holds only
// a few KiB of it at a time; that is checked first, so that what is
// counted is Protect's own.
func TestProtectStreamsLargeAttachment(t *testing.T) {
	if testing.Short() {
		t.Skip("64 MiB messages; skipped with -short")
	}
	if raceEnabled {
		t.Skip("allocations differ under the race detector")
	}
	p := getPKI(t)
	gen := bigAllocated(func() { io.Copy(io.Discard, bigMessage(protectMemSize, "base64")) })
	if gen > 1<<20 {
		t.Fatalf("reading bigMessage(64 MiB) alone allocated %s, want under 1 MiB", bigMiB(gen))
	}
	t.Logf("reading bigMessage(64 MiB) alone allocated %s", bigMiB(gen))
	modes := bigModes(p)
	modes = append(modes, struct {
		name string
		pr   *Protector
	}{"sign+encrypt-gcm", &Protector{Signer: p.signer, Recipients: []*x509.Certificate{p.recipient},
		EncryptOptions: &EncryptOptions{Cipher: AES256GCM}}})
	tests := []struct {
		kind string
		mode int // index in modes
	}{
		{"base64", 0}, {"base64-lf", 0}, {"qp", 0}, {"binary", 0}, {"8bit", 0}, {"nested", 0},
		{"base64", 1}, {"qp", 1}, {"base64", 2}, {"8bit", 2}, {"base64", 3}, {"nested", 3},
		{"base64", 4}, {"binary", 4},
	}
	for _, tt := range tests {
		m := modes[tt.mode]
		t.Run(m.name+"/"+tt.kind, func(t *testing.T) {
			var err error
			n := bigAllocated(func() { err = m.pr.Protect(io.Discard, bigMessage(protectMemSize, tt.kind)) })
			if err != nil {
				t.Fatalf("Protect: %v", err)
			}
			t.Logf("Protect of a %s %s message allocated %s", bigMiB(protectMemSize), tt.kind, bigMiB(n))
			if n >= protectAllocLimit {
				t.Errorf("Protect of a %s %s message allocated %s, want under %s: the message is held in memory",
					bigMiB(protectMemSize), tt.kind, bigMiB(n), bigMiB(protectAllocLimit))
			}
		})
	}
}

// bigAllocated returns the bytes allocated on the heap while f runs.
func bigAllocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// bigMiB formats a number of bytes in MiB.
func bigMiB(n uint64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
