// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// protectToFile writes bigMessage(size, kind) protected by pr into a
// file and returns its path; Protect streams, so the test's own input
// is never in memory.
func protectToFile(t *testing.T, pr *Protector, size int64, kind string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "msg.eml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := pr.Protect(f, bigMessage(size, kind)); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestVerifyToStreams: verifying a signed message with a 64 MiB
// attachment read from a file allocates less than 16 MiB in all
// (runtime.MemStats.TotalAlloc), and what VerifyTo writes is the signed
// entity: its SHA-256 equals that of the message's entity in canonical
// form.
func TestVerifyToStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("64 MiB messages; skipped with -short")
	}
	if raceEnabled {
		t.Skip("allocations differ under the race detector")
	}
	p := getPKI(t)
	for _, mode := range []struct {
		name string
		o    *SignOptions
	}{{"detached", nil}, {"opaque", &SignOptions{Opaque: true}}} {
		t.Run(mode.name, func(t *testing.T) {
			path := protectToFile(t, &Protector{Signer: p.signer, SignOptions: mode.o}, protectMemSize, "base64")
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got := sha256.New()
			var v *Verified
			n := bigAllocated(func() { v, err = VerifyTo(got, f, p.roots(), nil) })
			if err != nil {
				t.Fatalf("VerifyTo: %v", err)
			}
			t.Logf("VerifyTo of a %s signed message allocated %s", bigMiB(protectMemSize), bigMiB(n))
			if n >= protectAllocLimit {
				t.Errorf("VerifyTo allocated %s, want under %s: the message is held in memory", bigMiB(n), bigMiB(protectAllocLimit))
			}
			if v.Content != nil || len(v.Signers) != 1 {
				t.Errorf("Verified = %d signers, Content %d bytes; want 1 signer and no Content", len(v.Signers), len(v.Content))
			}
			want := sha256.New()
			br := bufio.NewReaderSize(bigMessage(protectMemSize, "base64"), 64<<10)
			_, head, err := readMessageHeader(br)
			if err != nil {
				t.Fatal(err)
			}
			if err := canonicalizeTo(want, io.MultiReader(bytes.NewReader(head), br), t.TempDir()); err != nil {
				t.Fatal(err)
			}
			if string(got.Sum(nil)) != string(want.Sum(nil)) {
				t.Error("VerifyTo wrote something else than the canonical entity that was signed")
			}
		})
	}
}

// TestVerifyToWritesNothingOnError: a changed byte deep in a large
// signed entity is found only at the end, and VerifyTo has written
// nothing by then.
func TestVerifyToWritesNothingOnError(t *testing.T) {
	p := getPKI(t)
	path := protectToFile(t, &Protector{Signer: p.signer}, 3<<20, "base64")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := len(b) / 2
	for b[i] == '\r' || b[i] == '\n' || b[i] == 'A' {
		i++
	}
	b[i] = 'A' // a base64 character changed in the attachment
	var out countWriter
	_, err = VerifyTo(&out, bytes.NewReader(b), p.roots(), nil)
	if !errors.Is(err, ErrDigestMismatch) || out.n != 0 {
		t.Fatalf("VerifyTo(changed) = %v after writing %d bytes; want ErrDigestMismatch and nothing written", err, out.n)
	}
}
