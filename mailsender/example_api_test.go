// SPDX-License-Identifier: Apache-2.0

package mailsender_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/mailwright/mailwright/mailsender"
	"github.com/mailwright/mailwright/oauthgmail"
)

// Host "Google API", as the classic component names it, sends through the
// Gmail API's users.messages.send instead of SMTP. Here an in-process
// server plays Gmail; without Sender.API the real endpoint is used.
func ExampleSender_Send_gmailAPI() {
	gmail := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Raw string }
		json.NewDecoder(r.Body).Decode(&req)
		msg, _ := oauthgmail.DecodeRaw(req.Raw)
		fmt.Println(r.URL.Path, r.Header.Get("Authorization") != "",
			strings.Contains(string(msg), "\r\nSubject: Hello\r\n"))
		io.WriteString(w, `{"id":"18c1f00d","threadId":"18c1f00e"}`)
	}))
	defer gmail.Close()

	s := &mailsender.Sender{
		Host:     "Google API",
		Password: "[oauth]ya29.access-token", // or TokenSource, renewed as needed
		API:      &mailsender.APIOptions{Endpoint: gmail.URL},
	}
	res, err := s.Send(context.Background(), &mailsender.Message{
		From:    "alice@example.com",
		To:      []string{"bob@example.org"},
		Subject: "Hello",
		Body:    "Hi Bob!",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.API, res.APIMessageID, res.ThreadID)
	// Output:
	// /gmail/v1/users/me/messages/send true true
	// gmail 18c1f00d 18c1f00e
}

// A TokenSource over a token store (made with "mailwright token") renews
// the access token before it expires and once more when the server
// refuses it. It serves SMTP XOAUTH2 and, with Host "Microsoft Graph", a
// Microsoft 365 account whose SMTP AUTH is switched off.
func ExampleSender_TokenSource() {
	ts := oauthgmail.NewTokenSource(&oauthgmail.Store{Path: "/var/lib/app/m365-token.json"}, nil)
	s := &mailsender.Sender{Host: "Microsoft Graph", TokenSource: ts}
	_, err := s.Send(context.Background(), &mailsender.Message{
		From:    "alice@contoso.example",
		To:      []string{"bob@example.org"},
		Subject: "Hello",
		Body:    "Hi Bob!",
	})
	if err != nil {
		log.Fatal(err)
	}

	// The same token store for SMTP submission with XOAUTH2.
	s = &mailsender.Sender{Host: "smtp.office365.com", TLS: true,
		Username: "alice@contoso.example", TokenSource: ts}
	_, err = s.Send(context.Background(), &mailsender.Message{
		From: "alice@contoso.example", To: []string{"bob@example.org"}, Subject: "Hi"})
	if err != nil {
		log.Fatal(err)
	}
}
