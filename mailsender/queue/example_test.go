// SPDX-License-Identifier: Apache-2.0

package queue_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/mailwright/mailwright/mailsender/queue"
)

// A spool holds entries until an agent delivers them. Here a deliverer
// that plays the server accepts one recipient and refuses the other for
// good.
func Example() {
	dir, _ := os.MkdirTemp("", "spool")
	defer os.RemoveAll(dir)
	sp, err := queue.Open(dir)
	if err != nil {
		panic(err)
	}
	e := &queue.Entry{
		From:       "app@example.com",
		Recipients: []queue.Recipient{{Addr: "ann@example.net"}, {Addr: "nobody@example.net"}},
		Profile:    queue.Profile{Host: "smtp.example.com", Credential: "env:SMTP_PASSWORD"},
	}
	if _, err := sp.Enqueue(context.Background(), e, strings.NewReader("Subject: hi\r\n\r\nhi\r\n")); err != nil {
		panic(err)
	}

	server := queue.DelivererFunc(func(ctx context.Context, e *queue.Entry, rcpts []string, msg io.Reader) queue.Outcome {
		io.Copy(io.Discard, msg)
		return queue.Outcome{Recipients: map[string]queue.Reply{
			"ann@example.net":    {Code: 250, Enhanced: "2.0.0", Text: "queued"},
			"nobody@example.net": {Code: 550, Enhanced: "5.1.1", Text: "no such user"},
		}}
	})
	a := &queue.Agent{Spool: sp, Deliver: server, Finished: func(e *queue.Entry) {
		for _, r := range e.Recipients {
			fmt.Printf("%s: %s (%s)\n", r.Addr, r.State, r.LastReply)
		}
	}}
	a.Drain(context.Background())
	failed, _ := sp.IDs(true)
	fmt.Println("entries in failed/:", len(failed))
	// Output:
	// ann@example.net: delivered (250 2.0.0 queued)
	// nobody@example.net: failed (550 5.1.1 no such user)
	// entries in failed/: 1
}

// A Router delivers SMTP entries and entries for the Gmail API or
// Microsoft Graph with one agent. Here a loopback server plays the Gmail
// API; the token comes from the credential the profile names.
func ExampleRouter() {
	gmail := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		fmt.Println("request:", r.Method, r.URL.Path, r.Header.Get("Authorization"))
		io.WriteString(w, `{"id":"18c1f00d","threadId":"18c1f00e"}`)
	}))
	defer gmail.Close()
	os.Setenv("EXAMPLE_GMAIL_TOKEN", "[oauth]ya29.example")
	dir, _ := os.MkdirTemp("", "spool")
	defer os.RemoveAll(dir)
	sp, err := queue.Open(dir)
	if err != nil {
		panic(err)
	}
	e := &queue.Entry{
		From:       "app@example.com",
		Recipients: []queue.Recipient{{Addr: "ann@example.net"}},
		Profile: queue.Profile{Host: "Google API", API: queue.APIGmail, Endpoint: gmail.URL,
			Credential: "env:EXAMPLE_GMAIL_TOKEN"},
	}
	msg := "From: app@example.com\r\nTo: ann@example.net\r\nSubject: hi\r\n\r\nhi\r\n"
	if _, err := sp.Enqueue(context.Background(), e, strings.NewReader(msg)); err != nil {
		panic(err)
	}

	d := &queue.Router{SMTP: &queue.SMTP{}, API: &queue.API{}}
	defer d.Close(context.Background())
	a := &queue.Agent{Spool: sp, Deliver: d, Finished: func(e *queue.Entry) {
		for _, r := range e.Recipients {
			fmt.Printf("%s: %s (%s)\n", r.Addr, r.State, r.LastReply)
		}
	}}
	a.Drain(context.Background())
	// Output:
	// request: POST /gmail/v1/users/me/messages/send Bearer ya29.example
	// ann@example.net: delivered (200 sent through the Gmail API as message 18c1f00d in thread 18c1f00e)
}
