// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
	"sync"
	"time"
)

// demoServer is the small SMTP server "mailwright demo" sends to: loopback
// only, STARTTLS with a throwaway certificate, and AUTH (PLAIN, LOGIN,
// CRAM-MD5) required after TLS, as a submission server would have it
// (RFC 6409, RFC 3207, RFC 4954). It keeps what it receives in memory.
type demoServer struct {
	ln         net.Listener
	tlsConfig  *tls.Config
	caPEM      []byte // the certificate, for the client to trust
	user, pass string

	mu       sync.Mutex
	conns    int
	received []demoMessage
	done     chan struct{}
}

// demoMessage is one message as the server took it in.
type demoMessage struct {
	from string
	to   []string
	data []byte
}

// startDemoServer listens on an ephemeral port of 127.0.0.1.
func startDemoServer(user, pass string) (*demoServer, error) {
	cert, caPEM, err := throwawayCert()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &demoServer{
		ln:        ln,
		tlsConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		caPEM:     caPEM,
		user:      user,
		pass:      pass,
		done:      make(chan struct{}),
	}
	go s.serve()
	return s, nil
}

func (s *demoServer) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func (s *demoServer) close() {
	s.ln.Close()
	<-s.done
}

func (s *demoServer) connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

func (s *demoServer) messages() []demoMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]demoMessage(nil), s.received...)
}

func (s *demoServer) serve() {
	defer close(s.done)
	var wg sync.WaitGroup
	for {
		c, err := s.ln.Accept()
		if err != nil {
			wg.Wait()
			return
		}
		s.mu.Lock()
		s.conns++
		s.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			c.SetDeadline(time.Now().Add(time.Minute))
			(&demoSession{srv: s, conn: c, r: bufio.NewReader(c)}).run()
		}()
	}
}

// throwawayCert makes a self-signed ECDSA certificate for 127.0.0.1 and
// localhost, valid for one day.
func throwawayCert() (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "mailwright demo"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	return cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

// demoSession is one SMTP connection.
type demoSession struct {
	srv    *demoServer
	conn   net.Conn
	r      *bufio.Reader
	tls    bool
	authed bool
	from   string
	to     []string
}

func (d *demoSession) reply(lines ...string) {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l + "\r\n")
	}
	d.conn.Write([]byte(b.String()))
}

func (d *demoSession) readLine() (string, error) {
	l, err := d.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	if len(l) > 2048 {
		return "", errors.New("line too long")
	}
	return strings.TrimRight(l, "\r\n"), nil
}

func (d *demoSession) run() {
	d.reply("220 demo.mailwright.test ESMTP mailwright demo")
	for {
		line, err := d.readLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		if !d.handle(strings.ToUpper(verb), arg) {
			return
		}
	}
}

// handle answers one command; it returns false when the session ends.
func (d *demoSession) handle(verb, arg string) bool {
	switch verb {
	case "EHLO":
		d.ehlo(arg)
	case "HELO":
		d.reply("250 demo.mailwright.test")
	case "STARTTLS":
		return d.startTLS()
	case "AUTH":
		d.auth(arg)
	case "MAIL":
		d.mail(arg)
	case "RCPT":
		d.rcpt(arg)
	case "DATA":
		return d.data()
	case "RSET":
		d.from, d.to = "", nil
		d.reply("250 2.0.0 Ok")
	case "NOOP":
		d.reply("250 2.0.0 Ok")
	case "QUIT":
		d.reply("221 2.0.0 Bye")
		return false
	default:
		d.reply("502 5.5.2 Command not recognized")
	}
	return true
}

func (d *demoSession) ehlo(name string) {
	if name == "" {
		d.reply("501 5.5.4 EHLO needs a domain")
		return
	}
	lines := []string{"250-demo.mailwright.test greets " + name, "250-PIPELINING", "250-8BITMIME"}
	if d.tls {
		lines = append(lines, "250-AUTH PLAIN LOGIN CRAM-MD5")
	} else {
		lines = append(lines, "250-STARTTLS")
	}
	d.from, d.to = "", nil
	d.reply(append(lines, "250 ENHANCEDSTATUSCODES")...)
}

func (d *demoSession) startTLS() bool {
	if d.tls {
		d.reply("503 5.5.1 TLS already active")
		return true
	}
	d.reply("220 2.0.0 Ready to start TLS")
	if d.r.Buffered() > 0 {
		return false // a client that pipelines past STARTTLS is not to be trusted
	}
	tc := tls.Server(d.conn, d.srv.tlsConfig)
	if err := tc.Handshake(); err != nil {
		return false
	}
	d.conn, d.r, d.tls, d.authed = tc, bufio.NewReader(tc), true, false
	d.from, d.to = "", nil
	return true
}

func (d *demoSession) auth(arg string) {
	mech, ir, _ := strings.Cut(arg, " ")
	switch {
	case !d.tls:
		d.reply("530 5.7.0 Must issue a STARTTLS command first")
		return
	case d.authed:
		d.reply("503 5.5.1 Already authenticated")
		return
	}
	var user, pass string
	var ok bool
	switch strings.ToUpper(mech) {
	case "PLAIN":
		user, pass, ok = d.plain(ir)
	case "LOGIN":
		user, pass, ok = d.login(ir)
	case "CRAM-MD5":
		ok = d.cramMD5()
		user, pass = d.srv.user, d.srv.pass
	default:
		d.reply("504 5.5.4 Unrecognized authentication type")
		return
	}
	if ok && user == d.srv.user && pass == d.srv.pass {
		d.authed = true
		d.reply("235 2.7.0 Authentication successful")
		return
	}
	d.reply("535 5.7.8 Authentication credentials invalid")
}

// challenge sends a 334 challenge and returns the decoded answer.
func (d *demoSession) challenge(c string) (string, bool) {
	d.reply("334 " + base64.StdEncoding.EncodeToString([]byte(c)))
	line, err := d.readLine()
	if err != nil || line == "*" {
		return "", false
	}
	b, err := base64.StdEncoding.DecodeString(line)
	return string(b), err == nil
}

func (d *demoSession) plain(ir string) (string, string, bool) {
	var msg string
	if ir == "" {
		var ok bool
		if msg, ok = d.challenge(""); !ok {
			return "", "", false
		}
	} else {
		b, err := base64.StdEncoding.DecodeString(ir)
		if err != nil {
			return "", "", false
		}
		msg = string(b)
	}
	f := strings.Split(msg, "\x00")
	if len(f) != 3 {
		return "", "", false
	}
	return f[1], f[2], true
}

func (d *demoSession) login(ir string) (string, string, bool) {
	user, ok := "", true
	if ir != "" {
		b, err := base64.StdEncoding.DecodeString(ir)
		user, ok = string(b), err == nil
	} else {
		user, ok = d.challenge("Username:")
	}
	if !ok {
		return "", "", false
	}
	pass, ok := d.challenge("Password:")
	return user, pass, ok
}

func (d *demoSession) cramMD5() bool {
	nonce := fmt.Sprintf("<%d.%d@demo.mailwright.test>", time.Now().UnixNano(), d.srv.port())
	resp, ok := d.challenge(nonce)
	if !ok {
		return false
	}
	user, digest, _ := strings.Cut(resp, " ")
	mac := hmac.New(md5.New, []byte(d.srv.pass))
	mac.Write([]byte(nonce))
	want := hex.EncodeToString(mac.Sum(nil))
	return user == d.srv.user && hmac.Equal([]byte(digest), []byte(want))
}

// path extracts the address of "FROM:<a@b> PARAMS" or "TO:<a@b>".
func path(arg, prefix string) (string, bool) {
	if len(arg) < len(prefix) || !strings.EqualFold(arg[:len(prefix)], prefix) {
		return "", false
	}
	a := strings.TrimSpace(arg[len(prefix):])
	end := strings.IndexByte(a, '>')
	if !strings.HasPrefix(a, "<") || end < 0 {
		return "", false
	}
	return a[1:end], true
}

func (d *demoSession) mail(arg string) {
	switch {
	case !d.tls:
		d.reply("530 5.7.0 Must issue a STARTTLS command first")
	case !d.authed:
		d.reply("530 5.7.0 Authentication required")
	case d.from != "":
		d.reply("503 5.5.1 Nested MAIL command")
	default:
		from, ok := path(arg, "FROM:")
		if !ok {
			d.reply("501 5.5.4 Syntax: MAIL FROM:<address>")
			return
		}
		d.from, d.to = from, nil
		d.reply("250 2.1.0 Ok")
	}
}

func (d *demoSession) rcpt(arg string) {
	if d.from == "" {
		d.reply("503 5.5.1 Need MAIL command")
		return
	}
	to, ok := path(arg, "TO:")
	if !ok || !strings.Contains(to, "@") {
		d.reply("501 5.1.3 Bad recipient address syntax")
		return
	}
	d.to = append(d.to, to)
	d.reply("250 2.1.5 Ok")
}

// data reads the message up to the lone dot and removes dot-stuffing
// (RFC 5321 §4.5.2).
func (d *demoSession) data() bool {
	if len(d.to) == 0 {
		d.reply("503 5.5.1 Need RCPT command")
		return true
	}
	d.reply("354 End data with <CR><LF>.<CR><LF>")
	var msg bytes.Buffer
	for {
		line, err := d.r.ReadBytes('\n')
		if err != nil {
			return false
		}
		if string(line) == ".\r\n" {
			break
		}
		msg.Write(bytes.TrimPrefix(line, []byte(".")))
	}
	d.srv.mu.Lock()
	d.srv.received = append(d.srv.received, demoMessage{from: d.from, to: d.to, data: msg.Bytes()})
	n := len(d.srv.received)
	d.srv.mu.Unlock()
	d.from, d.to = "", nil
	d.reply(fmt.Sprintf("250 2.0.0 Ok: queued as DEMO%d", n))
	return true
}
