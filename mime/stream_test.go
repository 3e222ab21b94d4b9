// SPDX-License-Identifier: Apache-2.0

package mime

import (
	"bytes"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

// genReader yields n octets, repeating a 64 KiB random block, without
// holding them, and samples the heap every step octets.
type genReader struct {
	left, step, next int64
	block            []byte
	off              int
	sample           func()
}

func (g *genReader) Read(p []byte) (int, error) {
	if g.left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > g.left {
		p = p[:g.left]
	}
	for i := 0; i < len(p); {
		n := copy(p[i:], g.block[g.off:])
		i += n
		g.off = (g.off + n) % len(g.block)
	}
	g.left -= int64(len(p))
	if g.next -= int64(len(p)); g.next <= 0 {
		g.sample()
		g.next = g.step
	}
	return len(p), nil
}

// countingDiscard counts what it is given.
type countingDiscard struct{ n int64 }

func (c *countingDiscard) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// TestStreamHeapGrowth writes a message with a 100 MiB attachment and a
// 16 MiB quoted-printable text, both from readers, and checks that the
// heap grows by less than 8 MiB while it is written.
func TestStreamHeapGrowth(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("writes 100 MiB; the race detector slows it and adds nothing to a heap measurement")
	}
	const attSize, textSize = 100 << 20, 16 << 20
	var before, cur runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	peak := before.HeapAlloc
	sample := func() {
		runtime.ReadMemStats(&cur)
		peak = max(peak, cur.HeapAlloc)
	}
	block := make([]byte, 64<<10)
	rand.NewChaCha8([32]byte{1}).Read(block)
	m := baseMessage()
	m.Text = ""
	text := []byte(strings.Repeat("Some text, with ümlauts and a = sign.\n", 1700))
	m.TextReader = &genReader{left: textSize, step: 4 << 20, next: 4 << 20, block: text, sample: sample}
	m.Attachments = []Attachment{{Filename: "big.bin", Reader: &genReader{left: attSize, step: 8 << 20,
		next: 8 << 20, block: block, sample: sample}}}
	var out countingDiscard
	n, err := m.WriteTo(&out)
	if err != nil {
		t.Fatal(err)
	}
	sample()
	if n != out.n || n < attSize*4/3 {
		t.Fatalf("wrote %d (counted %d), want more than %d", n, out.n, attSize*4/3)
	}
	growth := int64(peak) - int64(before.HeapAlloc)
	t.Logf("heap growth %.2f MiB, allocated %.2f MiB in all", float64(growth)/(1<<20),
		float64(cur.TotalAlloc-before.TotalAlloc)/(1<<20))
	if growth >= 8<<20 {
		t.Errorf("heap grew by %d bytes writing a 100 MiB attachment, want < 8 MiB", growth)
	}
	if total := cur.TotalAlloc - before.TotalAlloc; total >= 8<<20 {
		t.Errorf("allocated %d bytes in all, want < 8 MiB", total)
	}
}

// TestRoundTripRandom writes messages with random text, HTML and
// attachments and reads them back with net/mail, mime/multipart and the
// standard decoders: every part decodes to what was given.
func TestRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	pieces := []string{"a", "word ", " ", "\t", "\r\n", "\n", "\r", ".", "From ", "=", "é", "日本", "😀",
		"\x00", strings.Repeat("x", 1200), "--=_", "<p>"}
	text := func() string {
		var b strings.Builder
		n := r.IntN(3000)
		for b.Len() < n {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		return b.String()
	}
	encs := []string{"", "quoted-printable", "base64"}
	for i := 0; i < 200; i++ {
		m := baseMessage()
		m.TransferEncoding = encs[r.IntN(len(encs))]
		m.Text = text()
		html := text()
		if r.IntN(2) == 0 {
			m.HTMLReader = strings.NewReader(html)
		} else {
			m.HTML = html
		}
		data := make([]byte, r.IntN(5000))
		for j := range data {
			data[j] = byte(r.Uint32())
		}
		m.Attachments = []Attachment{{Filename: "f.bin", Data: data}}
		var b bytes.Buffer
		if _, err := m.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		checkWire(t, b.Bytes(), false)
		_, leaves := parseMessage(t, b.Bytes())
		if len(leaves) != 3 {
			t.Fatalf("%d parts, want 3", len(leaves))
		}
		if leaves[0].Body != canonicalText(m.Text) || leaves[1].Body != canonicalText(html) ||
			leaves[2].Body != string(data) {
			t.Fatalf("message %d (%q) does not decode back", i, m.TransferEncoding)
		}
	}
}

// TestSmallReads feeds every body and attachment one octet per Read, as
// a slow network reader may: the encoders' buffers fill and drain across
// many small writes, and the message still decodes to its input.
func TestSmallReads(t *testing.T) {
	data := make([]byte, 20000)
	rand.NewChaCha8([32]byte{9}).Read(data)
	for _, enc := range []string{"", "quoted-printable", "base64", "7bit", "8bit"} {
		text := strings.Repeat("Grüße, a line of text = with \t tabs.\n.dot\r\nFrom x\rend ", 300)
		if enc == "7bit" || enc == "8bit" {
			text = strings.NewReplacer("ü", "u", "ß", "ss").Replace(text)
		}
		m := baseMessage()
		m.Text = ""
		m.TransferEncoding = enc
		m.TextReader = iotest.OneByteReader(strings.NewReader(text))
		m.HTMLReader = iotest.HalfReader(strings.NewReader("<p>" + text + "</p>"))
		m.Attachments = []Attachment{{Filename: "a.bin", Reader: iotest.OneByteReader(bytes.NewReader(data))}}
		_, leaves := parseMessage(t, write(t, m))
		if len(leaves) != 3 || leaves[0].Body != canonicalText(text) ||
			leaves[1].Body != canonicalText("<p>"+text+"</p>") || leaves[2].Body != string(data) {
			t.Errorf("%q: message read one octet at a time does not decode back", enc)
		}
	}
}
