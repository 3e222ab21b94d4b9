// SPDX-License-Identifier: Apache-2.0

//go:build unix

package bench

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	msgauth "github.com/emersion/go-msgauth/dkim"

	"github.com/mailwright/mailwright/dkim"
)

// DKIM signing beside github.com/emersion/go-msgauth/dkim v0.7.0, the same
// message, key, header fields and canonicalization for both, each fed
// through io.Copy (32 KiB writes). Run:
//
//	go test -run '^$' -bench 'DKIM' -benchmem ./tools/bench
//
// BenchmarkDKIMHash is the floor: SHA-256 of the same message bytes.
//
// On a busy machine wall-clock figures of separate benchmarks drift by
// several times from run to run; BenchmarkDKIMSideBySide therefore runs
// the two libraries (and the bare hash) in turn, one operation each, and
// reports the median wall-clock and CPU time of each and their ratios
// from the same stretch of time.

var benchRSA = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

var benchEd = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))

var benchHeaderKeys = []string{"From", "To", "Subject", "Date", "Message-ID",
	"MIME-Version", "Content-Type", "Content-Transfer-Encoding"}

// benchMessage returns a message of about size octets: a usual header and
// a body of text paragraphs, lines of up to 76 octets with single spaces,
// now and then a run of spaces, a trailing space or a tab.
func benchMessage(size int) []byte {
	var b bytes.Buffer
	b.WriteString("From: Alice Example <alice@example.com>\r\n" +
		"To: Bob Example <bob@example.org>\r\n" +
		"Subject: Quarterly report, with figures and the usual\r\n remarks about them\r\n" +
		"Date: Fri, 04 Dec 2026 12:00:00 +0000\r\n" +
		"Message-ID: <bench.1@example.com>\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: 8bit\r\n\r\n")
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
				b.WriteString(" \r\n\r\n") // trailing space, then a paragraph break
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

var benchSizes = []struct {
	name string
	size int
}{{"10KiB", 10 << 10}, {"1MiB", 1 << 20}}

var benchKeys = []struct {
	name string
	key  func() crypto.Signer
}{
	{"rsa2048", func() crypto.Signer { return benchRSA() }},
	{"ed25519", func() crypto.Signer { return benchEd }},
}

func BenchmarkDKIMSign(b *testing.B) {
	for _, sz := range benchSizes {
		msg := benchMessage(sz.size)
		for _, k := range benchKeys {
			for _, c := range []string{"relaxed", "simple"} {
				name := fmt.Sprintf("%s/%s/%s", sz.name, k.name, c)
				b.Run(name+"/mailwright", func(b *testing.B) {
					o := &dkim.SignOptions{Domain: "example.com", Selector: "sel", Signer: k.key(),
						HeaderKeys: benchHeaderKeys, HeaderCanonicalization: dkim.Canonicalization(c),
						BodyCanonicalization: dkim.Canonicalization(c)}
					benchSign(b, msg, func() (io.WriteCloser, error) { return dkim.NewSigner(o) })
				})
				b.Run(name+"/msgauth", func(b *testing.B) {
					o := &msgauth.SignOptions{Domain: "example.com", Selector: "sel", Signer: k.key(),
						HeaderKeys: benchHeaderKeys, HeaderCanonicalization: msgauth.Canonicalization(c),
						BodyCanonicalization: msgauth.Canonicalization(c)}
					benchSign(b, msg, func() (io.WriteCloser, error) { return msgauth.NewSigner(o) })
				})
			}
		}
	}
}

func benchSign(b *testing.B, msg []byte, newSigner func() (io.WriteCloser, error)) {
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		s, err := newSigner()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(s, bytes.NewReader(msg)); err != nil {
			b.Fatal(err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDKIMHash is SHA-256 over the same bytes in the same 32 KiB
// writes: the speed that body canonicalization plus hashing is held to.
func BenchmarkDKIMHash(b *testing.B) {
	for _, sz := range benchSizes {
		msg := benchMessage(sz.size)
		b.Run(sz.name+"/sha256", func(b *testing.B) {
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			for b.Loop() {
				h := sha256.New()
				if _, err := io.Copy(h, bytes.NewReader(msg)); err != nil {
					b.Fatal(err)
				}
				h.Sum(nil)
			}
		})
	}
}

// BenchmarkDKIMSideBySide alternates one mailwright signature and one
// go-msgauth signature per iteration and reports the median of each
// ("mw-ns", "msgauth-ns"), their ratio ("ratio-ns"; below 1 means
// mailwright is faster), and the same for the process's CPU time
// ("-cpu-ns"). The sha256 row puts mailwright's Ed25519
// signature of the message beside SHA-256 of the same bytes ("ratio" is
// then mailwright over the bare hash).
func BenchmarkDKIMSideBySide(b *testing.B) {
	for _, sz := range benchSizes {
		msg := benchMessage(sz.size)
		for _, k := range benchKeys {
			for _, c := range []string{"relaxed", "simple"} {
				mw := &dkim.SignOptions{Domain: "example.com", Selector: "sel", Signer: k.key(),
					HeaderKeys: benchHeaderKeys, HeaderCanonicalization: dkim.Canonicalization(c),
					BodyCanonicalization: dkim.Canonicalization(c)}
				ma := &msgauth.SignOptions{Domain: "example.com", Selector: "sel", Signer: k.key(),
					HeaderKeys: benchHeaderKeys, HeaderCanonicalization: msgauth.Canonicalization(c),
					BodyCanonicalization: msgauth.Canonicalization(c)}
				b.Run(fmt.Sprintf("%s/%s/%s", sz.name, k.name, c), func(b *testing.B) {
					sideBySide(b, msg, "msgauth",
						func() { signOnce(b, msg, func() (io.WriteCloser, error) { return dkim.NewSigner(mw) }) },
						func() { signOnce(b, msg, func() (io.WriteCloser, error) { return msgauth.NewSigner(ma) }) })
				})
			}
		}
		if sz.size < 1<<20 {
			continue // on 10 KiB the Ed25519 signature, not the body, is the cost
		}
		for _, body := range benchBodies {
			m := msg
			if body.name != "text" {
				m = body.make(sz.size)
			}
			for _, c := range []dkim.Canonicalization{dkim.Relaxed, dkim.Simple} {
				mw := &dkim.SignOptions{Domain: "example.com", Selector: "sel", Signer: benchEd,
					HeaderKeys: benchHeaderKeys, HeaderCanonicalization: c, BodyCanonicalization: c}
				b.Run(fmt.Sprintf("%s/ed25519/%s/%s/sha256", sz.name, c, body.name), func(b *testing.B) {
					sideBySide(b, m, "sha256",
						func() { signOnce(b, m, func() (io.WriteCloser, error) { return dkim.NewSigner(mw) }) },
						func() {
							h := sha256.New()
							io.Copy(h, bytes.NewReader(m))
							h.Sum(nil)
						})
				})
			}
		}
	}
}

// benchBodies are the message bodies the bare-hash rows use: "text" is
// benchMessage's; "clean" is the same prose with single spaces and no
// whitespace at line ends; "base64" is an attachment's 76-column lines;
// "longlines" is clean prose in lines of up to 990 octets; "blanklines" is
// short lines, most followed by one to three empty lines.
var benchBodies = []struct {
	name string
	make func(size int) []byte
}{
	{"text", benchMessage},
	{"clean", func(size int) []byte {
		m := benchMessage(size)
		m = bytes.ReplaceAll(m, []byte("  "), []byte(" "))
		m = bytes.ReplaceAll(m, []byte(" \r\n"), []byte("\r\n"))
		return bytes.ReplaceAll(m, []byte("\t\r\n"), []byte("\r\n"))
	}},
	{"base64", func(size int) []byte {
		var b bytes.Buffer
		b.WriteString("From: alice@example.com\r\nTo: bob@example.org\r\nSubject: file\r\n" +
			"MIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n" +
			"Content-Transfer-Encoding: base64\r\n\r\n")
		line := []byte("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n")
		for b.Len() < size {
			b.Write(line)
		}
		return b.Bytes()
	}},
	{"longlines", func(size int) []byte {
		m := benchMessage(size)
		m = bytes.ReplaceAll(m, []byte("  "), []byte(" "))
		m = bytes.ReplaceAll(m, []byte(" \r\n"), []byte("\r\n"))
		m = bytes.ReplaceAll(m, []byte("\t\r\n"), []byte("\r\n"))
		head, body, _ := bytes.Cut(m, []byte("\r\n\r\n"))
		lines := bytes.Split(body, []byte("\r\n"))
		var b bytes.Buffer
		b.Write(head)
		b.WriteString("\r\n\r\n")
		for i, l := range lines { // about thirteen lines of text to one
			b.Write(l)
			if i%13 == 12 {
				b.WriteString("\r\n")
			} else if len(l) > 0 {
				b.WriteByte(' ')
			}
		}
		b.WriteString("\r\n")
		return b.Bytes()
	}},
	{"blanklines", func(size int) []byte {
		var b bytes.Buffer
		b.WriteString("From: alice@example.com\r\nTo: bob@example.org\r\nSubject: list\r\n\r\n")
		words := strings.Fields("the mail went out on time and every receiver checked it")
		for n := 0; b.Len() < size; n++ {
			b.WriteString(words[n%len(words)])
			b.WriteString(strings.Repeat("\r\n", 1+n%4))
		}
		return b.Bytes()
	}},
}

func sideBySide(b *testing.B, msg []byte, other string, ours, theirs func()) {
	b.SetBytes(int64(len(msg)))
	var wall, cpu [2][]time.Duration // [0] ours, [1] theirs
	for i := 0; b.Loop(); i++ {
		for j := range 2 {
			k := (i + j) % 2 // alternate which goes first
			f := ours
			if k == 1 {
				f = theirs
			}
			c0, t0 := processCPU(), time.Now()
			f()
			wall[k] = append(wall[k], time.Since(t0))
			cpu[k] = append(cpu[k], processCPU()-c0)
		}
	}
	report := func(suffix string, d [2][]time.Duration) {
		a, o := median(d[0]), median(d[1])
		if a <= 0 || o <= 0 {
			return
		}
		b.ReportMetric(float64(a.Nanoseconds()), "mw-"+suffix)
		b.ReportMetric(float64(o.Nanoseconds()), other+"-"+suffix)
		b.ReportMetric(float64(a)/float64(o), "ratio-"+suffix)
	}
	report("ns", wall)
	report("cpu-ns", cpu)
}

// processCPU is the CPU time the process has used, user and system, all
// threads (so the garbage collector's work counts). On a shared machine a
// long operation is descheduled more often than a short one, so
// wall-clock ratios between operations of different lengths mislead; CPU
// time does not.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[len(d)/2]
}

func signOnce(b *testing.B, msg []byte, newSigner func() (io.WriteCloser, error)) {
	s, err := newSigner()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(s, bytes.NewReader(msg)); err != nil {
		b.Fatal(err)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
}

// TestBenchMessageSigns checks that both libraries sign the benchmark
// message and that our signature verifies, so the benchmarks measure
// working code.
func TestBenchMessageSigns(t *testing.T) {
	msg := benchMessage(10 << 10)
	rec, err := dkim.Record("sel", "example.com", benchEd.Public())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []dkim.Canonicalization{dkim.Relaxed, dkim.Simple} {
		var out bytes.Buffer
		err := dkim.Sign(&out, bytes.NewReader(msg), &dkim.SignOptions{Domain: "example.com",
			Selector: "sel", Signer: benchEd, HeaderKeys: benchHeaderKeys,
			HeaderCanonicalization: c, BodyCanonicalization: c})
		if err != nil {
			t.Fatal(err)
		}
		vs, err := dkim.Verify(t.Context(), &out, &dkim.VerifyOptions{
			Resolver: dkim.TXTRecords{rec.Name: rec.Value}})
		if err != nil || len(vs) != 1 || vs[0].Err != nil {
			t.Fatalf("%s: %v %v", c, err, vs)
		}
		var peer bytes.Buffer
		err = msgauth.Sign(&peer, bytes.NewReader(msg), &msgauth.SignOptions{Domain: "example.com",
			Selector: "sel", Signer: benchEd, HeaderKeys: benchHeaderKeys,
			HeaderCanonicalization: msgauth.Canonicalization(c),
			BodyCanonicalization:   msgauth.Canonicalization(c)})
		if err != nil {
			t.Fatal(err)
		}
		vs, err = dkim.Verify(t.Context(), &peer, &dkim.VerifyOptions{
			Resolver: dkim.TXTRecords{rec.Name: rec.Value}})
		if err != nil || len(vs) != 1 || vs[0].Err != nil {
			t.Fatalf("msgauth %s: %v %v", c, err, vs)
		}
	}
}
