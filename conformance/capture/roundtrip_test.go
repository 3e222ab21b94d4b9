// SPDX-License-Identifier: Apache-2.0

package capture

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/mailwright/mailwright/conformance/replay"
	"github.com/mailwright/mailwright/saslmech"
	"github.com/mailwright/mailwright/smtpclient"
	"github.com/mailwright/mailwright/tlsprofile"
)

// serverDialogue is a Postfix-shaped dialogue for the round trip: STARTTLS, AUTH
// PLAIN, a pipelined envelope and DATA.
const serverDialogue = `source: round trip
S: 220 mail.example.test ESMTP Postfix
C: EHLO client.example.test
S: 250-mail.example.test
S: 250-PIPELINING
S: 250-SIZE 20480000
S: 250-STARTTLS
S: 250 8BITMIME
C: STARTTLS
S: 220 2.0.0 Ready to start TLS
@starttls
C: EHLO client.example.test
S: 250-mail.example.test
S: 250-PIPELINING
S: 250-SIZE 20480000
S: 250-AUTH PLAIN LOGIN
S: 250 8BITMIME
C: AUTH PLAIN <b64>
S: 235 2.7.0 Authentication successful
C: MAIL FROM:<sam.sender@example.test> SIZE=<num>
C: RCPT TO:<bob@example.test>
C: DATA
S: 250 2.1.0 Ok
S: 250 2.1.5 Ok
S: 354 End data with <CR><LF>.<CR><LF>
C: <data>
S: 250 2.0.0 Ok: queued as 4Fq1xY2z3
C: QUIT
S: 221 2.0.0 Bye
`

// TestRoundTrip captures smtpclient's trace of a session, redacts it, and
// replays the result against a client with other credentials: the
// redacted transcript must describe the same dialogue, and the password
// must not be in it.
func TestRoundTrip(t *testing.T) {
	cert, pool, err := replay.TestCertificate("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := replay.Parse("server", strings.NewReader(serverDialogue))
	if err != nil {
		t.Fatal(err)
	}
	var trace bytes.Buffer
	session(t, tr, cert, pool, "first-Passw0rd", &trace)

	var red bytes.Buffer
	if err := Redact(&red, &trace, &Options{Secrets: []string{"first-Passw0rd"}}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(red.String(), "first-Passw0rd") {
		t.Fatalf("password survived:\n%s", red.String())
	}
	again, err := replay.Parse("redacted", bytes.NewReader(red.Bytes()))
	if err != nil {
		t.Fatalf("%v\n%s", err, red.String())
	}
	if again.Get("mode") != "starttls" || again.Get("from") != "sam.sender@example.test" || again.Get("expect") != "ok" {
		t.Errorf("settings %v", again.Settings)
	}
	session(t, again, cert, pool, "another-password", nil)
}

func session(t *testing.T, tr *replay.Transcript, cert tls.Certificate, pool *x509.CertPool, password string, trace *bytes.Buffer) {
	t.Helper()
	srv := &replay.Server{Transcript: tr, ReadTimeout: 5 * time.Second,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}
	addr, wait, err := replay.Listen(srv)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	o := &smtpclient.Options{LocalName: "client.example.test", TLSPolicy: tlsprofile.Verify,
		TLSConfig: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}}
	if trace != nil {
		o.Trace = trace
	}
	c, err := smtpclient.Dial(ctx, addr, o)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Auth(ctx, saslmech.NewPlain("", "sam.sender@example.test", password)); err != nil {
		t.Fatal(err)
	}
	msg := "Subject: round trip\r\n\r\nHello.\r\n"
	if _, err := c.SendMail(ctx, "sam.sender@example.test", []string{"bob@example.test"}, strings.NewReader(msg), nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(ctx); err != nil {
		t.Fatal(err)
	}
	if res := wait(); res.Err != nil {
		t.Fatalf("dialogue: %v", res.Err)
	}
}
