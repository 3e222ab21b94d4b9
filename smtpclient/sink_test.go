// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// sink is a small but complete SMTP server for round-trip tests. It
// answers pipelined commands in order, un-stuffs DATA, reads BDAT chunks,
// and keeps every message and the raw bytes of every body.
type sink struct {
	ext    []string          // EHLO keywords
	refuse map[string]string // recipient -> reply line
	final  string            // reply to the end of data; "" means 250
	// idle421, when set, is sent right after the reply to the end of a
	// message, and the connection is closed: a server that drops the
	// client while it sits idle (CASE-16).
	idle421 string
	// discard keeps no message bodies, only their sizes, so that a large
	// message costs the test server no memory.
	discard bool
	// noop, when set, is the reply to NOOP, after which the connection
	// is closed.
	noop string

	conns int // connections accepted

	mu   sync.Mutex
	msgs []sinkMsg
	raw  bytes.Buffer // body bytes as they came over the wire
	ln   net.Listener
	wg   sync.WaitGroup
}

type sinkMsg struct {
	from string
	to   []string
	body []byte
	size int64
}

// start listens on loopback and serves connections until cleanup.
func (k *sink) start(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	k.ln = ln
	k.wg.Add(1)
	go func() {
		defer k.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			k.mu.Lock()
			k.conns++
			k.mu.Unlock()
			k.wg.Add(1)
			go func() {
				defer k.wg.Done()
				k.session(c)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); k.wg.Wait() })
	return ln.Addr().String()
}

func (k *sink) messages() []sinkMsg {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]sinkMsg(nil), k.msgs...)
}

func (k *sink) connections() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.conns
}

func (k *sink) wire() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.raw.String()
}

// session serves one connection. Replies are flushed only when no more
// client input is buffered, as pipelining servers do.
func (k *sink) session(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	bw := bufio.NewWriter(c)
	reply := func(s string) {
		bw.WriteString(s + "\r\n")
		if br.Buffered() == 0 {
			bw.Flush()
		}
	}
	reply("220 sink.example.test ESMTP")
	var cur sinkMsg
	var bdat bytes.Buffer
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			lines := append([]string{"sink.example.test"}, k.ext...)
			for i, l := range lines {
				sep := "-"
				if i == len(lines)-1 {
					sep = " "
				}
				bw.WriteString("250" + sep + l + "\r\n")
			}
			bw.Flush()
		case "NOOP":
			if k.noop != "" {
				reply(k.noop)
				bw.Flush()
				return
			}
			reply("250 ok")
		case "HELO":
			reply("250 ok")
		case "RSET":
			cur = sinkMsg{}
			bdat.Reset()
			reply("250 ok")
		case "MAIL":
			from := strings.TrimPrefix(arg, "FROM:<")
			cur = sinkMsg{from: from[:strings.IndexByte(from, '>')]}
			reply("250 2.1.0 ok")
		case "RCPT":
			to := strings.TrimPrefix(arg, "TO:<")
			to = to[:strings.IndexByte(to, '>')]
			if r, ok := k.refuse[to]; ok {
				reply(r)
				continue
			}
			cur.to = append(cur.to, to)
			reply("250 2.1.5 ok")
		case "DATA":
			if len(cur.to) == 0 {
				reply("554 5.5.1 no valid recipients")
				continue
			}
			reply("354 go ahead")
			bw.Flush()
			body, n, ok := k.readData(br)
			if !ok {
				return
			}
			cur.body, cur.size = body, n
			k.deliver(&cur, reply)
			if k.idle421 != "" {
				reply(k.idle421)
				bw.Flush()
				return
			}
		case "BDAT":
			n, last := parseBDAT(arg)
			cur.size += int64(n)
			if k.discard {
				if _, err := br.Discard(n); err != nil {
					return
				}
				if !last {
					reply("250 2.0.0 chunk ok")
					continue
				}
				k.deliver(&cur, reply)
				continue
			}
			chunk := make([]byte, n)
			if _, err := io.ReadFull(br, chunk); err != nil {
				return
			}
			k.mu.Lock()
			k.raw.Write(chunk)
			k.mu.Unlock()
			if len(cur.to) == 0 {
				reply("554 5.5.1 no valid recipients")
				continue
			}
			bdat.Write(chunk)
			if !last {
				reply("250 2.0.0 chunk ok")
				continue
			}
			cur.body = bytes.Clone(bdat.Bytes())
			bdat.Reset()
			k.deliver(&cur, reply)
			if k.idle421 != "" {
				reply(k.idle421)
				bw.Flush()
				return
			}
		case "QUIT":
			reply("221 bye")
			bw.Flush()
			return
		default:
			reply("500 unknown command")
		}
	}
}

func (k *sink) deliver(cur *sinkMsg, reply func(string)) {
	k.mu.Lock()
	k.msgs = append(k.msgs, *cur)
	k.mu.Unlock()
	*cur = sinkMsg{}
	if k.final != "" {
		reply(k.final)
		return
	}
	reply("250 2.0.0 queued as 1234")
}

// readData reads a DATA body up to the lone dot and un-stuffs it. It
// returns the body (nil when discarding) and its size.
func (k *sink) readData(br *bufio.Reader) ([]byte, int64, bool) {
	var body bytes.Buffer
	var n int64
	atStart := true
	for {
		line, err := br.ReadSlice('\n')
		if err != nil && err != bufio.ErrBufferFull {
			return nil, 0, false
		}
		if !k.discard {
			k.mu.Lock()
			k.raw.Write(line)
			k.mu.Unlock()
		}
		if atStart && string(line) == ".\r\n" {
			return body.Bytes(), n, true
		}
		if atStart && line[0] == '.' {
			line = line[1:]
		}
		atStart = err == nil
		n += int64(len(line))
		if !k.discard {
			body.Write(line)
		}
	}
}

func parseBDAT(arg string) (int, bool) {
	f := strings.Fields(arg)
	n, _ := strconv.Atoi(f[0])
	return n, len(f) > 1 && strings.EqualFold(f[1], "LAST")
}
