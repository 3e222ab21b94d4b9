// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"bufio"
	"context"
	"errors"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestReadReply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Reply
	}{
		{"250 OK\r\n", Reply{Code: 250, Message: "OK"}},
		{"250\r\n", Reply{Code: 250}},
		{"250-\r\n250 x\r\n", Reply{Code: 250, Message: "\nx", multi: true}},
		{"550 5.7.1 Relaying denied\r\n", Reply{Code: 550, EnhancedCode: EnhancedCode{5, 7, 1}, Message: "Relaying denied"}},
		{"535-5.7.8 Username and Password not accepted.\r\n535 5.7.8 Learn more\r\n",
			Reply{Code: 535, EnhancedCode: EnhancedCode{5, 7, 8}, Message: "Username and Password not accepted.\nLearn more", multi: true}},
		// An enhanced code whose class differs from the reply's is text.
		{"250 5.1.1 odd\r\n", Reply{Code: 250, Message: "5.1.1 odd"}},
		{"220 mx ready\n", Reply{Code: 220, Message: "mx ready"}},
	}
	for _, tt := range tests {
		got, err := readReply(bufio.NewReader(strings.NewReader(tt.in)), nil, "X", maxReplyLine)
		if err != nil || *got != tt.want {
			t.Errorf("readReply(%q) = %+v, %v, want %+v", tt.in, got, err, tt.want)
		}
	}
}

// SEC-40, SEC-41: a code change inside a multi-line reply, and codes that
// are not three digits in range, are protocol errors.
func TestReadReplyMalformedSEC40SEC41(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"250-ok\r\n550-evil\r\nXYZ garbage\r\n250 done\r\n", // SEC-40
		"25x hello\r\n", "099 x\r\n", "600 x\r\n", "250x\r\n", "25\r\n", // SEC-41
		"160 x\r\n", "260 x\r\n", "\r\n", "abc\r\n",
	} {
		_, err := readReply(bufio.NewReader(strings.NewReader(in)), nil, "X", maxReplyLine)
		var pe *ProtocolError
		if !errors.As(err, &pe) {
			t.Errorf("readReply(%q) error = %v, want a protocol error", in, err)
		}
	}
}

// endless yields its pattern forever and counts what was read.
type endless struct {
	pattern string
	off, n  int
}

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = e.pattern[e.off%len(e.pattern)]
		e.off++
	}
	e.n += len(p)
	return len(p), nil
}

// SEC-38, SEC-39: an endless multi-line reply and a huge line stop at the
// bounds, having read little.
func TestReadReplyBoundsSEC38SEC39(t *testing.T) {
	for _, pattern := range []string{"250-x\r\n", "250 " + strings.Repeat("A", 1000)} {
		src := &endless{pattern: pattern}
		_, err := readReply(bufio.NewReaderSize(src, readBufSize), nil, "X", maxReplyLine)
		var pe *ProtocolError
		if !errors.As(err, &pe) {
			t.Errorf("%.8q...: error = %v, want a protocol error", pattern, err)
		}
		if src.n > 2*readBufSize {
			t.Errorf("%.8q...: read %d bytes before giving up", pattern, src.n)
		}
	}
	br := bufio.NewReaderSize(&endless{pattern: "250 AAAAAAAA"}, readBufSize)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	readReply(br, nil, "X", maxReplyLine)
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 64<<10 {
		t.Errorf("%d bytes allocated for an overlong line", n)
	}
}

// SEC-38 on a connection: the client gives up and closes.
func TestEndlessReplyClosesSEC38(t *testing.T) {
	t.Parallel()
	addr, _ := serve(t, func(s *srv) {
		s.send("220 mx ESMTP")
		s.line()
		// Continuation lines in 64 KiB writes until the client's close
		// makes a write fail. Loopback socket buffers take megabytes, so
		// a small bound could be written in full before the close arrives
		// (CI once saw 70 KB go through under load); only a client that
		// really reads on gets through 1 GiB.
		chunk := strings.Repeat("250-x\r\n", 64<<10/7)
		for i := 0; i < 1<<30/len(chunk); i++ {
			if _, err := io.WriteString(s.conn, chunk); err != nil {
				return
			}
		}
		t.Error("client kept reading")
	})
	_, err := Dial(context.Background(), addr, plain())
	var pe *ProtocolError
	if !errors.As(err, &pe) {
		t.Fatalf("Dial error = %v, want a protocol error", err)
	}
}

// SEC-42: a server that sends one byte at a time, or no greeting at all,
// meets the absolute deadline.
func TestSlowlorisSEC42(t *testing.T) {
	t.Parallel()
	trickle := func(s *srv, reply string) {
		for i := 0; i < len(reply); i++ {
			if _, err := io.WriteString(s.conn, reply[i:i+1]); err != nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	tests := map[string]func(s *srv){
		"greeting trickled": func(s *srv) { trickle(s, "220 "+strings.Repeat("x", 100)+"\r\n") },
		"no greeting":       func(s *srv) { s.line() },
		"EHLO reply trickled": func(s *srv) {
			s.send("220 mx")
			s.line()
			trickle(s, "250 "+strings.Repeat("x", 100)+"\r\n")
		},
	}
	for name, script := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			addr, _ := serve(t, script)
			o := plain()
			o.GreetingTimeout, o.CommandTimeout = 300*time.Millisecond, 300*time.Millisecond
			start := time.Now()
			_, err := Dial(context.Background(), addr, o)
			if !errors.Is(err, ErrTimeout) {
				t.Errorf("Dial error = %v, want ErrTimeout", err)
			}
			if d := time.Since(start); d > 5*time.Second { // trickling takes over 10 s
				t.Errorf("gave up after %v", d)
			}
		})
	}
}

// SEC-42 with the caller's context: its deadline bounds the exchange and
// its error is reported.
func TestContextDeadline(t *testing.T) {
	t.Parallel()
	addr, _ := serve(t, func(s *srv) { s.line() })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := Dial(ctx, addr, plain())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Dial error = %v, want context.DeadlineExceeded", err)
	}
}

func TestEnhancedCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want EnhancedCode
		n    int
		ok   bool
	}{
		{"5.7.1 Relaying denied", EnhancedCode{5, 7, 1}, 5, true},
		{"2.0.0", EnhancedCode{2, 0, 0}, 5, true},
		{"4.7.12 x", EnhancedCode{4, 7, 12}, 6, true},
		{"5.123.456 x", EnhancedCode{5, 123, 456}, 9, true},
		{"5.1234.1 x", EnhancedCode{}, 0, false},
		{"3.1.1 x", EnhancedCode{}, 0, false},
		{"5.1.1x", EnhancedCode{}, 0, false},
		{"5.1 x", EnhancedCode{}, 0, false},
		{"mx.example.com", EnhancedCode{}, 0, false},
		{"2.0.00 x", EnhancedCode{}, 0, false}, // RFC 3463: no leading zero
		{"5.07.1 x", EnhancedCode{}, 0, false},
		{"5.0.10 x", EnhancedCode{5, 0, 10}, 6, true},
	}
	for _, tt := range tests {
		got, n, ok := parseEnhancedCode(tt.in)
		if got != tt.want || n != tt.n || ok != tt.ok {
			t.Errorf("parseEnhancedCode(%q) = %v, %d, %v, want %v, %d, %v", tt.in, got, n, ok, tt.want, tt.n, tt.ok)
		}
	}
	if s := (EnhancedCode{5, 7, 1}).String(); s != "5.7.1" {
		t.Errorf("String = %q", s)
	}
}

func FuzzReadReply(f *testing.F) {
	for _, s := range []string{"250 OK\r\n", "250-a\r\n250 b\r\n", "550 5.7.1 x\r\n", "25x\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		r, err := readReply(bufio.NewReader(strings.NewReader(in)), nil, "X", maxReplyLine)
		if err != nil {
			return
		}
		if r.Code < 200 || r.Code > 559 {
			t.Fatalf("readReply(%q) code %d", in, r.Code)
		}
		if len(r.Message) > maxReplySize {
			t.Fatalf("readReply(%q) message of %d bytes", in, len(r.Message))
		}
		// SEC-40: every line the reply took carries the same code, and
		// only the last one ends it.
		rows := strings.Count(r.Message, "\n") + 1
		lines := strings.SplitAfter(in, "\n")
		if rows > len(lines) || rows > maxReplyRows {
			t.Fatalf("readReply(%q) has %d rows from %d lines", in, rows, len(lines))
		}
		code := strconv.Itoa(r.Code)
		for i, l := range lines[:rows] {
			sep := byte(' ')
			if i < rows-1 {
				sep = '-'
			}
			if !strings.HasPrefix(l, code) || (len(strings.TrimRight(l, "\r\n")) > 3 && l[3] != sep) {
				t.Fatalf("readReply(%q) took line %q into reply %d", in, l, r.Code)
			}
		}
	})
}

func FuzzParseEnhancedCode(f *testing.F) {
	for _, s := range []string{"5.7.1 x", "2.0.0", "4.7.12"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, n, ok := parseEnhancedCode(in)
		if !ok {
			return
		}
		if n > len(in) || (c[0] != 2 && c[0] != 4 && c[0] != 5) || c[1] > 999 || c[2] > 999 {
			t.Fatalf("parseEnhancedCode(%q) = %v, %d", in, c, n)
		}
		if c.String() != in[:n] {
			t.Fatalf("parseEnhancedCode(%q) = %v does not print as %q", in, c, in[:n])
		}
	})
}
