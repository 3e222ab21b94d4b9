// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// dialPlain connects to a scripted server without TLS.
func dialPlain(t *testing.T, script func(s *srv)) (*Client, *srv) {
	t.Helper()
	addr, s := serve(t, script)
	c, err := Dial(context.Background(), addr, plain())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, s
}

// SEC-43: with PIPELINING, one extra reply before the reply to MAIL shifts
// every reply by one; the client must notice and stop, never send the body
// and never take a reply for the wrong command.
func TestExtraReplySEC43(t *testing.T) {
	t.Parallel()
	c, s := dialPlain(t, func(s *srv) {
		s.greet("PIPELINING")
		s.expect("MAIL FROM:<a@example.com>")
		s.expect("RCPT TO:<b@example.org>")
		s.expect("DATA")
		s.send("250 ok", "250 sender ok", "250 recipient ok", "354 go ahead")
		s.eof()
	})
	_, err := c.SendMail(context.Background(), "a@example.com", []string{"b@example.org"},
		strings.NewReader("secret body\r\n"), nil)
	var pe *ProtocolError
	if !errors.As(err, &pe) {
		t.Fatalf("SendMail error = %v, want a protocol error", err)
	}
	if err := c.Noop(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("after the protocol error Noop = %v, want ErrClosed", err)
	}
	if strings.Contains(s.received(), "secret body") {
		t.Error("body sent after shifted replies")
	}
}

// SEC-43, second form: the extra reply arrives after all expected ones;
// it is caught before the body goes out.
func TestExtraTrailingReplySEC43(t *testing.T) {
	t.Parallel()
	c, s := dialPlain(t, func(s *srv) {
		s.greet("PIPELINING")
		s.expect("MAIL FROM:<a@example.com>")
		s.expect("RCPT TO:<b@example.org>")
		s.expect("DATA")
		s.send("250 sender ok", "250 recipient ok", "354 go ahead", "250 extra")
		s.eof()
	})
	_, err := c.SendMail(context.Background(), "a@example.com", []string{"b@example.org"},
		strings.NewReader("secret body\r\n"), nil)
	var pe *ProtocolError
	if !errors.As(err, &pe) {
		t.Fatalf("SendMail error = %v, want a protocol error", err)
	}
	if strings.Contains(s.received(), "secret body") {
		t.Error("body sent after an unsolicited reply")
	}
}

// SEC-44: a 421 in the middle of a transaction closes the connection with
// a temporary error; nothing else is sent.
func TestServiceClosingSEC44(t *testing.T) {
	t.Parallel()
	c, s := dialPlain(t, func(s *srv) {
		s.greet()
		s.expect("MAIL FROM:<a@example.com>")
		s.send("250 ok")
		s.expect("RCPT TO:<b@example.org>")
		s.send("421 4.3.2 shutting down")
		s.eof()
	})
	_, err := c.SendMail(context.Background(), "a@example.com", []string{"b@example.org"},
		strings.NewReader("x\r\n"), nil)
	var se *Error
	if !errors.As(err, &se) || se.Code != 421 || !se.Temporary() {
		t.Fatalf("SendMail error = %v, want a temporary 421", err)
	}
	if err := c.Noop(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Noop after 421 = %v, want ErrClosed", err)
	}
	want := "EHLO localhost\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n"
	if got := s.received(); got != want {
		t.Errorf("wire = %q", got)
	}
}

// SEC-44: a 554 greeting gets QUIT and nothing else; the error is
// permanent.
func TestGreeting554SEC44(t *testing.T) {
	t.Parallel()
	addr, s := serve(t, func(s *srv) {
		s.send("554 5.3.2 no service")
		s.quit()
		s.eof()
	})
	_, err := Dial(context.Background(), addr, plain())
	var se *Error
	if !errors.As(err, &se) || se.Code != 554 || !se.Permanent() || se.Command != "" {
		t.Fatalf("Dial error = %v, want a permanent 554", err)
	}
	waitFor(t, func() bool { return s.received() == "QUIT\r\n" })
}

// SEC-44: a 421 greeting closes without QUIT.
func TestGreeting421(t *testing.T) {
	t.Parallel()
	addr, s := serve(t, func(s *srv) {
		s.send("421 4.3.2 busy")
		s.eof()
	})
	_, err := Dial(context.Background(), addr, plain())
	var se *Error
	if !errors.As(err, &se) || se.Code != 421 {
		t.Fatalf("Dial error = %v, want 421", err)
	}
	if got := s.received(); got != "" {
		t.Errorf("wire = %q", got)
	}
}

// CASE-16 B: 421 in reply to DATA: closed, temporary, not swallowed.
func TestDATA421CASE16(t *testing.T) {
	t.Parallel()
	c, _ := dialPlain(t, func(s *srv) {
		s.greet()
		s.expect("MAIL FROM:<a@example.com>")
		s.send("250 ok")
		s.expect("RCPT TO:<b@example.org>")
		s.send("250 ok")
		s.expect("DATA")
		s.send("421 4.3.2 Service shutting down")
		s.eof()
	})
	_, err := c.SendMail(context.Background(), "a@example.com", []string{"b@example.org"},
		strings.NewReader("x\r\n"), nil)
	var se *Error
	if !errors.As(err, &se) || se.Code != 421 || !se.Temporary() || !c.closed {
		t.Fatalf("SendMail error = %v (closed %v), want a temporary 421 and a closed connection", err, c.closed)
	}
}

// SEC-46: the server reads the end of data and goes silent: the error is
// a timeout and a possible duplicate, for DATA and BDAT alike.
func TestSilentAfterDataSEC46(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		ext  []string
		last string
	}{
		{nil, "."},
		{[]string{"CHUNKING"}, "BDAT 3 LAST"},
	} {
		t.Run(tt.last, func(t *testing.T) {
			t.Parallel()
			addr, _ := serve(t, func(s *srv) {
				s.greet(tt.ext...)
				s.expect("MAIL FROM:<a@example.com>")
				s.send("250 ok")
				s.expect("RCPT TO:<b@example.org>")
				s.send("250 ok")
				if tt.ext == nil {
					s.expect("DATA")
					s.send("354 go")
					s.expect("x")
				}
				s.expect(tt.last)
				time.Sleep(time.Second)
			})
			o := plain()
			o.DataTimeout = 200 * time.Millisecond
			c, err := Dial(context.Background(), addr, o)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_, err = c.SendMail(context.Background(), "a@example.com", []string{"b@example.org"},
				strings.NewReader("x\r\n"), nil)
			if !errors.Is(err, ErrPossibleDuplicate) || !errors.Is(err, ErrTimeout) {
				t.Fatalf("SendMail error = %v, want ErrPossibleDuplicate and ErrTimeout", err)
			}
		})
	}
}

// SEC-46: the server closes after the end of data without a reply.
func TestClosedAfterDataSEC46(t *testing.T) {
	t.Parallel()
	c, _ := dialPlain(t, func(s *srv) {
		s.greet("PIPELINING")
		s.line()
		s.line()
		s.line()
		s.send("250 ok", "250 ok", "354 go")
		s.expect("x")
		s.expect(".")
	})
	_, err := c.SendMail(context.Background(), "a@example.com", []string{"b@example.org"},
		strings.NewReader("x\r\n"), nil)
	if !errors.Is(err, ErrPossibleDuplicate) {
		t.Fatalf("SendMail error = %v, want ErrPossibleDuplicate", err)
	}
}

// CASE-15 A: 421 to EHLO: no HELO, the 421 is returned.
// CASE-15 B: 500 to EHLO: HELO, and no extensions.
// When both fail, both replies are reported.
func TestHELOFallbackCASE15(t *testing.T) {
	t.Parallel()
	t.Run("421", func(t *testing.T) {
		t.Parallel()
		addr, s := serve(t, func(s *srv) {
			s.send("220 mx.example.com ESMTP")
			s.expect("EHLO localhost")
			s.send("421 Service not available, closing transmission channel")
			s.eof()
		})
		_, err := Dial(context.Background(), addr, plain())
		var se *Error
		if !errors.As(err, &se) || se.Code != 421 || se.Command != "EHLO" {
			t.Fatalf("Dial error = %v, want the 421", err)
		}
		if got := s.commands(); !cmp.Equal(got, []string{"EHLO localhost"}) {
			t.Errorf("server got %q", got)
		}
	})
	t.Run("500", func(t *testing.T) {
		t.Parallel()
		c, _ := dialPlain(t, func(s *srv) {
			s.send("220 legacy.example.com SMTP")
			s.expect("EHLO localhost")
			s.send("500 Command unrecognized")
			s.expect("HELO localhost")
			s.send("250 legacy.example.com")
			s.quit()
		})
		if _, ok := c.Extension("PIPELINING"); ok || len(c.AuthMechanisms()) != 0 {
			t.Error("extensions after HELO")
		}
		if err := c.Quit(context.Background()); err != nil {
			t.Error(err)
		}
	})
	t.Run("both", func(t *testing.T) {
		t.Parallel()
		addr, _ := serve(t, func(s *srv) {
			s.send("220 legacy.example.com SMTP")
			s.expect("EHLO localhost")
			s.send("502 5.5.1 EHLO not implemented")
			s.expect("HELO localhost")
			s.send("550 5.7.1 go away")
			s.line()
		})
		_, err := Dial(context.Background(), addr, plain())
		if err == nil || !strings.Contains(err.Error(), "502") || !strings.Contains(err.Error(), "550") {
			t.Fatalf("Dial error = %v, want both replies", err)
		}
	})
}

// QUIT does not hang on a server that closes without replying, nor on one
// that never answers.
func TestQuit(t *testing.T) {
	t.Parallel()
	c, _ := dialPlain(t, func(s *srv) {
		s.greet()
		s.expect("QUIT")
	})
	if err := c.Quit(context.Background()); err != nil {
		t.Errorf("Quit on a closing server = %v", err)
	}
	done := make(chan struct{})
	defer close(done)
	addr, _ := serve(t, func(s *srv) {
		s.greet()
		s.expect("QUIT")
		stall(done)
	})
	o := plain()
	o.CommandTimeout = 100 * time.Millisecond
	c, err := Dial(context.Background(), addr, o)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	c.Quit(context.Background())
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("Quit took %v with a 100 ms CommandTimeout", d)
	}
	if err := c.Noop(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Noop after Quit = %v", err)
	}
}

// The single steps: Mail, Rcpt, Data with its writer, Reset and Noop.
func TestSingleSteps(t *testing.T) {
	t.Parallel()
	c, _ := dialPlain(t, func(s *srv) {
		s.greet("8BITMIME", "SIZE 1000", "DSN", "SMTPUTF8")
		s.expect("MAIL FROM:<> SIZE=10 BODY=8BITMIME RET=HDRS ENVID=id+2Bx")
		s.send("250 ok")
		s.expect("RCPT TO:<b@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b+2Bx@example.org")
		s.send("250 ok")
		s.expect("RCPT TO:<c@example.org>")
		s.send("550 5.1.1 unknown")
		s.expect("DATA")
		s.send("354 go")
		s.expect("..hi é")
		s.expect(".")
		s.send("250 2.0.0 queued")
		s.expect("RSET")
		s.send("250 ok")
		s.expect("NOOP")
		s.send("250 ok")
	})
	ctx := context.Background()
	if err := c.Mail(ctx, "", &MailOptions{Size: 10, Body: Body8BitMIME, Return: "HDRS", EnvelopeID: "id+x"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt(ctx, "b@example.org", &RcptOptions{Notify: []string{"SUCCESS", "FAILURE"},
		OriginalRecipient: "b+x@example.org"}); err != nil {
		t.Fatal(err)
	}
	var se *Error
	if err := c.Rcpt(ctx, "c@example.org", nil); !errors.As(err, &se) || se.Code != 550 || se.Command != "RCPT TO" {
		t.Fatalf("Rcpt = %v", err)
	}
	w, err := c.Data(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(".hi é\n")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Noop(ctx); err != nil {
		t.Fatal(err)
	}
}
