// SPDX-License-Identifier: Apache-2.0

package queue_test

import (
	"context"
	"fmt"
	"io"
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
