// SPDX-License-Identifier: Apache-2.0

package queue

import (
	"bufio"
	"encoding/base64"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// faultSink is a loopback SMTP server that misbehaves on a schedule
// written into the envelope, so that a test knows the right end state of
// every message from its addresses alone.
//
// The local part of MAIL FROM names a fault of the transaction and how
// many attempts suffer it, then a unique message key:
//
//	ok-KEY           no fault
//	mailtemp2-KEY    451 to MAIL FROM on the first 2 attempts
//	mailperm-KEY     550 to MAIL FROM
//	datatemp1-KEY    451 after the data on the first attempt
//	dataperm-KEY     554 after the data
//	stalllost1-KEY   no reply after the data, message dropped
//	stallkept1-KEY   no reply after the data, message kept (delivered)
//	dropmail1-KEY    connection closed on MAIL FROM
//	dropdata1-KEY    connection closed in the middle of the data
//
// The local part of each recipient is ok-…, bad-… (550 5.1.1), or temp2-…,
// full2-…, busy2-… for 450 4.2.1, 452 4.5.3 or 451 4.3.0 on the first two
// RCPTs.
type faultSink struct {
	ln   net.Listener
	wg   sync.WaitGroup
	auth bool // offer AUTH PLAIN and require it
	// good, when set, makes the sink offer XOAUTH2 and accept the access
	// tokens it holds; any other token gets Google's error challenge and
	// then 535 5.7.8.
	good map[string]bool

	mu       sync.Mutex
	attempts map[string]int // MAIL FROM or RCPT address -> times seen
	got      map[string]int // "from|rcpt" -> times delivered
	conns    int
	authed   []string // PLAIN responses seen
}

var faultRe = regexp.MustCompile(`^([a-z]+?)(\d*)-`)

// fault splits an address into its fault name and count.
func fault(addr string) (string, int) {
	m := faultRe.FindStringSubmatch(addr)
	if m == nil {
		return "ok", 0
	}
	n, _ := strconv.Atoi(m[2])
	return m[1], n
}

func startFaultSink(t testing.TB) *faultSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return serveFaultSink(t, ln)
}

func serveFaultSink(t testing.TB, ln net.Listener) *faultSink {
	k := &faultSink{ln: ln, attempts: map[string]int{}, got: map[string]int{}}
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
				defer c.Close()
				k.serve(c)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); k.wg.Wait() })
	return k
}

func (k *faultSink) port() int { return k.ln.Addr().(*net.TCPAddr).Port }

// try counts one more attempt for addr and reports whether it is still
// within the first n.
func (k *faultSink) try(addr string, n int) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.attempts[addr]++
	return k.attempts[addr] <= n
}

func (k *faultSink) count(from, rcpt string) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.got[from+"|"+rcpt]
}

type session struct {
	from     string
	rcpts    []string
	faulty   bool // this attempt of from suffers its fault
	authDone bool
}

// serve runs one SMTP session.
func (k *faultSink) serve(c net.Conn) {
	r := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	reply := func(s string) { w.WriteString(s + "\r\n"); w.Flush() }
	reply("220 sink.test ESMTP")
	var s session
	for {
		c.SetReadDeadline(time.Now().Add(time.Minute))
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimRight(line, "\r\n"))
		arg := strings.TrimRight(line, "\r\n")
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			ext := "250-sink.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
			if k.auth {
				ext += "250-AUTH PLAIN\r\n"
			}
			if k.good != nil {
				ext += "250-AUTH XOAUTH2\r\n"
			}
			reply(ext + "250 ENHANCEDSTATUSCODES")
		case strings.HasPrefix(cmd, "AUTH PLAIN "):
			k.mu.Lock()
			k.authed = append(k.authed, arg[len("AUTH PLAIN "):])
			k.mu.Unlock()
			s.authDone = true
			reply("235 2.7.0 ok")
		case strings.HasPrefix(cmd, "AUTH XOAUTH2 "):
			s.authDone = k.xoauth2(arg[len("AUTH XOAUTH2 "):], r, reply)
		case strings.HasPrefix(cmd, "MAIL FROM:"):
			if !k.mail(&s, arg, reply) {
				return
			}
		case strings.HasPrefix(cmd, "RCPT TO:"):
			k.rcpt(&s, arg, reply)
		case cmd == "DATA":
			if !k.data(&s, r, reply) {
				return
			}
		case cmd == "RSET":
			s = session{authDone: s.authDone}
			reply("250 2.0.0 ok")
		case cmd == "NOOP":
			reply("250 2.0.0 ok")
		case cmd == "QUIT":
			reply("221 2.0.0 bye")
			return
		default:
			reply("502 5.5.1 unknown command")
		}
	}
}

func addrOf(arg string) string {
	i, j := strings.IndexByte(arg, '<'), strings.IndexByte(arg, '>')
	if i < 0 || j < i {
		return ""
	}
	return arg[i+1 : j]
}

func (k *faultSink) mail(s *session, arg string, reply func(string)) bool {
	if (k.auth || k.good != nil) && !s.authDone {
		reply("530 5.7.0 authentication required")
		return true
	}
	s.from, s.rcpts = addrOf(arg), nil
	name, n := fault(s.from)
	s.faulty = n == 0 || k.try(s.from, n)
	switch {
	case name == "mailtemp" && s.faulty:
		reply("451 4.3.0 try again later")
		s.from = ""
	case name == "mailperm":
		reply("550 5.7.1 sender refused")
		s.from = ""
	case name == "dropmail" && s.faulty:
		return false
	default:
		reply("250 2.1.0 ok")
	}
	return true
}

func (k *faultSink) rcpt(s *session, arg string, reply func(string)) {
	a := addrOf(arg)
	name, n := fault(a)
	switch {
	case s.from == "":
		reply("503 5.5.1 need MAIL first")
	case name == "bad":
		reply("550 5.1.1 no such user")
	case name == "temp" && k.try(s.from+"|"+a, n):
		reply("450 4.2.1 mailbox busy")
	case name == "full" && k.try(s.from+"|"+a, n):
		reply("452 4.5.3 too many recipients")
	case name == "busy" && k.try(s.from+"|"+a, n):
		reply("451 4.3.0 local error")
	default:
		s.rcpts = append(s.rcpts, a)
		reply("250 2.1.5 ok")
	}
}

// data reads the message and answers it, or not, as the fault says. It
// reports whether the session goes on.
func (k *faultSink) data(s *session, r *bufio.Reader, reply func(string)) bool {
	if s.from == "" || len(s.rcpts) == 0 {
		reply("554 5.5.1 no valid recipients")
		return true
	}
	reply("354 go ahead")
	name, _ := fault(s.from)
	lines := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return false
		}
		if line == ".\r\n" {
			break
		}
		if lines++; lines == 2 && name == "dropdata" && s.faulty {
			return false
		}
	}
	from, rcpts := s.from, s.rcpts
	s.from, s.rcpts = "", nil
	switch {
	case name == "datatemp" && s.faulty:
		reply("451 4.3.0 local error")
	case name == "dataperm":
		reply("554 5.6.0 content refused")
	case name == "stalllost" && s.faulty:
		r.ReadString('\n') // wait for the client to give up
		return false
	case name == "stallkept" && s.faulty:
		k.deliver(from, rcpts)
		r.ReadString('\n')
		return false
	default:
		k.deliver(from, rcpts)
		reply("250 2.0.0 queued")
	}
	return true
}

func (k *faultSink) deliver(from string, rcpts []string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, a := range rcpts {
		k.got[from+"|"+a]++
	}
}

// xoauth2 answers one XOAUTH2 exchange the way Gmail does: 235 for a good
// token, else a 334 JSON error challenge, the client's empty response,
// and 535 5.7.8.
func (k *faultSink) xoauth2(ir string, r *bufio.Reader, reply func(string)) bool {
	raw, _ := base64.StdEncoding.DecodeString(ir)
	_, tok, _ := strings.Cut(string(raw), "auth=Bearer ")
	tok, _, _ = strings.Cut(tok, "\x01")
	k.mu.Lock()
	k.authed = append(k.authed, tok)
	ok := k.good[tok]
	k.mu.Unlock()
	if ok {
		reply("235 2.7.0 Accepted")
		return true
	}
	reply("334 " + base64.StdEncoding.EncodeToString(
		[]byte(`{"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}`)))
	r.ReadString('\n')
	reply("535-5.7.8 Username and Password not accepted.\r\n535 5.7.8 https://support.google.com/mail/?p=BadCredentials")
	return false
}
