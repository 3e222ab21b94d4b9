// SPDX-License-Identifier: Apache-2.0

package dkim_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"strings"
	"time"

	"github.com/mailwright/mailwright/dkim"
)

// The Ed25519 key of RFC 8463 Appendix A.1, in its raw form.
const rfc8463Seed = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A="

const message = "From: Joe SixPack <joe@football.example.com>\r\n" +
	"To: Suzie Q <suzie@shopping.example.net>\r\n" +
	"Subject: Is dinner ready?\r\n" +
	"Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n" +
	"Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n" +
	"\r\n" +
	"Hi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n"

// A Signer is written the message and closed; its signature field then
// goes in front of the message.
func ExampleNewSigner() {
	key, err := dkim.LoadKey([]byte(rfc8463Seed))
	if err != nil {
		log.Fatal(err)
	}
	s, err := dkim.NewSigner(&dkim.SignOptions{
		Domain:   "football.example.com",
		Selector: "brisbane",
		Signer:   key,
		Now:      func() time.Time { return time.Unix(1528637909, 0) },
	})
	if err != nil {
		log.Fatal(err)
	}
	io.WriteString(s, message)
	if err := s.Close(); err != nil {
		log.Fatal(err)
	}
	// The field ends in CRLF, as do its folded lines.
	fmt.Print(strings.ReplaceAll(s.Signature(), "\r\n", "\n"))
	// Output:
	// DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;
	//  d=football.example.com; s=brisbane; t=1528637909; h=from:to:subject:date:
	//  message-id; bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=P3nKdE3vb1y7yL
	//  kHzbXh8FEkKkl4xh9yJe62j90fkt/9wuhnDxafDHGMTqFgPNXZDKTQLL2nYcRfxAUIFw8ZBQ==
}

// Sign copies a message with its signature in front, here with a message
// written with LF line endings: the output has CRLF throughout, as signed.
func ExampleSign() {
	key, _ := dkim.LoadKey([]byte(rfc8463Seed))
	var out strings.Builder
	err := dkim.Sign(&out, strings.NewReader("From: a@example.com\nSubject: hi\n\nHello.\n"), &dkim.SignOptions{
		Domain:   "example.com",
		Selector: "s1",
		Signer:   key,
		Now:      func() time.Time { return time.Unix(1700000000, 0) },
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.Count(out.String(), "\r\n"), strings.Count(out.String(), "\n"))
	// Output: 8 8
}

// Record gives the TXT record to publish for a key.
func ExampleRecord() {
	key, _ := dkim.LoadKey([]byte(rfc8463Seed))
	r, err := dkim.Record("brisbane", "football.example.com", key.Public())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Name)
	fmt.Println(r.Value)
	// Output:
	// brisbane._domainkey.football.example.com
	// v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=
}

// The classic component's option bits map to named flags.
func ExampleFlags() {
	flags := dkim.Flags(1 | 2) // SendCertified's "leave out Date and Message-ID"
	fmt.Println(flags&dkim.ExcludeDate != 0, flags&dkim.ExcludeMessageID != 0, flags&dkim.ExcludeFeedbackID != 0)
	// Output: true true false
}

// Verify checks each signature of a message; here the RFC 8463 Appendix
// A.3 message, with its two signatures, against the A.2 records kept in a
// local table instead of DNS.
func ExampleVerify() {
	records := dkim.TXTRecords{
		"brisbane._domainkey.football.example.com": "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
	}
	signed := "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n" +
		" d=football.example.com; i=@football.example.com;\r\n" +
		" q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n" +
		" subject : date : message-id : from : subject : date;\r\n" +
		" bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n" +
		" b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n" +
		" Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==\r\n" + message
	for _, msg := range []string{signed, strings.Replace(signed, "lost", "won", 1)} {
		results, err := dkim.Verify(context.Background(), strings.NewReader(msg),
			&dkim.VerifyOptions{Resolver: records})
		if err != nil {
			log.Fatal(err)
		}
		for _, r := range results {
			fmt.Println(r.Domain, r.Algorithm, r.Err)
		}
	}
	// Output:
	// football.example.com ed25519-sha256 <nil>
	// football.example.com ed25519-sha256 dkim: body hash mismatch
}
