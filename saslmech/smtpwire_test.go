// SPDX-License-Identifier: Apache-2.0

package saslmech

import (
	"bufio"
	"net"
	"strings"
	"sync"
)

// fakeSMTP is a minimal SMTP server for net/smtp tests: greeting, EHLO
// with the given AUTH list, AUTH handed to a fake SASL server, QUIT. It
// records every line the client writes.
type fakeSMTP struct {
	mu    sync.Mutex
	lines []string
}

func (s *fakeSMTP) record(l string) {
	s.mu.Lock()
	s.lines = append(s.lines, l)
	s.mu.Unlock()
}

// Lines returns what the client sent.
func (s *fakeSMTP) Lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.lines...)
}

func (s *fakeSMTP) serve(conn net.Conn, mechs string, f *fake) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	w := func(l string) { conn.Write([]byte(l + "\r\n")) }
	w("220 mail.example.test ESMTP")
	inAuth := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		s.record(line)
		upper := strings.ToUpper(line)
		switch {
		case inAuth || strings.HasPrefix(upper, "AUTH "):
			code, text, _ := f.conv(line)
			inAuth = code == 334
			w(strconvItoa(code) + " " + text)
		case strings.HasPrefix(upper, "EHLO"):
			w("250-mail.example.test")
			w("250 AUTH " + mechs)
		case upper == "QUIT":
			w("221 2.0.0 Bye")
			return
		default:
			w("502 5.5.2 Error: command not recognized")
		}
	}
}

func strconvItoa(n int) string {
	return string([]byte{byte('0' + n/100), byte('0' + n/10%10), byte('0' + n%10)})
}
