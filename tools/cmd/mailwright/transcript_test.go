// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const swaksCapture = `=== Trying 127.0.0.1:2587...
<-  220 mail.example.test ESMTP Postfix
 -> EHLO client.example.test
<-  250-mail.example.test
<-  250 AUTH LOGIN
 -> AUTH LOGIN
<-  334 VXNlcm5hbWU6
 -> dXNlckBleGFtcGxlLnRlc3Q=
<-  334 UGFzc3dvcmQ6
 -> UzNjcmV0LXBhc3M=
<-  235 2.7.0 Authentication successful
 -> MAIL FROM:<user@example.test>
<-  250 2.1.0 Ok
 -> RCPT TO:<bob@example.test>
<-  250 2.1.5 Ok
 -> DATA
<-  354 End data with <CR><LF>.<CR><LF>
 -> Subject: hello S3cret-pass
 -> 
 -> body
 -> .
<-  250 2.0.0 Ok: queued as 1
 -> QUIT
<-  221 2.0.0 Bye
`

func TestTranscriptCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "t.txt")
	var stdout, stderr bytes.Buffer
	e := &env{stdin: strings.NewReader(swaksCapture), stdout: &stdout, stderr: &stderr,
		getenv: func(k string) string { return map[string]string{"PW": "S3cret-pass"}[k] }}
	if code := runMain(context.Background(), e, []string{"transcript", "--secret-env", "PW", "--source", "swaks", "-o", out}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"source: swaks\n", "mode: plain\n", "auth: LOGIN user password\n",
		"C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: <b64>\nS: 334 UGFzc3dvcmQ6\nC: <b64>\n",
		"C: DATA\nS: 354 End data with <CR><LF>.<CR><LF>\nC: <data>\nS: 250 2.0.0 Ok: queued as 1\n"} {
		if !strings.Contains(string(got), want) {
			t.Errorf("transcript lacks %q:\n%s", want, got)
		}
	}
	for _, secret := range []string{"S3cret-pass", "UzNjcmV0LXBhc3M=", "dXNlckBleGFtcGxlLnRlc3Q="} {
		if strings.Contains(string(got), secret) {
			t.Errorf("%q survived", secret)
		}
	}
}

func TestTranscriptCommandWeakSecret(t *testing.T) {
	out := filepath.Join(t.TempDir(), "t.txt")
	var stdout, stderr bytes.Buffer
	e := &env{stdin: strings.NewReader(swaksCapture), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
	if code := runMain(context.Background(), e, []string{"transcript", "--secret", "ab", "-o", out}); code == 0 {
		t.Fatal("a two-byte secret was accepted")
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a transcript was written despite the error")
	}
}
