// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// waitCounter counts the client's waits: a Read that follows a Write
// (PERF.md's method), plus the first Read for the greeting.
type waitCounter struct {
	net.Conn
	mu      sync.Mutex
	wrote   bool
	started bool
	waits   int
}

func (c *waitCounter) Read(p []byte) (int, error) {
	c.mu.Lock()
	if c.wrote || !c.started {
		c.waits++
		c.wrote, c.started = false, true
	}
	c.mu.Unlock()
	return c.Conn.Read(p)
}

func (c *waitCounter) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.wrote = true
	c.mu.Unlock()
	return c.Conn.Write(p)
}

func (c *waitCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.waits
}

// countingDialer hands out waitCounter connections.
type countingDialer struct{ last *waitCounter }

func (d *countingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	var nd net.Dialer
	c, err := nd.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	d.last = &waitCounter{Conn: c}
	return d.last, nil
}

func TestSendMailRoundTrips(t *testing.T) {
	t.Parallel()
	msg := "Subject: hi\r\n\r\n" + strings.Repeat(strings.Repeat("x", 76)+"\r\n", 26)
	tests := []struct {
		name  string
		ext   []string
		waits int
	}{
		{"plain", nil, 5},
		{"pipelining", []string{"PIPELINING"}, 2},
		{"pipelining+chunking", []string{"PIPELINING", "CHUNKING"}, 1},
		{"chunking", []string{"CHUNKING"}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k := &sink{ext: tt.ext}
			addr := k.start(t)
			d := &countingDialer{}
			o := plain()
			o.Dialer = d
			c, err := Dial(context.Background(), addr, o)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			to := []string{"a@example.org", "b@example.org"}
			for i := range 3 {
				before := d.last.count()
				res, err := c.SendMail(context.Background(), "s@example.com", to, strings.NewReader(msg), nil)
				if err != nil {
					t.Fatalf("SendMail #%d: %v", i, err)
				}
				if got := d.last.count() - before; got != tt.waits {
					t.Errorf("message %d: %d waits, want %d", i, got, tt.waits)
				}
				if res.Reply.Code != 250 || res.Reply.Message != "queued as 1234" {
					t.Errorf("reply = %+v", res.Reply)
				}
			}
			if err := c.Quit(context.Background()); err != nil {
				t.Fatal(err)
			}
			msgs := k.messages()
			if len(msgs) != 3 {
				t.Fatalf("server got %d messages, want 3", len(msgs))
			}
			want := sinkMsg{from: "s@example.com", to: to, body: []byte(msg), size: int64(len(msg))}
			if diff := cmp.Diff(want, msgs[2], cmp.AllowUnexported(sinkMsg{})); diff != "" {
				t.Errorf("message (-want +got):\n%s", diff)
			}
		})
	}
}

// SEC-45: per-recipient results; the message goes to the accepted ones.
func TestSendMailPerRecipientSEC45(t *testing.T) {
	t.Parallel()
	for _, ext := range [][]string{nil, {"PIPELINING"}, {"PIPELINING", "CHUNKING"}, {"CHUNKING"}} {
		t.Run(strings.Join(ext, "+"), func(t *testing.T) {
			t.Parallel()
			k := &sink{ext: ext, refuse: map[string]string{
				"b@example.org": "550 5.1.1 no such user",
				"c@example.org": "452 4.5.3 too many recipients",
				"d@example.org": "451 4.3.0 try later",
			}}
			c, err := Dial(context.Background(), k.start(t), plain())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			to := []string{"a@example.org", "b@example.org", "c@example.org", "d@example.org"}
			res, err := c.SendMail(context.Background(), "s@example.com", to, strings.NewReader("x\r\n"), nil)
			var re *RecipientError
			if !errors.As(err, &re) || re.Delivered != 1 || len(re.Refused) != 3 {
				t.Fatalf("SendMail error = %v, want a RecipientError with 3 refused, 1 delivered", err)
			}
			codes := []int{0, 550, 452, 451}
			for i, r := range res.Recipients {
				var se *Error
				got := 0
				if errors.As(r.Err, &se) {
					got = se.Code
				}
				if got != codes[i] || r.Recipient != to[i] {
					t.Errorf("recipient %d = %+v, want code %d", i, r, codes[i])
				}
			}
			var se *Error
			if !errors.As(res.Recipients[1].Err, &se) || !se.Permanent() || se.EnhancedCode != (EnhancedCode{5, 1, 1}) {
				t.Errorf("recipient 2 error = %v, want permanent 5.1.1", res.Recipients[1].Err)
			}
			if !errors.As(res.Recipients[2].Err, &se) || !se.Temporary() {
				t.Errorf("recipient 3 error = %v, want temporary", res.Recipients[2].Err)
			}
			if m := k.messages(); len(m) != 1 || !cmp.Equal(m[0].to, []string{"a@example.org"}) {
				t.Errorf("server messages = %+v", m)
			}
			// The connection is still usable.
			if _, err := c.SendMail(context.Background(), "s@example.com", to[:1], strings.NewReader("y\r\n"), nil); err != nil {
				t.Errorf("second SendMail: %v", err)
			}
		})
	}
}

func TestSendMailAllOrNothing(t *testing.T) {
	t.Parallel()
	for _, ext := range [][]string{nil, {"PIPELINING"}, {"PIPELINING", "CHUNKING"}} {
		k := &sink{ext: ext, refuse: map[string]string{"b@example.org": "550 5.1.1 no such user"}}
		c, err := Dial(context.Background(), k.start(t), plain())
		if err != nil {
			t.Fatal(err)
		}
		to := []string{"a@example.org", "b@example.org"}
		_, err = c.SendMail(context.Background(), "s@example.com", to, strings.NewReader("x\r\n"),
			&SendOptions{AllOrNothing: true})
		var re *RecipientError
		if !errors.As(err, &re) || re.Delivered != 0 {
			t.Errorf("%v: error = %v, want RecipientError with nothing delivered", ext, err)
		}
		if n := len(k.messages()); n != 0 {
			t.Errorf("%v: server got %d messages, want 0", ext, n)
		}
		if err := c.Noop(context.Background()); err != nil {
			t.Errorf("%v: connection not reusable: %v", ext, err)
		}
		c.Close()
	}
}

func TestSendMailNoneAccepted(t *testing.T) {
	t.Parallel()
	for _, ext := range [][]string{nil, {"PIPELINING"}, {"PIPELINING", "CHUNKING"}} {
		k := &sink{ext: ext, refuse: map[string]string{"a@example.org": "550 5.1.1 no such user"}}
		c, err := Dial(context.Background(), k.start(t), plain())
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.SendMail(context.Background(), "s@example.com", []string{"a@example.org"},
			strings.NewReader("x\r\n"), nil)
		var re *RecipientError
		if !errors.As(err, &re) || re.Delivered != 0 || len(re.Refused) != 1 {
			t.Errorf("%v: error = %v", ext, err)
		}
		if err := c.Noop(context.Background()); err != nil {
			t.Errorf("%v: connection not reusable: %v", ext, err)
		}
		c.Close()
	}
}

// SEC-30: a message that is already canonical (CRLF only) reaches the
// server byte for byte as given, dot-leading lines included, so that a
// DKIM signature made over it still verifies; with DATA and with BDAT.
func TestCanonicalMessageUnchangedSEC30(t *testing.T) {
	t.Parallel()
	msg := "DKIM-Signature: v=1; a=ed25519-sha256; b=abc\r\nSubject: x\r\n\r\n.leading dot\r\n.\r\n..\r\n" +
		strings.Repeat("line\r\n", 20000) + ".end\r\n"
	for _, ext := range [][]string{{"PIPELINING", "8BITMIME"}, {"PIPELINING", "CHUNKING", "8BITMIME"}} {
		k := &sink{ext: ext}
		c, err := Dial(context.Background(), k.start(t), plain())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.SendMail(context.Background(), "a@example.com", []string{"b@example.org"},
			strings.NewReader(msg), nil); err != nil {
			t.Fatal(err)
		}
		c.Quit(context.Background())
		if m := k.messages(); len(m) != 1 || string(m[0].body) != msg {
			t.Errorf("%v: the server did not get the message byte for byte", ext)
		}
	}
}

// CASE-19 for a stream: 8-bit content after the first 64 KiB, to a server
// without 8BITMIME, stops the transfer with an ExtensionError and no
// message is delivered.
func TestEightBitLateCASE19(t *testing.T) {
	t.Parallel()
	msg := "Subject: x\r\n\r\n" + strings.Repeat(strings.Repeat("a", 70)+"\r\n", 2000) + "caf\xc3\xa9\r\n"
	for _, ext := range [][]string{{"PIPELINING"}, {"PIPELINING", "CHUNKING"}} {
		k := &sink{ext: ext}
		c, err := Dial(context.Background(), k.start(t), plain())
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.SendMail(context.Background(), "a@example.com", []string{"b@example.org"},
			io.MultiReader(strings.NewReader(msg)), nil)
		var ee *ExtensionError
		if !errors.As(err, &ee) || ee.Extension != "8BITMIME" {
			t.Errorf("%v: SendMail = %v, want an ExtensionError for 8BITMIME", ext, err)
		}
		c.Close()
		if n := len(k.messages()); n != 0 {
			t.Errorf("%v: server got %d messages, want 0", ext, n)
		}
	}
}

// A BDAT chunk refused in the middle of a pipelined transfer: the client
// reads every outstanding reply, resets, reports the refusal, and the
// connection stays usable.
func TestBDATChunkRefused(t *testing.T) {
	t.Parallel()
	msg := strings.Repeat(strings.Repeat("c", 98)+"\r\n", 3000) // 300,000 octets: three chunks
	addr, s := serve(t, func(s *srv) {
		s.greet("PIPELINING", "CHUNKING")
		s.expect("MAIL FROM:<a@example.com>")
		s.expect("RCPT TO:<b@example.org>")
		chunk := func() {
			l, _ := s.line()
			if !strings.HasPrefix(l, "BDAT ") {
				t.Errorf("server got %q, want BDAT", l)
				return
			}
			n, _ := parseBDAT(strings.TrimPrefix(l, "BDAT "))
			io.ReadFull(s.br, make([]byte, n))
		}
		chunk() // the client waits for the envelope replies after the first chunk
		s.send("250 ok", "250 ok", "250 2.0.0 chunk ok")
		chunk()
		chunk()
		s.send("552 5.3.4 message too big", "503 5.5.1 no transaction")
		s.expect("RSET")
		s.send("250 ok")
		s.expect("NOOP")
		s.send("250 ok")
	})
	c, err := Dial(context.Background(), addr, plain())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.SendMail(context.Background(), "a@example.com", []string{"b@example.org"}, strings.NewReader(msg), nil)
	var se *Error
	if !errors.As(err, &se) || se.Code != 552 || se.Command != "BDAT" {
		t.Fatalf("SendMail = %v, want the 552 to BDAT", err)
	}
	if err := c.Noop(context.Background()); err != nil {
		t.Errorf("connection not reusable: %v", err)
	}
	if got := s.commands(); len(got) != 8 || got[6] != "RSET" {
		t.Errorf("server got %q", got)
	}
}
