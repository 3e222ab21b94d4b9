// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"
)

// endlessBody is a message that never ends, in 1000-octet lines.
type endlessBody struct{ off int }

func (b *endlessBody) Read(p []byte) (int, error) {
	for i := range p {
		switch b.off % 1000 {
		case 998:
			p[i] = '\r'
		case 999:
			p[i] = '\n'
		default:
			p[i] = 'z'
		}
		b.off++
	}
	return len(p), nil
}

// A cancelled context interrupts a message stuck on a server that stopped
// reading; the error is the context's and the connection is closed.
func TestCancelDuringData(t *testing.T) {
	t.Parallel()
	for _, ext := range [][]string{{"PIPELINING"}, {"PIPELINING", "CHUNKING"}} {
		done := make(chan struct{})
		addr, _ := serve(t, func(s *srv) {
			s.greet(ext...)
			s.line()
			if len(ext) == 1 {
				s.send("250 ok", "250 ok", "354 go ahead")
			} else {
				s.send("250 ok", "250 ok")
			}
			stall(done) // read nothing more
		})
		o := plain()
		o.CommandTimeout = 30 * time.Second // only the cancel can end it soon
		c, err := Dial(context.Background(), addr, o)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(200*time.Millisecond, cancel)
		start := time.Now()
		_, err = c.SendMail(ctx, "a@example.com", []string{"b@example.org"}, &endlessBody{}, nil)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%v: SendMail = %v, want context.Canceled", ext, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%v: SendMail returned after %v", ext, d)
		}
		if !errors.Is(c.Noop(context.Background()), ErrClosed) {
			t.Errorf("%v: connection still open after cancel", ext)
		}
		close(done)
	}
}

// CommandTimeout bounds each write of message data: a server that stops
// reading meets it, and the error wraps ErrTimeout.
func TestDataWriteTimeout(t *testing.T) {
	t.Parallel()
	done := make(chan struct{})
	addr, _ := serve(t, func(s *srv) {
		s.greet()
		s.expect("MAIL FROM:<a@example.com>")
		s.send("250 ok")
		s.expect("RCPT TO:<b@example.org>")
		s.send("250 ok")
		s.expect("DATA")
		s.send("354 go ahead")
		stall(done)
	})
	o := plain()
	o.CommandTimeout = 200 * time.Millisecond
	c, err := Dial(context.Background(), addr, o)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.SendMail(context.Background(), "a@example.com", []string{"b@example.org"},
		io.LimitReader(&endlessBody{}, 1<<30), nil)
	close(done)
	if !errors.Is(err, ErrTimeout) {
		t.Errorf("SendMail = %v, want ErrTimeout", err)
	}
}

// stall keeps a test server's connection open without reading until done
// is closed, or for ten seconds.
func stall(done <-chan struct{}) {
	select {
	case <-done:
	case <-time.After(10 * time.Second):
	}
}
