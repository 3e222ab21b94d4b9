// SPDX-License-Identifier: Apache-2.0

package mailsender_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/mailwright/mailwright/mailsender"
	"github.com/mailwright/mailwright/mailsender/queue"
)

// TestDelivererUsesSenderSettings delivers a queued STARTTLS entry with a
// deliverer made from a Sender: the server's certificate is checked
// against the Sender's RootCAs, EHLO carries its LocalName, and its Trace
// receives the dialogue with the AUTH payload redacted.
func TestDelivererUsesSenderSettings(t *testing.T) {
	f := newFakeServer(t, nil)
	roots := f.useTLS(t)
	s := sender(f)
	s.TLS, s.LocalName = true, "agent.example.test"
	s.Username, s.Password, s.AuthMechanism = "alice", "s3cret-pw", "PLAIN"
	t.Setenv("MAILSENDER_TEST_PW", "s3cret-pw")
	sp := openSpool(t)
	if _, err := s.Enqueue(context.Background(), sp, message(),
		&mailsender.EnqueueOptions{Credential: "env:MAILSENDER_TEST_PW"}); err != nil {
		t.Fatal(err)
	}

	var trace bytes.Buffer
	agentSide := &mailsender.Sender{RootCAs: roots, LocalName: "agent.example.test", Trace: &trace}
	d := agentSide.Deliverer(nil)
	defer d.Close(context.Background())
	(&queue.Agent{Spool: sp, Deliver: d}).RunOnce(context.Background())
	if len(f.received()) != 1 {
		t.Fatalf("server received %d messages, want 1; trace:\n%s", len(f.received()), trace.String())
	}
	tr := trace.String()
	if !strings.Contains(tr, "C: STARTTLS") || !strings.Contains(tr, "C: EHLO agent.example.test") {
		t.Errorf("trace lacks STARTTLS or the EHLO name:\n%s", tr)
	}
	plain := base64.StdEncoding.EncodeToString([]byte("\x00alice\x00s3cret-pw"))
	if strings.Contains(tr, plain) || !strings.Contains(tr, "C: AUTH PLAIN [redacted]") {
		t.Errorf("trace does not redact the AUTH payload:\n%s", tr)
	}
}
