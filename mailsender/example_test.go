// SPDX-License-Identifier: Apache-2.0

package mailsender_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/mailwright/mailwright/mailsender"
	"github.com/mailwright/mailwright/smtpclient"
)

// The classic set-up: submission with STARTTLS and a password.
func ExampleSender_Send() {
	s := &mailsender.Sender{
		Host:     "smtp.example.com",
		TLS:      true, // STARTTLS on port 587
		Username: "alice@example.com",
		Password: "app-password",
	}
	res, err := s.Send(context.Background(), &mailsender.Message{
		From:     "alice@example.com",
		FromName: "Alice",
		To:       []string{"bob@example.org"},
		Subject:  "Hello",
		Body:     "Hi Bob!",
	})
	var se *smtpclient.Error
	switch {
	case errors.As(err, &se) && se.Code == 530:
		log.Fatal("the server wants TLS: ", err)
	case err != nil:
		log.Fatal(err)
	}
	fmt.Println(res.Reply, res.TLS)
}

// SendCertified signs with DKIM; the key may come from a PEM file or, as
// with classic components, from a .pfx file with its password.
func ExampleSender_SendCertified() {
	s := &mailsender.Sender{Host: "smtp.example.com", SSL: true,
		Username: "alice@example.com", Password: "app-password"}
	d := &mailsender.DKIM{PFXFile: "dkim.pfx", PFXPassword: "pfx-password",
		Domain: "example.com", Selector: "mail2026"}
	_, err := s.SendCertified(context.Background(), &mailsender.Message{
		From: "alice@example.com", To: []string{"bob@example.org"},
		Subject: "Signed", Body: "This message carries a DKIM signature.",
	}, d)
	if err != nil {
		log.Fatal(err)
	}
}

// Compose shows what would be sent, reproducibly when the time, the
// randomness and the Message-ID are fixed.
func ExampleSender_Compose() {
	s := &mailsender.Sender{
		Now:  func() time.Time { return time.Date(2026, 12, 4, 17, 0, 0, 0, time.UTC) },
		Rand: strings.NewReader(strings.Repeat("x", 64)),
	}
	var b bytes.Buffer
	err := s.Compose(&b, &mailsender.Message{
		From:      "Alice <alice@example.com>",
		To:        []string{"bob@example.org"},
		Subject:   "Grüße",
		Body:      "Hi Bob!\n",
		MessageID: "1@example.com",
	}, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(strings.ReplaceAll(b.String(), "\r\n", "\n"))
	// Output:
	// Date: Fri, 04 Dec 2026 17:00:00 +0000
	// From: Alice <alice@example.com>
	// To: bob@example.org
	// Message-ID: <1@example.com>
	// Subject: =?UTF-8?B?R3LDvMOfZQ==?=
	// MIME-Version: 1.0
	// Content-Type: text/plain; charset=utf-8
	// Content-Transfer-Encoding: 7bit
	//
	// Hi Bob!
}
