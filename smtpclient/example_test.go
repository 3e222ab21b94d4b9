// SPDX-License-Identifier: Apache-2.0

package smtpclient_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/mailwright/mailwright/smtpclient"
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
