// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"bytes"
	"context"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// lineStream is a message of size octets in 78-octet lines, produced on
// the fly so that the test holds no copy of it.
type lineStream struct {
	line []byte
	left int64
	off  int
}

func newLineStream(size int64) *lineStream {
	return &lineStream{line: []byte(strings.Repeat("s", 76) + "\r\n"), left: size}
}

func (s *lineStream) Read(p []byte) (int, error) {
	if s.left == 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), s.left)]
	n := 0
	for n < len(p) {
		k := copy(p[n:], s.line[s.off:])
		n += k
		s.off = (s.off + k) % len(s.line)
	}
	s.left -= int64(n)
	return n, nil
}

// heapGrowth runs f and returns the largest growth of the live heap over
// its size before f, sampled every millisecond.
func heapGrowth(f func()) uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var s runtime.MemStats
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				runtime.ReadMemStats(&s)
				if s.HeapAlloc > base {
					peak = max(peak, s.HeapAlloc-base)
				}
			}
		}
	})
	f()
	close(stop)
	wg.Wait()
	return peak
}

// A 100 MiB message is streamed: the heap grows by less than 8 MiB while
// it is sent, with DATA and with BDAT (issue #3). With -short or -race the
// message is 24 MiB, still three times the bound.
func TestStreamHeap(t *testing.T) {
	size := int64(100<<20) / 78 * 78 // whole lines
	if testing.Short() || raceEnabled {
		size = int64(24<<20) / 78 * 78
	}
	for _, ext := range [][]string{{"PIPELINING"}, {"PIPELINING", "CHUNKING"}} {
		k := &sink{ext: ext, discard: true}
		c, err := Dial(context.Background(), k.start(t), plain())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		grew := heapGrowth(func() {
			_, err = c.SendMail(context.Background(), "a@example.com", []string{"b@example.org"}, newLineStream(size), nil)
		})
		if err != nil {
			t.Fatalf("%v: SendMail: %v", ext, err)
		}
		if m := k.messages(); len(m) != 1 || m[0].size != size {
			t.Fatalf("%v: server got %+v, want one message of %d octets", ext, m, size)
		}
		if grew >= 8<<20 {
			t.Errorf("%v: heap grew by %d octets while streaming %d, want under 8 MiB", ext, grew, size)
		}
		t.Logf("%v: heap growth %.2f MiB for %d MiB", ext, float64(grew)/(1<<20), size>>20)
		c.Quit(context.Background())
	}
}

// BenchmarkSendMail measures SendMail alone against the test sink: small
// messages on one connection, and a streamed 100 MiB message. The
// comparison with other libraries is in tools/bench.
func BenchmarkSendMail(b *testing.B) {
	msg := []byte("Subject: bench\r\n\r\n" + strings.Repeat(strings.Repeat("m", 76)+"\r\n", 26))
	for _, ext := range [][]string{{"PIPELINING"}, {"PIPELINING", "CHUNKING"}} {
		name := strings.Join(ext, "+")
		b.Run("2KiB/"+name, func(b *testing.B) {
			k := &sink{ext: ext, discard: true}
			c, err := Dial(context.Background(), k.start(b), plain())
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			rd := bytes.NewReader(msg)
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			for b.Loop() {
				rd.Reset(msg)
				if _, err := c.SendMail(context.Background(), "a@example.com", []string{"b@example.org"}, rd, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("100MiB/"+name, func(b *testing.B) {
			k := &sink{ext: ext, discard: true}
			c, err := Dial(context.Background(), k.start(b), plain())
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			b.SetBytes(100 << 20)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.SendMail(context.Background(), "a@example.com", []string{"b@example.org"},
					newLineStream(100<<20), nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
