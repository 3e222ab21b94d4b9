// SPDX-License-Identifier: Apache-2.0

package mailsender_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/mailwright/mailwright/mailsender"
)

// sink is the smallest SMTP server that accepts everything: it answers
// each command line from a fixed table and throws the message data away,
// so that a benchmark measures the client.
func sink(b testing.TB) int {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go sinkSession(c)
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

func sinkSession(c net.Conn) {
	defer c.Close()
	r := bufio.NewReaderSize(c, 64<<10)
	io.WriteString(c, "220 sink\r\n")
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return
		}
		verb := strings.ToUpper(string(bytes.Fields(line)[0]))
		switch verb {
		case "EHLO":
			io.WriteString(c, "250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 0\r\n")
		case "DATA":
			io.WriteString(c, "354 go\r\n")
			for {
				l, err := r.ReadSlice('\n')
				if err != nil && err != bufio.ErrBufferFull {
					return
				}
				if string(l) == ".\r\n" {
					break
				}
			}
			io.WriteString(c, "250 2.0.0 taken\r\n")
		case "QUIT":
			io.WriteString(c, "221 bye\r\n")
			return
		default:
			io.WriteString(c, "250 ok\r\n")
		}
	}
}

// BenchmarkSendCertified composes, DKIM-signs (RSA-2048, relaxed) and
// sends a message with one attachment of each size over loopback. The
// bytes allocated per send should not grow with the attachment: the
// message is streamed through the spool, never held whole.
func BenchmarkSendCertified(b *testing.B) {
	key := testKey(b)
	for _, size := range []int{10 << 10, 1 << 20, 8 << 20} {
		b.Run(fmt.Sprintf("attach=%dKiB", size>>10), func(b *testing.B) {
			s := &mailsender.Sender{Host: "127.0.0.1", Port: sink(b), SpoolDir: b.TempDir()}
			d := &mailsender.DKIM{Signer: key, Domain: "example.test", Selector: "sel"}
			data := bytes.Repeat([]byte("mailwright benchmark data 0123456789\n"), size/37+1)[:size]
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				m := message()
				m.Attachments = []mailsender.Attachment{{Content: bytes.NewReader(data),
					Name: "data.bin", ContentType: "application/octet-stream"}}
				if _, err := s.SendCertified(context.Background(), m, d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
