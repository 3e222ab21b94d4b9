// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailwright/mailwright/mailsender/queue"
	"github.com/mailwright/mailwright/smtpclient"
	"github.com/mailwright/mailwright/tlsprofile"
)

// The queue benchmarks measure the local spool on the disk that holds
// the test's temporary directory, with every fsync the durability rules
// require, and delivery to a loopback sink that accepts everything.
//
//	go test -run '^$' -bench Queue -benchtime 400x .

// queueMessage is a 2 KiB message.
var queueMessage = "From: a@example.test\r\nTo: b@example.test\r\nSubject: bench\r\n\r\n" +
	strings.Repeat(strings.Repeat("x", 76)+"\r\n", 26)

// queueSink is a loopback SMTP server that accepts every message.
func queueSink(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var wg sync.WaitGroup
	tb.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				queueSinkSession(c)
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

func queueSinkSession(c net.Conn) {
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	say := func(s string) { w.WriteString(s + "\r\n") }
	say("220 sink ESMTP")
	w.Flush()
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
		case strings.HasPrefix(cmd, "EHLO"):
			say("250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES")
		case cmd == "DATA":
			say("354 go ahead")
			w.Flush()
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
			}
			say("250 2.0.0 queued")
		case cmd == "QUIT":
			say("221 2.0.0 bye")
			w.Flush()
			return
		default:
			say("250 2.0.0 ok")
		}
		if r.Buffered() == 0 {
			w.Flush()
		}
	}
}

func queueEntry(port int) *queue.Entry {
	return &queue.Entry{From: "a@example.test", Recipients: []queue.Recipient{{Addr: "b@example.test"}},
		Profile: queue.Profile{Host: "127.0.0.1", Port: port, Security: "none"}}
}

// BenchmarkQueueEnqueue measures durable enqueues, one writer and 16
// concurrent ones (fsyncs of concurrent writers share journal commits).
func BenchmarkQueueEnqueue(b *testing.B) {
	for _, writers := range []int{1, 16} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			sp, err := queue.Open(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(queueMessage)))
			start := time.Now()
			queueFill(b, sp, b.N, writers, 25)
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "entries/s")
		})
	}
}

// queueFill enqueues n entries with the given number of writers.
func queueFill(b *testing.B, sp *queue.Spool, n, writers, port int) {
	b.Helper()
	var wg sync.WaitGroup
	next := make(chan struct{})
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				if _, err := sp.Enqueue(context.Background(), queueEntry(port),
					strings.NewReader(queueMessage)); err != nil {
					b.Error(err)
				}
			}
		}()
	}
	for range n {
		next <- struct{}{}
	}
	close(next)
	wg.Wait()
}

// BenchmarkQueueDeliver measures delivery of queued entries through the
// agent (Agent.Drain with an SMTP deliverer and pooled connections), with
// 1, 4 and 16 workers, each delivery durably marked in flight and
// recorded. Filling the queue is not timed.
func BenchmarkQueueDeliver(b *testing.B) {
	for _, workers := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			port := queueSink(b)
			sp, err := queue.Open(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			queueFill(b, sp, b.N, 16, port)
			d := &queue.SMTP{MaxConns: workers}
			defer d.Close(context.Background())
			a := &queue.Agent{Spool: sp, Deliver: d, Workers: workers}
			b.SetBytes(int64(len(queueMessage)))
			b.ResetTimer()
			start := time.Now()
			n, err := a.Drain(context.Background())
			elapsed := time.Since(start)
			b.StopTimer()
			if err != nil || n != b.N {
				b.Fatalf("Drain = %d, %v; want %d", n, err, b.N)
			}
			if ids, _ := sp.IDs(false); len(ids) != 0 {
				b.Fatalf("%d entries left undelivered", len(ids))
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
		})
	}
}

// BenchmarkQueueDirectSend is the baseline: the same messages sent
// directly on one smtpclient connection, with no queue.
func BenchmarkQueueDirectSend(b *testing.B) {
	port := queueSink(b)
	ctx := context.Background()
	c, err := smtpclient.Dial(ctx, fmt.Sprintf("127.0.0.1:%d", port),
		&smtpclient.Options{TLSPolicy: tlsprofile.None})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.SetBytes(int64(len(queueMessage)))
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if _, err := c.SendMail(ctx, "a@example.test", []string{"b@example.test"},
			strings.NewReader(queueMessage), nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}
