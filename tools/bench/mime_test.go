// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"bytes"
	"io"
	"math/rand/v2"
	stdmime "mime"
	"mime/quotedprintable"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/mailwright/mailwright/mime"
)

// mimeMixedText returns 1 MiB of mixed text: mostly ASCII prose with accented
// and other UTF-8 characters, '=' signs, tabs and LF line breaks.
func mimeMixedText() []byte {
	words := []string{"the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "Grüße",
		"naïve", "café", "a=b", "€100", "日本", "\t", "mailwright", "quoted-printable", "encoding"}
	r := rand.New(rand.NewPCG(1, 1))
	var b bytes.Buffer
	line := 0
	for b.Len() < 1<<20 {
		w := words[r.IntN(len(words))]
		b.WriteString(w)
		line += len(w) + 1
		if line > 60+r.IntN(40) {
			b.WriteByte('\n')
			line = 0
		} else {
			b.WriteByte(' ')
		}
	}
	return b.Bytes()[:1<<20]
}

// mimeCPUTime returns the CPU time the process has used so far.
func mimeCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// mimeReportCPU adds a cpu-ns/op metric: on a shared machine the CPU time a
// benchmark uses is steadier than the wall time that ns/op measures.
func mimeReportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(mimeCPUTime()-start)/float64(b.N), "cpu-ns/op")
}

func BenchmarkQPEncode1MiB(b *testing.B) {
	in := mimeMixedText()
	b.Run("mailwright", func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		b.ReportAllocs()
		defer mimeReportCPU(b, mimeCPUTime())
		for b.Loop() {
			w := mime.NewQPWriter(io.Discard)
			w.Write(in)
			w.Close()
		}
	})
	b.Run("stdlib", func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		b.ReportAllocs()
		defer mimeReportCPU(b, mimeCPUTime())
		for b.Loop() {
			w := quotedprintable.NewWriter(io.Discard)
			w.Write(in)
			w.Close()
		}
	})
}

// init loads the system's MIME type table, which both libraries consult
// for the attachment's type, so that the one-time load is not counted in
// the first benchmark iteration.
func init() { stdmime.TypeByExtension(".bin") }

// mimeAttachment is 1 MiB of random octets.
var mimeAttachment = func() []byte {
	p := make([]byte, 1<<20)
	rand.NewChaCha8([32]byte{7}).Read(p)
	return p
}()

const mimeBodyText = "Hello Bob,\n\nplease find the report attached.\n\nAlice\n"

func BenchmarkCompose1MiBAttachment(b *testing.B) {
	date := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	b.Run("mailwright", func(b *testing.B) {
		b.SetBytes(int64(len(mimeAttachment)))
		b.ReportAllocs()
		defer mimeReportCPU(b, mimeCPUTime())
		for b.Loop() {
			m := &mime.Message{
				From:        mime.Address{Name: "Alice", Addr: "alice@example.org"},
				To:          []mime.Address{{Name: "Bob", Addr: "bob@example.net"}},
				Subject:     "Monthly report",
				Date:        date,
				Text:        mimeBodyText,
				Attachments: []mime.Attachment{{Filename: "report.bin", Reader: bytes.NewReader(mimeAttachment)}},
			}
			if _, err := m.WriteTo(io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go-mail", func(b *testing.B) {
		b.SetBytes(int64(len(mimeAttachment)))
		b.ReportAllocs()
		defer mimeReportCPU(b, mimeCPUTime())
		for b.Loop() {
			m := gomail.NewMsg()
			if err := m.FromFormat("Alice", "alice@example.org"); err != nil {
				b.Fatal(err)
			}
			if err := m.To("Bob <bob@example.net>"); err != nil {
				b.Fatal(err)
			}
			m.Subject("Monthly report")
			m.SetDateWithValue(date)
			m.SetBodyString(gomail.TypeTextPlain, mimeBodyText)
			if err := m.AttachReader("report.bin", bytes.NewReader(mimeAttachment)); err != nil {
				b.Fatal(err)
			}
			if _, err := m.WriteTo(io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// mimeHeapPeak samples the live heap while a benchmark runs, from the reader
// that feeds the attachment and from the writer that takes the message,
// every 4 MiB, so that a library that buffers the whole message is
// caught whichever side it buffers on.
type mimeHeapPeak struct {
	base, peak uint64
	next, n    int64
}

func newMimeHeapPeak() *mimeHeapPeak {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return &mimeHeapPeak{base: ms.HeapAlloc, peak: ms.HeapAlloc}
}

func (h *mimeHeapPeak) add(n int) {
	if h.n += int64(n); h.n >= h.next {
		h.next = h.n + 4<<20
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		h.peak = max(h.peak, ms.HeapAlloc)
	}
}

// growthMiB returns the largest heap growth seen, in MiB.
func (h *mimeHeapPeak) growthMiB() float64 {
	return float64(h.peak-min(h.base, h.peak)) / (1 << 20)
}

// mimeGenReader yields left bytes by repeating block, without holding them.
type mimeGenReader struct {
	block []byte
	left  int64
	h     *mimeHeapPeak
}

func (g *mimeGenReader) Read(p []byte) (int, error) {
	if g.left == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(int64(len(p)), g.left)], g.block)
	g.left -= int64(n)
	g.h.add(n)
	return n, nil
}

// mimeSink discards what is written and samples the heap.
type mimeSink struct{ h *mimeHeapPeak }

func (s mimeSink) Write(p []byte) (int, error) { s.h.add(len(p)); return len(p), nil }

const mimeBigSize = 100 << 20

// BenchmarkCompose100MiBAttachment writes a message whose 100 MiB
// attachment comes from a reader and reports the largest heap growth seen
// while writing it (peak-heap-MiB): the streaming writer keeps it flat.
func BenchmarkCompose100MiBAttachment(b *testing.B) {
	date := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	b.Run("mailwright", func(b *testing.B) {
		b.SetBytes(mimeBigSize)
		b.ReportAllocs()
		defer mimeReportCPU(b, mimeCPUTime())
		peak := 0.0
		for b.Loop() {
			h := newMimeHeapPeak()
			m := &mime.Message{
				From:    mime.Address{Name: "Alice", Addr: "alice@example.org"},
				To:      []mime.Address{{Name: "Bob", Addr: "bob@example.net"}},
				Subject: "Monthly report",
				Date:    date,
				Text:    mimeBodyText,
				Attachments: []mime.Attachment{{Filename: "report.bin",
					Reader: &mimeGenReader{block: mimeAttachment, left: mimeBigSize, h: h}}},
			}
			if _, err := m.WriteTo(mimeSink{h}); err != nil {
				b.Fatal(err)
			}
			peak = max(peak, h.growthMiB())
		}
		b.ReportMetric(peak, "peak-heap-MiB")
	})
	b.Run("go-mail", func(b *testing.B) {
		b.SetBytes(mimeBigSize)
		b.ReportAllocs()
		defer mimeReportCPU(b, mimeCPUTime())
		peak := 0.0
		for b.Loop() {
			h := newMimeHeapPeak()
			m := gomail.NewMsg()
			if err := m.FromFormat("Alice", "alice@example.org"); err != nil {
				b.Fatal(err)
			}
			if err := m.To("Bob <bob@example.net>"); err != nil {
				b.Fatal(err)
			}
			m.Subject("Monthly report")
			m.SetDateWithValue(date)
			m.SetBodyString(gomail.TypeTextPlain, mimeBodyText)
			r := &mimeGenReader{block: mimeAttachment, left: mimeBigSize, h: h}
			if err := m.AttachReader("report.bin", r); err != nil {
				b.Fatal(err)
			}
			if _, err := m.WriteTo(mimeSink{h}); err != nil {
				b.Fatal(err)
			}
			peak = max(peak, h.growthMiB())
		}
		b.ReportMetric(peak, "peak-heap-MiB")
	})
}

// TestComposeEquivalent checks that both libraries' messages carry the
// same attachment, so the benchmark compares like with like.
func TestComposeEquivalent(t *testing.T) {
	m := &mime.Message{
		From:        mime.Address{Addr: "alice@example.org"},
		Text:        mimeBodyText,
		Attachments: []mime.Attachment{{Filename: "report.bin", Data: mimeAttachment[:1000]}},
	}
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `filename="report.bin"`) {
		t.Errorf("attachment missing")
	}
}
