// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"crypto/x509"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// decryptModes are the encryptions DecryptTo's memory test and benchmark
// open: AES-256-CBC (enveloped-data) and AES-256-GCM
// (authEnveloped-data).
var decryptModes = []Cipher{AES256CBC, AES256GCM}

// bigEncrypted writes a message with a base64 attachment of size bytes,
// from bigMessage, encrypted by Protect with c for p.recipient, to w.
func bigEncrypted(tb testing.TB, w io.Writer, p *testPKI, size int64, c Cipher) {
	tb.Helper()
	pr := &Protector{Recipients: []*x509.Certificate{p.recipient}, EncryptOptions: &EncryptOptions{Cipher: c}, TempDir: tb.TempDir()}
	if err := pr.Protect(w, bigMessage(size, "base64")); err != nil {
		tb.Fatalf("Protect: %v", err)
	}
}

// countWriter counts the bytes written and keeps the first few.
type countWriter struct {
	n    int64
	head []byte
}

func (w *countWriter) Write(p []byte) (int, error) {
	if len(w.head) < 64 {
		w.head = append(w.head, p[:min(len(p), 64-len(w.head))]...)
	}
	w.n += int64(len(p))
	return len(p), nil
}

// TestDecryptToStreamsLargeMessage states the streaming requirement of
// DecryptTo (PERF.md: a 100 MiB message is never held in memory):
// decrypting a message with a 64 MiB attachment, AES-256-CBC and
// AES-256-GCM, from a file into a counting writer allocates less than
// 16 MiB in all (runtime.MemStats.TotalAlloc), a quarter of the
// message. The message is made by Protect, which streams, into a file
// before counting starts.
func TestDecryptToStreamsLargeMessage(t *testing.T) {
	if testing.Short() {
		t.Skip("64 MiB messages; skipped with -short")
	}
	if raceEnabled {
		t.Skip("allocations differ under the race detector")
	}
	p := getPKI(t)
	for _, c := range decryptModes {
		t.Run(c.String(), func(t *testing.T) {
			name := filepath.Join(t.TempDir(), "encrypted.eml")
			f, err := os.Create(name)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			bigEncrypted(t, f, p, protectMemSize, c)
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			var out countWriter
			o := &DecryptOptions{TempDir: t.TempDir()}
			n := bigAllocated(func() { err = DecryptTo(&out, f, p.recipient, p.recipientKey, o) })
			if err != nil {
				t.Fatalf("DecryptTo: %v", err)
			}
			if out.n < protectMemSize || !bytes.HasPrefix(out.head, []byte("Content-Type: multipart/mixed")) {
				t.Fatalf("DecryptTo wrote %d bytes starting %q; want the %s entity", out.n, out.head, bigMiB(protectMemSize))
			}
			t.Logf("DecryptTo of a %s message allocated %s", bigMiB(uint64(out.n)), bigMiB(n))
			if n >= protectAllocLimit {
				t.Errorf("DecryptTo of a %s message allocated %s, want under %s: the message is held in memory",
					bigMiB(uint64(out.n)), bigMiB(n), bigMiB(protectAllocLimit))
			}
		})
	}
}

// BenchmarkDecryptTo decrypts messages with a 1 MiB and a 16 MiB base64
// attachment, AES-256-CBC and AES-256-GCM, from memory into io.Discard:
// B/op is what DecryptTo allocates, flat as the size grows when it
// streams. The messages are made once, before timing.
func BenchmarkDecryptTo(b *testing.B) {
	p := getPKI(b)
	for _, c := range decryptModes {
		for _, size := range []int64{1 << 20, 16 << 20} {
			var msg bytes.Buffer
			bigEncrypted(b, &msg, p, size, c)
			b.Run(c.String()+"/"+sizeName(int(size)), func(b *testing.B) {
				b.SetBytes(int64(msg.Len()))
				b.ReportAllocs()
				o := &DecryptOptions{TempDir: b.TempDir()}
				for b.Loop() {
					if err := DecryptTo(io.Discard, bytes.NewReader(msg.Bytes()), p.recipient, p.recipientKey, o); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
