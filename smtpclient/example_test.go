// SPDX-License-Identifier: Apache-2.0

package smtpclient_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/mailwright/mailwright/saslmech"
	"github.com/mailwright/mailwright/smtpclient"
	"github.com/mailwright/mailwright/tlsprofile"
)

// Send one message through a submission server with STARTTLS, which the
// zero Options require and verify.
func ExampleDial() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := smtpclient.Dial(ctx, "smtp.example.com:587", &smtpclient.Options{LocalName: "client.example.com"})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	msg := "From: a@example.com\r\nTo: b@example.org\r\nSubject: hi\r\n\r\nHello.\r\n"
	res, err := c.SendMail(ctx, "a@example.com", []string{"b@example.org"}, strings.NewReader(msg), nil)
	var se *smtpclient.Error
	switch {
	case errors.As(err, &se) && se.Temporary():
		log.Printf("try again later: %v", err)
	case err != nil:
		log.Fatal(err)
	default:
		fmt.Println(res.Reply.Message)
	}
	c.Quit(ctx)
}

func ExampleError() {
	err := &smtpclient.Error{Command: "RCPT TO", Code: 550,
		EnhancedCode: smtpclient.EnhancedCode{5, 7, 1}, Message: "Relaying denied"}
	fmt.Println(err)
	fmt.Println(err.Permanent())
	// Output:
	// RCPT TO rejected: 550 5.7.1 Relaying denied
	// true
}

// exampleServer runs a tiny SMTP server on loopback for the examples: it
// offers PIPELINING and CHUNKING and accepts one message.
func exampleServer() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		defer ln.Close()
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		br := bufio.NewReader(conn)
		io.WriteString(conn, "220 mx.example.net ESMTP\r\n")
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			f := strings.Fields(line)
			switch strings.ToUpper(f[0]) {
			case "EHLO":
				io.WriteString(conn, "250-mx.example.net\r\n250-PIPELINING\r\n250 CHUNKING\r\n")
			case "MAIL", "RCPT":
				io.WriteString(conn, "250 2.1.0 ok\r\n")
			case "BDAT":
				n, _ := strconv.Atoi(f[1])
				io.CopyN(io.Discard, br, int64(n))
				io.WriteString(conn, "250 2.0.0 queued as 7F3A\r\n")
			case "QUIT":
				io.WriteString(conn, "221 2.0.0 bye\r\n")
				return
			}
		}
	}()
	return ln.Addr().String()
}

// The trace shows a message travelling with its envelope in one write and
// one round trip (PIPELINING and CHUNKING). This server offers no TLS, so
// the example chooses the None policy; never do that on the Internet.
func ExampleClient_SendMail() {
	ctx := context.Background()
	c, err := smtpclient.Dial(ctx, exampleServer(), &smtpclient.Options{
		LocalName: "client.example.com",
		TLSPolicy: tlsprofile.None,
		Trace:     os.Stdout,
	})
	if err != nil {
		log.Fatal(err)
	}
	msg := "From: a@example.com\r\nTo: b@example.org\r\nSubject: hi\r\n\r\nHello.\r\n"
	res, err := c.SendMail(ctx, "a@example.com", []string{"b@example.org"}, strings.NewReader(msg), nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("queued:", res.Reply.Message)
	c.Quit(ctx)
	// Output:
	// S: 220 mx.example.net ESMTP
	// C: EHLO client.example.com
	// S: 250-mx.example.net
	// S: 250-PIPELINING
	// S: 250 CHUNKING
	// C: MAIL FROM:<a@example.com>
	// C: RCPT TO:<b@example.org>
	// C: BDAT 63 LAST
	// C: [message body, 63 octets in BDAT chunks]
	// S: 250 2.1.0 ok
	// S: 250 2.1.0 ok
	// S: 250 2.0.0 queued as 7F3A
	// queued: queued as 7F3A
	// C: QUIT
	// S: 221 2.0.0 bye
}

// A Pool shares a few connections between many goroutines and replaces
// connections the server dropped.
func ExamplePool() {
	pool := &smtpclient.Pool{
		MaxConns: 4,
		Dial: func(ctx context.Context) (*smtpclient.Client, error) {
			c, err := smtpclient.DialTLS(ctx, "smtp.example.com:465", nil)
			if err != nil {
				return nil, err
			}
			auth := saslmech.NewPlain("", "user@example.com", "app password")
			if err := c.Auth(ctx, auth); err != nil {
				c.Close()
				return nil, err
			}
			return c, nil
		},
	}
	defer pool.Close(context.Background())
	msg := "From: user@example.com\r\nTo: b@example.org\r\nSubject: hi\r\n\r\nHello.\r\n"
	_, err := pool.SendMail(context.Background(), "user@example.com", []string{"b@example.org"},
		strings.NewReader(msg), nil)
	if err != nil {
		log.Print(err)
	}
}
