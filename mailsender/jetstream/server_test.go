// SPDX-License-Identifier: Apache-2.0

package jetstream

import (
	"bufio"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// runServer starts a JetStream server on loopback inside the test process.
func runServer(t *testing.T, opts *server.Options) *server.Server {
	t.Helper()
	opts.Host = "127.0.0.1"
	if opts.Port == 0 {
		opts.Port = -1
	}
	opts.JetStream = true
	opts.NoLog, opts.NoSigs = true, true
	if opts.StoreDir == "" {
		opts.StoreDir = t.TempDir()
	}
	s, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server not ready")
	}
	t.Cleanup(s.Shutdown)
	return s
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// runCluster starts three JetStream servers routed to each other.
func runCluster(t *testing.T) []*server.Server {
	t.Helper()
	ports := []int{freePort(t), freePort(t), freePort(t)}
	var routes []*url.URL
	for _, p := range ports {
		routes = append(routes, &url.URL{Scheme: "nats", Host: fmt.Sprintf("127.0.0.1:%d", p)})
	}
	var ss []*server.Server
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, p := range ports {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := runServer(t, &server.Options{
				ServerName: fmt.Sprintf("n%d", i+1),
				Cluster:    server.ClusterOpts{Name: "mailwright", Host: "127.0.0.1", Port: p},
				Routes:     routes,
			})
			mu.Lock()
			ss = append(ss, s)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return ss
}

func connect(t *testing.T, urls ...string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(strings.Join(urls, ","), nats.MaxReconnects(-1),
		nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// sink is a loopback SMTP server that records, per recipient, how many
// times each Message-ID arrived.
type sink struct {
	ln     net.Listener
	mu     sync.Mutex
	counts map[string]int // "msgid rcpt" -> deliveries
	bodies map[string][]byte
	reply  func(rcpt string) string // RCPT reply; nil means 250
}

func newSink(t *testing.T) *sink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &sink{ln: ln, counts: map[string]int{}, bodies: map[string][]byte{}}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return s
}

func (s *sink) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	w := func(l string) { fmt.Fprintf(c, "%s\r\n", l) }
	w("220 sink ESMTP")
	var rcpts []string
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			w("250 sink")
		case strings.HasPrefix(cmd, "MAIL"):
			rcpts = nil
			w("250 ok")
		case strings.HasPrefix(cmd, "RCPT"):
			r := strings.Trim(strings.TrimSpace(line[len("RCPT TO:"):]), "<>")
			rep := "250 ok"
			if s.reply != nil {
				rep = s.reply(r)
			}
			if strings.HasPrefix(rep, "250") {
				rcpts = append(rcpts, r)
			}
			w(rep)
		case cmd == "DATA":
			w("354 go")
			var body strings.Builder
			for {
				l, err := br.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				body.WriteString(strings.TrimPrefix(l, "."))
			}
			s.record(rcpts, body.String())
			w("250 queued")
		case cmd == "QUIT":
			w("221 bye")
			return
		default:
			w("250 ok")
		}
	}
}

func (s *sink) record(rcpts []string, body string) {
	id := ""
	for _, l := range strings.Split(body, "\r\n") {
		if v, ok := strings.CutPrefix(l, "Message-ID: "); ok {
			id = v
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range rcpts {
		s.counts[id+" "+r]++
	}
	s.bodies[id] = []byte(body)
}
