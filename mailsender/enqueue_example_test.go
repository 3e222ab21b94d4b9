// SPDX-License-Identifier: Apache-2.0

package mailsender_test

import (
	"context"
	"fmt"
	"os"

	"github.com/mailwright/mailwright/mailsender"
	"github.com/mailwright/mailwright/mailsender/queue"
)

// Enqueue stores the composed message with a delivery profile that names
// the credential; an agent (mailwright agent, or queue.Agent with
// Sender.Deliverer) sends it later.
func ExampleSender_Enqueue() {
	dir, _ := os.MkdirTemp("", "outbox")
	defer os.RemoveAll(dir)
	sp, err := queue.Open(dir)
	if err != nil {
		panic(err)
	}
	s := &mailsender.Sender{Host: "smtp.example.com", TLS: true,
		Username: "app@example.com", Password: os.Getenv("SMTP_PASSWORD")}
	m := &mailsender.Message{From: "app@example.com", To: []string{"ann@example.net"},
		Subject: "Your report", Body: "It is ready.\r\n"}
	id, err := s.Enqueue(context.Background(), sp, m,
		&mailsender.EnqueueOptions{Credential: "env:SMTP_PASSWORD"})
	if err != nil {
		panic(err)
	}
	e, _ := sp.Load(id)
	fmt.Println(e.From, "->", e.Recipients[0].Addr, e.Recipients[0].State)
	fmt.Printf("%s:%d %s, %s as %s\n", e.Profile.Host, e.Profile.Port, e.Profile.Security,
		e.Profile.Credential, e.Profile.Username)
	// Output:
	// app@example.com -> ann@example.net pending
	// smtp.example.com:587 starttls, env:SMTP_PASSWORD as app@example.com
}

// A message for the Gmail API is queued like any other; the profile names
// the API and the token store, never a token, and an agent with
// queue.API or queue.Router sends it.
func ExampleSender_Enqueue_gmailAPI() {
	dir, _ := os.MkdirTemp("", "outbox")
	defer os.RemoveAll(dir)
	sp, err := queue.Open(dir)
	if err != nil {
		panic(err)
	}
	s := &mailsender.Sender{Host: "Google API"}
	m := &mailsender.Message{From: "app@example.com", To: []string{"ann@example.net"},
		Bcc: []string{"audit@example.com"}, Subject: "Your report", Body: "It is ready.\r\n"}
	id, err := s.Enqueue(context.Background(), sp, m,
		&mailsender.EnqueueOptions{Credential: "tokenstore:/etc/app/gmail-token.json"})
	if err != nil {
		panic(err)
	}
	e, _ := sp.Load(id)
	fmt.Println(e.Profile.Host, "=", e.Profile.API, "with", e.Profile.Credential)
	for _, r := range e.Recipients {
		fmt.Println(r.Addr, r.State)
	}
	// Output:
	// Google API = gmail with tokenstore:/etc/app/gmail-token.json
	// ann@example.net pending
	// audit@example.com pending
}
