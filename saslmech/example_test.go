// SPDX-License-Identifier: Apache-2.0

package saslmech_test

import (
	"crypto"
	"encoding/base64"
	"errors"
	"fmt"
	"net/smtp"

	"github.com/mailwright/mailwright/saslmech"
)

// The CRAM-MD5 exchange of RFC 2195 section 2.
func ExampleNewCRAMMD5() {
	m := saslmech.NewCRAMMD5("tim", "tanstaaftanstaaf")
	conn := &saslmech.ServerInfo{Host: "postoffice.reston.mci.net", TLS: true}
	if _, err := m.Start(conn); err != nil {
		fmt.Println(err)
		return
	}
	resp, err := m.Next([]byte("<1896.697170952@postoffice.reston.mci.net>"))
	fmt.Printf("%s %v\n", resp, err)
	// Output: tim b913a602c7eda7a495b4e6e7334d3890 <nil>
}

// The SCRAM-SHA-256 exchange of RFC 7677 section 3. The nonce is fixed
// here only to reproduce the published values.
func ExampleSCRAM() {
	m := &saslmech.SCRAM{Hash: crypto.SHA256, Username: "user", Password: "pencil",
		Nonce: "rOprNGfwEbeRWgbNEkqO"}
	conn := &saslmech.ServerInfo{Host: "mail.example.test", TLS: true}
	first, _ := m.Start(conn)
	fmt.Printf("C: %s\n", first)
	final, _ := m.Next([]byte("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0," +
		"s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"))
	fmt.Printf("C: %s\n", final)
	_, err := m.Next([]byte("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="))
	fmt.Println("server verified:", err == nil && m.Finish() == nil)
	// Output:
	// C: n,,n=user,r=rOprNGfwEbeRWgbNEkqO
	// C: c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=
	// server verified: true
}

// Select picks the strongest mechanism both sides allow, and refuses to
// authenticate in clear to a remote host.
func ExampleSelect() {
	creds := saslmech.Credentials{Username: "user@example.test", Password: "secret"}
	offered := []string{"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256"}

	conn := &saslmech.ServerInfo{Host: "mail.example.test", TLS: true, Mechanisms: offered}
	m, _ := saslmech.Select(conn, creds, nil)
	fmt.Println(m.Name())
	m, _ = saslmech.Select(conn, creds, saslmech.ClassicOrder)
	fmt.Println(m.Name())

	noTLS := &saslmech.ServerInfo{Host: "mail.example.test", Mechanisms: offered}
	_, err := saslmech.Select(noTLS, creds, nil)
	fmt.Println(errors.Is(err, saslmech.ErrNoTLS))
	// Output:
	// SCRAM-SHA-256
	// CRAM-MD5
	// true
}

// A refused token: the error challenge is answered with an empty response
// and the decoded status tells the caller to fetch a new token.
func ExampleNewXOAUTH2() {
	m := saslmech.NewXOAUTH2("user@example.com", "ya29.EXAMPLE")
	conn := &saslmech.ServerInfo{Host: "smtp.example.com", TLS: true}
	ir, _ := m.Start(conn)
	fmt.Printf("%q\n", ir)
	ch, _ := base64.StdEncoding.DecodeString("eyJzdGF0dXMiOiI0MDAiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZXhhbXBsZS5jb20vIn0=")
	resp, err := m.Next(ch)
	var oe *saslmech.OAuthError
	if errors.As(err, &oe) {
		fmt.Printf("send %q, then status %s, scope %s\n", resp, oe.Status, oe.Scope)
	}
	// Output:
	// "user=user@example.com\x01auth=Bearer ya29.EXAMPLE\x01\x01"
	// send "", then status 400, scope https://mail.example.com/
}

// With net/smtp the adapter is bound to the host the program dials, and
// gated like every mechanism here.
func ExampleNetSMTPAuth() {
	auth := &saslmech.NetSMTPAuth{
		Mechanism: saslmech.NewSCRAMSHA256("user@example.test", "secret"),
		Host:      "mail.example.test",
	}
	msg := []byte("Subject: hi\r\n\r\nhello\r\n")
	err := smtp.SendMail("mail.example.test:587", auth, "user@example.test",
		[]string{"bob@example.test"}, msg)
	if err != nil {
		fmt.Println(err)
	}
}

// The go-sasl adapter needs the connection facts that go-sasl does not
// pass; a *Client is then given to go-smtp's or go-imap's Auth.
func ExampleClient() {
	c := &saslmech.Client{
		Mechanism: saslmech.NewPlain("", "tim", "tanstaaftanstaaf"),
		Server:    saslmech.ServerInfo{Host: "mail.example.test", TLS: true},
	}
	mech, ir, err := c.Start()
	fmt.Printf("%s %q %v\n", mech, ir, err)
	// Output: PLAIN "\x00tim\x00tanstaaftanstaaf" <nil>
}
