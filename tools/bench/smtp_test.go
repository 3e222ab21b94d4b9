// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/smtp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"
	gomail "github.com/wneessen/go-mail"

	"github.com/mailwright/mailwright/smtpclient"
	"github.com/mailwright/mailwright/tlsprofile"
)

// The SMTP benchmarks compare smtpclient with net/smtp, emersion/go-smtp
// v0.26.0 and wneessen/go-mail v0.8.1 (PERF.md):
//
//   - BenchmarkSMTPMessages: 1,000 messages of 2 KiB over one connection,
//     on plain loopback and with 1 ms of round-trip delay added, reporting
//     msg/s and the client's waits per message.
//   - BenchmarkSMTPLarge: one 100 MiB message, streamed, reporting MB/s,
//     allocations and the peak heap growth while it is sent.
//
// Every library talks to the same loopback sink, which offers PIPELINING
// and CHUNKING (as Postfix does); "mailwright-data" is smtpclient against
// a sink without CHUNKING, so it pipelines the envelope and uses DATA.

const (
	benchFrom = "sender@example.com"
	benchTo   = "rcpt@example.org"
)

// sinkExt are the EHLO keywords of the benchmark sink, with and without
// CHUNKING.
var (
	sinkExt     = []string{"PIPELINING", "CHUNKING", "8BITMIME", "SIZE 209715200", "ENHANCEDSTATUSCODES"}
	sinkExtData = []string{"PIPELINING", "8BITMIME", "SIZE 209715200", "ENHANCEDSTATUSCODES"}
)

// startSink runs a loopback SMTP server that accepts everything and keeps
// nothing: replies come from constant strings, input is read with a large
// buffer and discarded, and replies to pipelined commands are flushed
// together, so that the sink is never the bottleneck.
func startSink(tb testing.TB, ext []string) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var ehlo strings.Builder
	lines := append([]string{"sink.example.test"}, ext...)
	for i, l := range lines {
		sep := "-"
		if i == len(lines)-1 {
			sep = " "
		}
		ehlo.WriteString("250" + sep + l + "\r\n")
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { sinkSession(c, ehlo.String()) })
		}
	})
	tb.Cleanup(func() { ln.Close(); wg.Wait() })
	return ln.Addr().String()
}

func sinkSession(c net.Conn, ehlo string) {
	defer c.Close()
	br := bufio.NewReaderSize(c, 256<<10)
	bw := bufio.NewWriterSize(c, 4<<10)
	reply := func(s string) {
		bw.WriteString(s)
		if br.Buffered() == 0 {
			bw.Flush()
		}
	}
	reply("220 sink.example.test ESMTP\r\n")
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return
		}
		verb := strings.ToUpper(string(line[:min(4, len(line))]))
		switch verb {
		case "EHLO":
			reply(ehlo)
		case "HELO", "MAIL", "RCPT", "RSET", "NOOP":
			reply("250 2.0.0 ok\r\n")
		case "DATA":
			bw.WriteString("354 go ahead\r\n")
			bw.Flush()
			if !skipData(br) {
				return
			}
			reply("250 2.0.0 queued\r\n")
		case "BDAT":
			f := strings.Fields(string(line[5:]))
			n, _ := strconv.Atoi(f[0])
			if _, err := br.Discard(n); err != nil {
				return
			}
			reply("250 2.0.0 ok\r\n")
		case "QUIT":
			reply("221 2.0.0 bye\r\n")
			bw.Flush()
			return
		default:
			reply("500 5.5.1 unknown\r\n")
		}
	}
}

// skipData discards a DATA body up to the line holding only ".".
func skipData(br *bufio.Reader) bool {
	atStart := true
	for {
		line, err := br.ReadSlice('\n')
		if err != nil && err != bufio.ErrBufferFull {
			return false
		}
		if atStart && len(line) == 3 && line[0] == '.' && line[1] == '\r' {
			return true
		}
		atStart = err == nil
	}
}

// delayConn delivers what the server sends only after a fixed delay, like
// a server a little way off: each wait for a reply costs one round trip.
// Writes go out at once, so that the delay is the whole round trip.
type delayConn struct {
	net.Conn
	delay   time.Duration
	chunks  chan delayed
	pending []byte
	err     error
}

type delayed struct {
	b  []byte
	at time.Time
}

func newDelayConn(c net.Conn, d time.Duration) *delayConn {
	dc := &delayConn{Conn: c, delay: d, chunks: make(chan delayed, 1024)}
	go func() {
		defer close(dc.chunks)
		buf := make([]byte, 32<<10)
		for {
			n, err := c.Read(buf)
			if n > 0 {
				dc.chunks <- delayed{bytes.Clone(buf[:n]), time.Now()}
			}
			if err != nil {
				return
			}
		}
	}()
	return dc
}

func (c *delayConn) Read(p []byte) (int, error) {
	if len(c.pending) == 0 {
		ch, ok := <-c.chunks
		if !ok {
			return 0, io.EOF
		}
		time.Sleep(time.Until(ch.at.Add(c.delay)))
		c.pending = ch.b
	}
	n := copy(p, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

// waitConn counts the client's waits: a Read that follows a Write, plus the
// first Read (the greeting), as PERF.md describes.
type waitConn struct {
	net.Conn
	wrote, started bool
	waits          atomic.Int64
}

func (c *waitConn) Read(p []byte) (int, error) {
	if c.wrote || !c.started {
		c.waits.Add(1)
		c.wrote, c.started = false, true
	}
	return c.Conn.Read(p)
}

func (c *waitConn) Write(p []byte) (int, error) {
	c.wrote = true
	return c.Conn.Write(p)
}

// session is one open client connection of some library.
type session struct {
	send  func(msg io.Reader) error
	close func()
}

// library opens a session over conn, which is already connected.
type library struct {
	name string
	ext  []string // sink extensions
	open func(tb testing.TB, conn net.Conn) session
}

var libraries = []library{
	{"mailwright", sinkExt, openMailwright},
	{"mailwright-data", sinkExtData, openMailwright},
	{"netsmtp", sinkExt, openNetSMTP},
	{"gosmtp", sinkExt, openGoSMTP},
	{"gomail", sinkExt, openGoMail},
}

func openMailwright(tb testing.TB, conn net.Conn) session {
	ctx := context.Background()
	c, err := smtpclient.NewClient(ctx, conn, "127.0.0.1", &smtpclient.Options{TLSPolicy: tlsprofile.None})
	if err != nil {
		tb.Fatal(err)
	}
	to := []string{benchTo}
	return session{
		send: func(msg io.Reader) error {
			_, err := c.SendMail(ctx, benchFrom, to, msg, nil)
			return err
		},
		close: func() { c.Quit(ctx) },
	}
}

func openNetSMTP(tb testing.TB, conn net.Conn) session {
	c, err := smtp.NewClient(conn, "127.0.0.1")
	if err != nil {
		tb.Fatal(err)
	}
	if err := c.Hello("localhost"); err != nil {
		tb.Fatal(err)
	}
	return session{
		// The steps of smtp.SendMail after its session start.
		send: func(msg io.Reader) error {
			if err := c.Mail(benchFrom); err != nil {
				return err
			}
			if err := c.Rcpt(benchTo); err != nil {
				return err
			}
			w, err := c.Data()
			if err != nil {
				return err
			}
			if _, err := io.Copy(w, msg); err != nil {
				return err
			}
			return w.Close()
		},
		close: func() { c.Quit() },
	}
}

func openGoSMTP(tb testing.TB, conn net.Conn) session {
	c := gosmtp.NewClient(conn)
	if err := c.Hello("localhost"); err != nil {
		tb.Fatal(err)
	}
	to := []string{benchTo}
	return session{
		send:  func(msg io.Reader) error { return c.SendMail(benchFrom, to, msg) },
		close: func() { c.Quit() },
	}
}

// openGoMail uses go-mail's lean options (no NOOP, no RSET per message),
// its fastest setting. go-mail sends its own *Msg, so the message is built
// once with a body that makes it about the size of the others.
func openGoMail(tb testing.TB, conn net.Conn) session {
	used := false
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		if used {
			return nil, io.ErrClosedPipe
		}
		used = true
		return conn, nil
	}
	c, err := gomail.NewClient("127.0.0.1", gomail.WithPort(25), gomail.WithTLSPolicy(gomail.NoTLS),
		gomail.WithDialContextFunc(dial), gomail.WithoutNoop(), gomail.WithoutRset(), gomail.WithHELO("localhost"))
	if err != nil {
		tb.Fatal(err)
	}
	if err := c.DialWithContext(context.Background()); err != nil {
		tb.Fatal(err)
	}
	var m *gomail.Msg
	return session{
		send: func(r io.Reader) error {
			if m == nil {
				msg, err := io.ReadAll(r)
				if err != nil {
					return err
				}
				m = gomail.NewMsg()
				m.From(benchFrom)
				m.To(benchTo)
				m.Subject("benchmark")
				m.SetBodyString(gomail.TypeTextPlain, string(msg[bytes.Index(msg, []byte("\r\n\r\n"))+4:]))
			}
			return c.Send(m)
		},
		close: func() { c.Close() },
	}
}

// message2K is a 2,048-octet message of 76-character lines.
func message2K() []byte {
	var b bytes.Buffer
	b.WriteString("From: <" + benchFrom + ">\r\nTo: <" + benchTo + ">\r\nSubject: benchmark\r\n" +
		"Message-ID: <bench@example.com>\r\nMIME-Version: 1.0\r\n\r\n")
	for b.Len() < 2048-78 {
		b.WriteString(strings.Repeat("m", 76) + "\r\n")
	}
	b.WriteString(strings.Repeat("e", 2048-b.Len()-2) + "\r\n")
	return b.Bytes()
}

// dialSink connects to addr with the network setting applied.
func dialSink(tb testing.TB, addr string, delay time.Duration) *waitConn {
	tb.Helper()
	raw, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	var c net.Conn = raw
	if delay > 0 {
		c = newDelayConn(raw, delay)
	}
	return &waitConn{Conn: c}
}

// BenchmarkSMTPMessages sends 1,000 messages of 2 KiB over one connection
// per iteration.
func BenchmarkSMTPMessages(b *testing.B) {
	const perConn = 1000
	msg := message2K()
	rd := bytes.NewReader(msg)
	for _, network := range []struct {
		name  string
		delay time.Duration
	}{{"loopback", 0}, {"rtt1ms", time.Millisecond}} {
		for _, lib := range libraries {
			b.Run(network.name+"/"+lib.name, func(b *testing.B) {
				addr := startSink(b, lib.ext)
				b.SetBytes(int64(len(msg)) * perConn)
				b.ReportAllocs()
				var waits int64
				for b.Loop() {
					b.StopTimer()
					conn := dialSink(b, addr, network.delay)
					s := lib.open(b, conn)
					before := conn.waits.Load()
					b.StartTimer()
					for range perConn {
						rd.Reset(msg)
						if err := s.send(rd); err != nil {
							b.Fatal(err)
						}
					}
					b.StopTimer()
					waits += conn.waits.Load() - before
					s.close()
					b.StartTimer()
				}
				n := float64(b.N) * perConn
				b.ReportMetric(n/b.Elapsed().Seconds(), "msg/s")
				b.ReportMetric(float64(waits)/n, "waits/msg")
			})
		}
	}
}

// largeSize is the size of the streamed message.
const largeSize = 100 << 20

// largeMessage streams largeSize octets of 76-character lines from one
// 64 KiB pattern, without holding the message in memory.
type largeMessage struct {
	pattern []byte
	left    int
}

func newLargeMessage() *largeMessage {
	var p bytes.Buffer
	p.WriteString("Subject: large\r\n\r\n")
	for p.Len() < 64<<10 {
		p.WriteString(strings.Repeat("L", 76) + "\r\n")
	}
	return &largeMessage{pattern: p.Bytes()[18:], left: largeSize}
}

func (m *largeMessage) Read(p []byte) (int, error) {
	if m.left == 0 {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && m.left > 0 {
		off := (largeSize - m.left) % len(m.pattern)
		k := copy(p[n:min(len(p), n+m.left)], m.pattern[off:])
		n += k
		m.left -= k
	}
	return n, nil
}

// smtpHeapPeak samples the live heap while f runs and returns the largest
// growth over the heap before it, in MiB.
func smtpHeapPeak(f func()) float64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var s runtime.MemStats
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				runtime.ReadMemStats(&s)
				if s.HeapAlloc > base && s.HeapAlloc-base > peak.Load() {
					peak.Store(s.HeapAlloc - base)
				}
			}
		}
	})
	f()
	close(stop)
	wg.Wait()
	return float64(peak.Load()) / (1 << 20)
}

// BenchmarkSMTPLarge streams one 100 MiB message per iteration over a
// fresh connection. go-mail is left out: it builds the whole message in
// memory before sending (PERF.md: 393 MB RSS).
func BenchmarkSMTPLarge(b *testing.B) {
	for _, lib := range libraries {
		if lib.name == "gomail" {
			continue
		}
		b.Run(lib.name, func(b *testing.B) {
			addr := startSink(b, lib.ext)
			b.SetBytes(largeSize)
			b.ReportAllocs()
			var peak float64
			for b.Loop() {
				b.StopTimer()
				conn := dialSink(b, addr, 0)
				s := lib.open(b, conn)
				b.StartTimer()
				var err error
				peak = max(peak, smtpHeapPeak(func() { err = s.send(newLargeMessage()) }))
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				s.close()
				b.StartTimer()
			}
			b.ReportMetric(peak, "MiB-heap-peak")
		})
	}
}

// TestSMTPWaits checks the waits per message on a reused connection that
// the benchmark reports: 1 for smtpclient with PIPELINING and CHUNKING, 2
// with PIPELINING and DATA, and 4 for each peer library.
func TestSMTPWaits(t *testing.T) {
	want := map[string]int64{"mailwright": 1, "mailwright-data": 2, "netsmtp": 4, "gosmtp": 4, "gomail": 4}
	msg := message2K()
	for _, lib := range libraries {
		t.Run(lib.name, func(t *testing.T) {
			conn := dialSink(t, startSink(t, lib.ext), 0)
			s := lib.open(t, conn)
			defer s.close()
			before := conn.waits.Load()
			for range 10 {
				if err := s.send(bytes.NewReader(msg)); err != nil {
					t.Fatal(err)
				}
			}
			if got := (conn.waits.Load() - before) / 10; got != want[lib.name] {
				t.Errorf("%s: %d waits per message, want %d", lib.name, got, want[lib.name])
			}
		})
	}
}
