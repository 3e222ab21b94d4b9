// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// poolFor returns a pool dialling addr without TLS.
func poolFor(addr string, max int) *Pool {
	return &Pool{MaxConns: max, Dial: func(ctx context.Context) (*Client, error) {
		return Dial(ctx, addr, plain())
	}}
}

func TestPoolConcurrent(t *testing.T) {
	t.Parallel()
	k := &sink{ext: []string{"PIPELINING", "CHUNKING"}}
	p := poolFor(k.start(t), 3)
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for g := range 8 {
		wg.Go(func() {
			for i := range 5 {
				msg := fmt.Sprintf("Subject: %d-%d\r\n\r\nbody\r\n", g, i)
				if _, err := p.SendMail(context.Background(), "s@example.com", []string{"r@example.org"},
					strings.NewReader(msg), nil); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("SendMail: %v", err)
	}
	if n := len(k.messages()); n != 40 {
		t.Errorf("server got %d messages, want 40", n)
	}
	if n := k.connections(); n > 3 {
		t.Errorf("pool opened %d connections, want at most 3", n)
	}
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, err := p.SendMail(context.Background(), "s@example.com", []string{"r@example.org"}, strings.NewReader("x"), nil)
	if !errors.Is(err, ErrPoolClosed) {
		t.Errorf("SendMail after Close = %v, want ErrPoolClosed", err)
	}
}

// CASE-16 A: the server sent 421 and closed while the pooled connection
// sat idle. The next message is sent once on a fresh connection, and the
// dead connection is never handed out again. The message is larger than
// the first block, so the retry streams the rest of it too.
func TestPoolStale421CASE16(t *testing.T) {
	t.Parallel()
	for _, ext := range [][]string{nil, {"PIPELINING"}, {"PIPELINING", "CHUNKING"}} {
		t.Run(strings.Join(ext, "+"), func(t *testing.T) {
			t.Parallel()
			k := &sink{ext: ext, idle421: "421 4.4.2 sink.example.test idle too long"}
			p := poolFor(k.start(t), 1)
			defer p.Close(context.Background())
			big := "Subject: big\r\n\r\n" + strings.Repeat(strings.Repeat("b", 70)+"\r\n", 2000)
			for i, body := range []string{"Subject: one\r\n\r\n1\r\n", big, "Subject: three\r\n\r\n3\r\n"} {
				if i > 0 {
					time.Sleep(20 * time.Millisecond) // let the 421 arrive
				}
				res, err := p.SendMail(context.Background(), "s@example.com", []string{"r@example.org"},
					strings.NewReader(body), nil)
				if err != nil || res.Reply.Code != 250 {
					t.Fatalf("message %d: %v", i, err)
				}
			}
			msgs := k.messages()
			if len(msgs) != 3 || string(msgs[1].body) != big {
				t.Fatalf("server got %d messages (second intact: %v), want 3", len(msgs),
					len(msgs) > 1 && string(msgs[1].body) == big)
			}
			if n := k.connections(); n != 3 {
				t.Errorf("%d connections, want 3 (one per message)", n)
			}
		})
	}
}

// A connection that failed after MAIL FROM was accepted is not retried:
// the server may hold part of the transaction.
func TestPoolNoRetryAfterMail(t *testing.T) {
	t.Parallel()
	dials := 0
	var mu sync.Mutex
	addr, _ := serve(t, func(s *srv) {
		s.greet()
		s.expect("MAIL FROM:<s@example.com>")
		s.send("250 ok")
		s.expect("RCPT TO:<r@example.org>")
		s.send("421 4.3.2 shutting down")
	})
	p := &Pool{Dial: func(ctx context.Context) (*Client, error) {
		mu.Lock()
		dials++
		mu.Unlock()
		return Dial(ctx, addr, plain())
	}}
	defer p.Close(context.Background())
	_, err := p.SendMail(context.Background(), "s@example.com", []string{"r@example.org"}, strings.NewReader("x\r\n"), nil)
	var se *Error
	if !errors.As(err, &se) || se.Code != 421 || !se.Temporary() {
		t.Fatalf("SendMail = %v, want the 421", err)
	}
	if dials != 1 {
		t.Errorf("%d dials, want 1", dials)
	}
	p.mu.Lock()
	idle := len(p.idle)
	p.mu.Unlock()
	if idle != 0 {
		t.Errorf("pool keeps %d connections after a 421, want 0", idle)
	}
}

// fakeClock is an injectable Pool.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

// A connection whose NOOP check fails is replaced before the message is
// sent on it.
func TestPoolFailedNoop(t *testing.T) {
	t.Parallel()
	k := &sink{ext: []string{"PIPELINING"}, noop: "421 4.4.2 closing"}
	p := poolFor(k.start(t), 1)
	defer p.Close(context.Background())
	clock := &fakeClock{now: time.Unix(1e9, 0)}
	p.Now = clock.Now
	for i := range 2 {
		if i == 1 {
			clock.advance(DefaultIdleCheck + time.Second)
		}
		if _, err := p.SendMail(context.Background(), "s@example.com", []string{"r@example.org"},
			strings.NewReader("x\r\n"), nil); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if n, m := k.connections(), len(k.messages()); n != 2 || m != 2 {
		t.Errorf("%d connections and %d messages, want 2 and 2", n, m)
	}
}

// An idle connection is checked with NOOP after IdleCheck and replaced
// (after QUIT) once idle longer than IdleLimit.
func TestPoolIdle(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Unix(1e9, 0)}
	var mu sync.Mutex
	var cmds []string
	addr, _ := serve(t, func(s *srv) {
		s.greet()
		for {
			l, ok := s.line()
			if !ok {
				return
			}
			mu.Lock()
			cmds = append(cmds, strings.Fields(l)[0])
			mu.Unlock()
			switch {
			case strings.HasPrefix(l, "QUIT"):
				s.send("221 bye")
				return
			case l == "DATA":
				s.send("354 go")
				for l != "." {
					l, _ = s.line()
				}
				s.send("250 ok")
			default:
				s.send("250 ok")
			}
		}
	})
	p := poolFor(addr, 1)
	p.Now = clock.Now
	p.IdleCheck, p.IdleLimit = time.Second, time.Minute
	send := func() error {
		_, err := p.SendMail(context.Background(), "s@example.com", []string{"r@example.org"},
			strings.NewReader("x\r\n"), nil)
		return err
	}
	if err := send(); err != nil {
		t.Fatal(err)
	}
	clock.advance(2 * time.Second)
	if err := send(); err != nil {
		t.Fatal(err)
	}
	clock.advance(2 * time.Minute)
	// The only connection is too old: QUIT, then a new one, which this
	// one-connection server does not accept; the dial error comes back.
	if err := send(); err == nil {
		t.Error("third SendMail succeeded, want the dial to fail")
	}
	mu.Lock()
	got := strings.Join(cmds, " ")
	mu.Unlock()
	want := "MAIL RCPT DATA NOOP MAIL RCPT DATA QUIT"
	if got != want {
		t.Errorf("server saw %q, want %q", got, want)
	}
}
