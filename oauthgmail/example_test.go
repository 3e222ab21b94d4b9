// SPDX-License-Identifier: Apache-2.0

package oauthgmail_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/mailwright/mailwright/oauthgmail"
)

func ExampleIsOAuthPassword() {
	for _, p := range []string{"[OAuth]ya29.a0AfB_example", "hunter2"} {
		tok, ok := oauthgmail.IsOAuthPassword(p)
		fmt.Printf("%q %v\n", tok, ok)
	}
	// Output:
	// "ya29.a0AfB_example" true
	// "" false
}

// The S256 challenge of RFC 7636 Appendix B.
func ExampleChallenge() {
	fmt.Println(oauthgmail.Challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"))
	// Output: E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM
}

func ExampleClient_AuthCodeURL() {
	c := &oauthgmail.Client{
		Provider:    oauthgmail.Google(),
		ClientID:    "1234.apps.googleusercontent.com",
		RedirectURL: "http://127.0.0.1:8080/",
		// Zero bytes make the output fixed (the challenge was checked with
		// Python hashlib); leave Rand nil in real code for crypto/rand.
		Rand: bytes.NewReader(make([]byte, 48)),
	}
	ar, err := c.AuthCodeURL()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.ReplaceAll(ar.URL, "&", "\n  &"))
	// Output:
	// https://accounts.google.com/o/oauth2/auth?access_type=offline
	//   &client_id=1234.apps.googleusercontent.com
	//   &code_challenge=DwBzhbb51LfusnSGBa_hqYSgo7-j8BTQnip4TOnlzRo
	//   &code_challenge_method=S256
	//   &prompt=consent
	//   &redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2F
	//   &response_type=code
	//   &scope=https%3A%2F%2Fmail.google.com%2F
	//   &state=AAAAAAAAAAAAAAAAAAAAAA
}

func ExampleParseClassic() {
	file := "1//0gExampleRefresh\r\nya29.a0AfB_exampleAccess\r\n2026-12-04 11:30:00\r\n"
	r, err := oauthgmail.ParseClassic("token.txt", strings.NewReader(file), time.UTC)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.RefreshToken, r.AccessToken, r.Expiry)
	// Output: 1//0gExampleRefresh ya29.a0AfB_exampleAccess 2026-12-04 11:30:00 +0000 UTC
}

// A TokenSource over a token file renews the access token and saves each
// new or rotated token; give it to a sender, or to mailsender for XOAUTH2.
func ExampleTokenSource() {
	ts := oauthgmail.NewTokenSource(&oauthgmail.Store{Path: "/home/me/.config/mail/gmail.json"}, nil)
	s := oauthgmail.NewGmailSender(ts, nil)
	_ = s // s.Send(ctx, message)
}

func ExampleGmailSender_Send() {
	// A stand-in for gmail.googleapis.com.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Printf("%s %s\n%s\n", r.Method, r.URL.Path, body)
		fmt.Fprint(w, `{"id":"18c1f3a9b2e4d5f6","threadId":"18c1f3a9b2e4d5f6","labelIds":["SENT"]}`)
	}))
	defer srv.Close()

	ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "ya29.example"})
	s := oauthgmail.NewGmailSender(ts, &oauthgmail.GmailOptions{Endpoint: srv.URL})
	res, err := s.Send(context.Background(), strings.NewReader("Subject: Hi?\r\n\r\n>>>?"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("sent", res.ID, "in thread", res.ThreadID)
	// Output:
	// POST /gmail/v1/users/me/messages/send
	// {"raw":"U3ViamVjdDogSGk_DQoNCj4-Pj8="}
	// sent 18c1f3a9b2e4d5f6 in thread 18c1f3a9b2e4d5f6
}

func ExampleAPIHost() {
	for _, host := range []string{"Google API", "Microsoft Graph", "smtp.gmail.com"} {
		service, ok := oauthgmail.APIHost(host)
		fmt.Printf("%q: %q %v\n", host, service, ok)
	}
	// Output:
	// "Google API": "gmail" true
	// "Microsoft Graph": "graph" true
	// "smtp.gmail.com": "" false
}
