// SPDX-License-Identifier: Apache-2.0

package replay

import (
	"bufio"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
)

const d1 = `# RFC 5321 D.1, shortened
S: 220 foo.com Simple Mail Transfer Service Ready
C: EHLO <hostname>
S: 250-foo.com greets bar.com
S: 250 8BITMIME
C: MAIL FROM:<Smith@bar.com>
S: 250 OK
C: DATA
S: 354 Start mail input; end with <CRLF>.<CRLF>
C: <data>
S: 250 OK
C: QUIT
S: 221 foo.com Service closing transmission channel
`

func mustParse(t *testing.T, s string) *Transcript {
	t.Helper()
	tr, err := Parse(t.Name(), strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// dialogue dials addr and writes each client string after reading the
// server's lines until one without a hyphen continuation.
func dialogue(t *testing.T, conn net.Conn, writes ...string) []string {
	t.Helper()
	br := bufio.NewReader(conn)
	var got []string
	readReply := func() {
		for {
			l, err := br.ReadString('\n')
			if err != nil {
				return
			}
			got = append(got, strings.TrimRight(l, "\r\n"))
			if len(l) < 4 || l[3] != '-' {
				return
			}
		}
	}
	readReply()
	for _, w := range writes {
		io.WriteString(conn, w)
		if strings.HasSuffix(w, ".\r\n") || !strings.Contains(w, "\r\n.") {
			readReply()
		}
	}
	return got
}

func TestReplayMatches(t *testing.T) {
	tr := mustParse(t, d1)
	addr, wait, err := Listen(&Server{Transcript: tr})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	got := dialogue(t, conn, "EHLO bar.com\r\n", "MAIL FROM:<Smith@bar.com>\r\n", "DATA\r\n",
		"Subject: x\r\n\r\n..dot\r\n.\r\n", "QUIT\r\n")
	conn.Close()
	res := wait()
	if res.Err != nil {
		t.Fatalf("Err = %v, want nil", res.Err)
	}
	if len(res.Data) != 1 || string(res.Data[0]) != "Subject: x\r\n\r\n..dot\r\n" {
		t.Errorf("Data = %q, want the stuffed message text", res.Data)
	}
	if got[len(got)-1] != "221 foo.com Service closing transmission channel" {
		t.Errorf("last reply = %q", got[len(got)-1])
	}
}

func TestReplayReportsMismatch(t *testing.T) {
	tr := mustParse(t, d1)
	addr, wait, _ := Listen(&Server{Transcript: tr})
	conn, _ := net.Dial("tcp", addr)
	dialogue(t, conn, "EHLO bar.com\r\n", "MAIL FROM:<Other@bar.com>\r\n")
	conn.Close()
	var m *Mismatch
	if err := wait().Err; !errors.As(err, &m) || m.Line != 6 || m.Received != "MAIL FROM:<Other@bar.com>" {
		t.Fatalf("Err = %v, want a mismatch at line 6 naming the received line", err)
	}
}

func TestReplayStartTLSAndBDAT(t *testing.T) {
	cert, pool, err := TestCertificate("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	tr := mustParse(t, `S: 220 hi
C: STARTTLS
S: 220 go ahead
@starttls
C: BDAT 5 LAST
S: 250 ok
`)
	addr, wait, _ := Listen(&Server{Transcript: tr, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}})
	conn, _ := net.Dial("tcp", addr)
	br := bufio.NewReader(conn)
	br.ReadString('\n')
	io.WriteString(conn, "STARTTLS\r\n")
	br.ReadString('\n')
	tc := tls.Client(conn, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	io.WriteString(tc, "BDAT 5 LAST\r\nhello")
	line, _ := bufio.NewReader(tc).ReadString('\n')
	tc.Close()
	res := wait()
	if res.Err != nil || !res.TLS || line != "250 ok\r\n" || string(res.Data[0]) != "hello" {
		t.Fatalf("res = %+v, line %q; want TLS, 250 ok and the chunk", res, line)
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{"", "S: 220 x\nbogus line\n", "S: 220\n@nope\n", "S: 220\n@raw unquoted\n"} {
		if _, err := Parse("x", strings.NewReader(in)); err == nil {
			t.Errorf("Parse(%q) = nil error, want an error", in)
		}
	}
}

func TestPlaceholders(t *testing.T) {
	for _, c := range []struct {
		pat, line string
		want      bool
	}{
		{"AUTH PLAIN <b64>", "AUTH PLAIN AHVzZXIAcGFzcw==", true},
		{"AUTH PLAIN <b64>", "AUTH PLAIN not base64!", false},
		{"MAIL FROM:<a@b> SIZE=<num>", "MAIL FROM:<a@b> SIZE=123", true},
		{"MAIL FROM:<a@b> SIZE=<num>", "MAIL FROM:<a@b> SIZE=12x", false},
		{"EHLO <hostname>", "EHLO [127.0.0.1]", true},
		{"RCPT TO:<a.b@c>", "RCPT TO:<aXb@c>", false},
	} {
		s := Step{Op: Expect, Text: c.pat, re: compile(c.pat)}
		if got := s.Match(c.line); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.pat, c.line, got, c.want)
		}
	}
}
