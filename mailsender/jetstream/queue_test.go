// SPDX-License-Identifier: Apache-2.0

package jetstream

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/mailwright/mailwright/mailsender/queue"
)

// smtpDeliverer delivers through the sink at addr with the queue's own
// SMTP deliverer (pooled smtpclient connections).
func smtpDeliverer(addr string) queue.Deliverer {
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	d := &queue.SMTP{}
	return queue.DelivererFunc(func(ctx context.Context, e *queue.Entry, rcpts []string, msg io.Reader) queue.Outcome {
		c := *e
		c.Profile = queue.Profile{Host: host, Port: p, Security: "none"}
		return d.Deliver(ctx, &c, rcpts, msg)
	})
}

// message returns a message of about size octets of text, in lines of 76
// (RFC 5322 section 2.1.1).
func message(id string, size int) string {
	line := strings.Repeat("x", 76) + "\r\n"
	return "Message-ID: " + id + "\r\nSubject: queued\r\n\r\n" + strings.Repeat(line, size/len(line)+1)
}

func entry(rcpts ...string) *queue.Entry {
	e := &queue.Entry{From: "sender@example.test", Profile: queue.Profile{Host: "127.0.0.1"}}
	for _, r := range rcpts {
		e.Recipients = append(e.Recipients, queue.Recipient{Addr: r})
	}
	return e
}

func TestEnqueueDeliverPerRecipient(t *testing.T) {
	s := runServer(t, &server.Options{})
	nc := connect(t, s.ClientURL())
	ctx := context.Background()
	q, err := New(ctx, nc, &Config{InlineLimit: 1024})
	if err != nil {
		t.Fatal(err)
	}
	sk := newSink(t)
	var bad atomic.Bool
	bad.Store(true)
	sk.reply = func(r string) string {
		switch {
		case r == "gone@example.test":
			return "550 5.1.1 no such user"
		case r == "later@example.test" && bad.Load():
			return "451 4.3.0 try later"
		}
		return "250 ok"
	}
	small := message("<small@example.test>", 10)
	large := message("<large@example.test>", 200<<10) // object store
	for _, m := range []string{small, large} {
		if _, err := q.Enqueue(ctx, entry("ok@example.test", "gone@example.test", "later@example.test"),
			strings.NewReader(m)); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	q.cfg.Now = clock
	q.cfg.Backoff = &queue.Backoff{Min: 50 * time.Millisecond, Jitter: -1}
	finished := make(chan *queue.Entry, 2)
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		q.Run(rctx, smtpDeliverer(sk.ln.Addr().String()), &RunOptions{Workers: 2,
			Finished: func(e *queue.Entry) { finished <- e }})
		close(done)
	}()
	waitFor(t, func() bool { sk.mu.Lock(); defer sk.mu.Unlock(); return len(sk.counts) == 2 })
	bad.Store(false)
	mu.Lock()
	now = now.Add(time.Second)
	mu.Unlock()
	for range 2 {
		select {
		case e := <-finished:
			want := []queue.State{queue.Delivered, queue.Failed, queue.Delivered}
			for i, r := range e.Recipients {
				if r.State != want[i] {
					t.Errorf("%s: %s state %s, want %s", e.ID, r.Addr, r.State, want[i])
				}
			}
		case <-time.After(20 * time.Second):
			t.Fatal("entries not finished")
		}
	}
	cancel()
	<-done
	sk.mu.Lock()
	defer sk.mu.Unlock()
	for _, id := range []string{"<small@example.test>", "<large@example.test>"} {
		for _, r := range []string{"ok@example.test", "later@example.test"} {
			if n := sk.counts[id+" "+r]; n != 1 {
				t.Errorf("%s to %s delivered %d times, want 1", id, r, n)
			}
		}
	}
	if got := string(sk.bodies["<large@example.test>"]); got != large {
		t.Errorf("large message from the object store differs (%d bytes, want %d)", len(got), len(large))
	}
	dead, err := q.Dead(ctx)
	if err != nil || len(dead) != 2 || dead[0].Recipients[1].LastReply != "550 5.1.1 no such user" {
		t.Errorf("dead letters = %v, %v; want both entries with the 550", dead, err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 400; i++ {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("condition not met in 20 s")
}

// A cluster of three; the stream leader is stopped in the middle of 1,000
// messages; every message still reaches the sink exactly once, or its entry
// was marked a possible duplicate.
func TestClusterSurvivesLeaderLoss(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test skipped in -short mode")
	}
	ss := runCluster(t)
	var urls []string
	for _, s := range ss {
		urls = append(urls, s.ClientURL())
	}
	ctx := context.Background()
	nc := connect(t, urls...)
	var q *Queue
	var err error
	waitFor(t, func() bool {
		q, err = New(ctx, nc, &Config{Replicas: 3, AckWait: 5 * time.Second})
		return err == nil
	})
	sk := newSink(t)
	const n = 1000
	for i := range n {
		m := message(fmt.Sprintf("<m%d@example.test>", i), 2048)
		if err := retry(ctx, func() error {
			_, err := q.Enqueue(ctx, entry("rcpt@example.test"), strings.NewReader(m))
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	var dups atomic.Int64
	var finished atomic.Int64
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		q.Run(rctx, smtpDeliverer(sk.ln.Addr().String()), &RunOptions{Workers: 4,
			Finished: func(e *queue.Entry) {
				if e.PossibleDuplicate {
					dups.Add(1)
				}
				finished.Add(1)
			}})
		close(done)
	}()
	waitFor(t, func() bool { return finished.Load() >= n/3 })
	stopped := false
	for _, s := range ss {
		if s.JetStreamIsStreamLeader("$G", "MAILWRIGHT") {
			t.Logf("stopping stream leader %s after %d deliveries", s.Name(), finished.Load())
			s.Shutdown()
			stopped = true
			break
		}
	}
	if !stopped {
		ss[0].Shutdown()
	}
	deadline := time.Now().Add(2 * time.Minute)
	for finished.Load() < n && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	<-done
	sk.mu.Lock()
	defer sk.mu.Unlock()
	missing, twice := 0, 0
	for i := range n {
		switch c := sk.counts[fmt.Sprintf("<m%d@example.test> rcpt@example.test", i)]; {
		case c == 0:
			missing++
		case c > 1:
			twice++
		}
	}
	if missing != 0 {
		t.Errorf("%d of %d messages never delivered (finished %d)", missing, n, finished.Load())
	}
	if int64(twice) > dups.Load() {
		t.Errorf("%d messages delivered twice, only %d marked possible duplicate", twice, dups.Load())
	}
	t.Logf("delivered %d, possible duplicates marked %d, delivered twice %d", n-missing, dups.Load(), twice)
}
