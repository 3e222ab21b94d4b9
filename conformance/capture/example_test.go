// SPDX-License-Identifier: Apache-2.0

package capture_test

import (
	"os"
	"strings"

	"github.com/mailwright/mailwright/conformance/capture"
)

// A swaks log with a LOGIN exchange becomes a transcript: the payloads are
// <b64>, the message text is <data>, and the password is gone from the
// Subject too.
func ExampleRedact() {
	log := strings.Join([]string{
		"<-  220 mail.example.test ESMTP",
		" -> EHLO client.example.test",
		"<-  250 AUTH LOGIN",
		" -> AUTH LOGIN",
		"<-  334 VXNlcm5hbWU6",
		" -> dXNlcg==",
		"<-  334 UGFzc3dvcmQ6",
		" -> aHVudGVyMg==",
		"<-  235 2.7.0 Accepted",
		" -> MAIL FROM:<user@example.test>",
		"<-  250 Ok",
		" -> RCPT TO:<bob@example.test>",
		"<-  250 Ok",
		" -> DATA",
		"<-  354 Go ahead",
		" -> Subject: my password is hunter2",
		" -> ",
		" -> Hello.",
		" -> .",
		"<-  250 Ok: queued",
		" -> QUIT",
		"<-  221 Bye",
	}, "\n")
	err := capture.Redact(os.Stdout, strings.NewReader(log), &capture.Options{Secrets: []string{"hunter2"}})
	if err != nil {
		panic(err)
	}
	// Output:
	// # Redacted by mailwright's conformance/capture: SASL payloads are <b64>,
	// # the message text is <data>. Check the expect and auth settings.
	// mode: plain
	// ehlo: client.example.test
	// auth: LOGIN user password
	// from: user@example.test
	// to: bob@example.test
	// expect: ok
	// S: 220 mail.example.test ESMTP
	// C: EHLO client.example.test
	// S: 250 AUTH LOGIN
	// C: AUTH LOGIN
	// S: 334 VXNlcm5hbWU6
	// C: <b64>
	// S: 334 UGFzc3dvcmQ6
	// C: <b64>
	// S: 235 2.7.0 Accepted
	// C: MAIL FROM:<user@example.test>
	// S: 250 Ok
	// C: RCPT TO:<bob@example.test>
	// S: 250 Ok
	// C: DATA
	// S: 354 Go ahead
	// C: <data>
	// S: 250 Ok: queued
	// C: QUIT
	// S: 221 Bye
}
