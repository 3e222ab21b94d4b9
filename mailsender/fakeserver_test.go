// SPDX-License-Identifier: Apache-2.0

package mailsender_test

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeServer is a scripted SMTP server on 127.0.0.1 for the tests: it
// answers every command with a fixed reply, which a test may override per
// verb or per recipient, and records what the client sent.
type fakeServer struct {
	t   *testing.T
	ln  net.Listener
	tls *tls.Config // STARTTLS offered when set

	auth string // the AUTH line of EHLO after TLS, if any
	// authHook, when set (under mu), runs the AUTH exchange instead of
	// accepting anything (token_test.go).
	authHook func(mech, initial string, r *bufio.Reader, write func(string))
	replies  map[string]string // verb (or "RCPT <addr>", "DATA-END") -> reply

	mu       sync.Mutex
	conns    int
	lines    []string // commands received, AUTH payloads included
	messages [][]byte // DATA received, dot-stuffing removed
	closed   chan struct{}
	wg       sync.WaitGroup
}

// newFakeServer starts a server; extra maps verbs to replies.
func newFakeServer(t *testing.T, extra map[string]string) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeServer{t: t, ln: ln, auth: "AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2",
		replies: map[string]string{}, closed: make(chan struct{})}
	for k, v := range extra {
		f.replies[k] = v
	}
	go f.serve()
	t.Cleanup(f.close)
	return f
}

func (f *fakeServer) port() int { return f.ln.Addr().(*net.TCPAddr).Port }

func (f *fakeServer) close() {
	f.ln.Close()
	f.wg.Wait()
}

func (f *fakeServer) serve() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.mu.Lock()
		f.conns++
		f.mu.Unlock()
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			f.session(c)
		}()
	}
}

func (f *fakeServer) connections() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.conns
}

func (f *fakeServer) received() [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]byte(nil), f.messages...)
}

func (f *fakeServer) commands() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.lines...)
}

func (f *fakeServer) reply(key, def string) string {
	if r, ok := f.replies[key]; ok {
		return r
	}
	return def
}

func (f *fakeServer) session(c net.Conn) {
	r := bufio.NewReader(c)
	write := func(s string) { c.Write([]byte(s + "\r\n")) }
	write("220 fake.example.test ESMTP")
	secure := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		f.mu.Lock()
		f.lines = append(f.lines, line)
		f.mu.Unlock()
		verb, arg, _ := strings.Cut(line, " ")
		verb = strings.ToUpper(verb)
		switch verb {
		case "EHLO":
			ext := []string{"250-fake.example.test", "250-8BITMIME", "250-ENHANCEDSTATUSCODES"}
			if f.tls != nil && !secure {
				ext = append(ext, "250-STARTTLS")
			}
			write(strings.Join(append(ext, "250 "+f.auth), "\r\n"))
		case "STARTTLS":
			write("220 2.0.0 go ahead")
			tc := tls.Server(c, f.tls)
			if tc.Handshake() != nil {
				return
			}
			c, r, secure = tc, bufio.NewReader(tc), true
		case "AUTH":
			f.authenticate(r, write, arg)
		case "RCPT":
			_, addr, _ := strings.Cut(arg, ":")
			addr = strings.Trim(addr, "<> ")
			write(f.reply("RCPT "+addr, f.reply("RCPT", "250 2.1.5 ok")))
		case "DATA":
			resp := f.reply("DATA", "354 go ahead")
			write(resp)
			if !strings.HasPrefix(resp, "354") {
				if strings.HasPrefix(resp, "421") {
					return
				}
				continue
			}
			f.data(r)
			end := f.reply("DATA-END", "250 2.0.0 Ok: queued as FAKE1")
			write(end)
			if strings.HasPrefix(end, "421") {
				return
			}
		case "QUIT":
			write("221 2.0.0 bye")
			return
		default:
			write(f.reply(verb, "250 2.0.0 ok"))
		}
	}
}

// authenticate accepts any credentials after reading the exchange: one
// challenge for LOGIN and CRAM-MD5, none when PLAIN or XOAUTH2 came with an
// initial response.
func (f *fakeServer) authenticate(r *bufio.Reader, write func(string), arg string) {
	mech, ir, _ := strings.Cut(arg, " ")
	f.mu.Lock()
	hook := f.authHook
	f.mu.Unlock()
	if hook != nil {
		hook(mech, ir, r, write)
		return
	}
	rounds := map[string]int{"PLAIN": 1, "LOGIN": 2, "CRAM-MD5": 1, "XOAUTH2": 1}[strings.ToUpper(mech)]
	if ir != "" {
		rounds--
	}
	for range rounds {
		write("334 " + base64.StdEncoding.EncodeToString([]byte("<1.2@fake.example.test>")))
		l, err := r.ReadString('\n')
		if err != nil {
			return
		}
		f.mu.Lock()
		f.lines = append(f.lines, strings.TrimRight(l, "\r\n"))
		f.mu.Unlock()
	}
	write(f.reply("AUTH", "235 2.7.0 accepted"))
}

func (f *fakeServer) data(r *bufio.Reader) {
	var msg bytes.Buffer
	for {
		l, err := r.ReadBytes('\n')
		if err != nil || string(l) == ".\r\n" {
			break
		}
		msg.Write(bytes.TrimPrefix(l, []byte(".")))
	}
	f.mu.Lock()
	f.messages = append(f.messages, msg.Bytes())
	f.mu.Unlock()
}

// tlsPair makes an RSA certificate for 127.0.0.1 and returns the server's
// config, limited to TLS 1.2 so that the suite is predictable, and a pool
// that trusts it.
func tlsPair(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "fake.example.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	cfg := &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		MaxVersion:   tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
	}
	return cfg, pool
}

// useTLS makes f offer STARTTLS and returns a pool that trusts it.
func (f *fakeServer) useTLS(t *testing.T) *x509.CertPool {
	cfg, pool := tlsPair(t)
	f.mu.Lock()
	f.tls = cfg
	f.mu.Unlock()
	return pool
}
