// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailwright/mailwright/mailsender/queue"
	"github.com/mailwright/mailwright/oauthgmail"
)

// queuedID returns the id "send --queue" printed.
func queuedID(t *testing.T, stdout string) string {
	t.Helper()
	id, ok := strings.CutPrefix(strings.TrimSpace(stdout), "queued as ")
	if !ok {
		t.Fatalf("send --queue printed %q", stdout)
	}
	return id
}

// assertNoToken fails when a file under dir holds an access or refresh
// token of cliTokenStore.
func assertNoToken(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(p)
		if bytes.Contains(b, []byte("ya29")) || bytes.Contains(b, []byte("1//0g")) {
			t.Errorf("%s holds a token", p)
		}
		return nil
	})
}

// gmailRawOf decodes the message of a users.messages.send JSON request.
func gmailRawOf(t *testing.T, r apiRequest) string {
	t.Helper()
	var doc struct{ Raw string }
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	raw, err := oauthgmail.DecodeRaw(doc.Raw)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// TestQueueGmailAPIEndToEnd: "send --host "Google API" --token-store F
// --queue DIR" stores the message without any request and with no token
// in the spool; "agent --queue DIR --once" sends it through the Gmail
// API, renewing the token once when the API answers 401, and the entry
// leaves the queue. Its transcript never shows the token (SEC-35).
func TestQueueGmailAPIEndToEnd(t *testing.T) {
	store := cliTokenStore(t, false)
	api := newLocalAPI(t, func(_ int, auth string) (int, string) {
		if auth == "Bearer ya29.old" {
			return 401, `{"error":{"code":401,"message":"Invalid Credentials","status":"UNAUTHENTICATED"}}`
		}
		return 200, `{"id":"m-1","threadId":"t-1"}`
	})
	dir := t.TempDir()
	code, stdout, stderr := run(t, nil, apiArgs("Google API", store, api.srv.URL, "--queue", dir)...)
	if code != 0 {
		t.Fatalf("send --queue: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	id := queuedID(t, stdout)
	if n := len(api.requests()); n != 0 {
		t.Fatalf("send --queue made %d API requests", n)
	}
	assertNoToken(t, dir)
	sp, err := queue.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	e, err := sp.Load(id)
	if err != nil || e.Profile.API != queue.APIGmail || e.Profile.Credential != "tokenstore:"+store {
		t.Fatalf("entry profile %+v (%v)", e.Profile, err)
	}

	transcript := filepath.Join(t.TempDir(), "t.txt")
	code, stdout, stderr = run(t, nil, "agent", "--queue", dir, "--once", "--transcript", transcript)
	if code != 0 || stdout != "attempted 1 entries: 1 delivered, 0 failed, 0 still queued\n" {
		t.Fatalf("agent --once: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	// SEC-35: the API's Authorization header is redacted in the transcript.
	tr, _ := os.ReadFile(transcript)
	if bytes.Contains(tr, []byte("ya29")) || !bytes.Contains(tr, []byte("> Authorization: Bearer [redacted]")) {
		t.Errorf("transcript shows a token or no redacted Authorization:\n%s", tr)
	}
	reqs := api.requests()
	if len(reqs) != 2 || reqs[0].auth != "Bearer ya29.old" || reqs[1].auth != "Bearer ya29.cli-access-1" {
		t.Fatalf("requests %+v, want a 401 with the old token and one with the renewed token", reqs)
	}
	raw := gmailRawOf(t, reqs[1])
	if !strings.Contains(raw, "\r\nSubject: API test\r\n") || !strings.Contains(raw, "Bcc: carol@example.test\r\n") {
		t.Errorf("message sent:\n%s", raw)
	}
	if ids, err := sp.IDs(true); err != nil || len(ids) != 0 {
		t.Errorf("queue still holds %v (%v)", ids, err)
	}
	if strings.Contains(stderr, "ya29") {
		t.Errorf("agent log shows a token: %s", stderr)
	}
}

// TestQueueGraphAPIRetryAfter: a 429 from Microsoft Graph leaves the
// entry queued with its next attempt no sooner than Retry-After, even
// though --min-retry is shorter.
func TestQueueGraphAPIRetryAfter(t *testing.T) {
	store := cliTokenStore(t, false)
	api := newLocalAPI(t, func(int, string) (int, string) {
		return 429, `{"error":{"code":"ApplicationThrottled","message":"Application is over its MailboxConcurrency limit."}}`
	})
	dir := t.TempDir()
	code, stdout, stderr := run(t, nil, apiArgs("Microsoft Graph", store, api.srv.URL, "--queue", dir)...)
	if code != 0 {
		t.Fatalf("send --queue: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	id := queuedID(t, stdout)
	start := time.Now()
	code, _, stderr = run(t, nil, "agent", "--queue", dir, "--once", "--min-retry", "1m")
	if code != 0 {
		t.Fatalf("agent --once: exit %d, stderr %q", code, stderr)
	}
	sp, _ := queue.Open(dir)
	e, err := sp.Load(id)
	if err != nil {
		t.Fatal(err)
	}
	if e.Next.Before(start.Add(time.Hour)) || e.Recipients[0].State != queue.Pending ||
		!strings.Contains(e.LastError, "MailboxConcurrency") {
		t.Errorf("entry after a 429: next in %v, state %s, last error %q; want pending for 1h "+
			"with Graph's message", e.Next.Sub(start).Round(time.Second), e.Recipients[0].State, e.LastError)
	}
	if n := len(api.requests()); n != 1 {
		t.Errorf("%d requests, want 1: the agent's backoff spaces the retries", n)
	}
}

// TestQueueSMTPTokenRenewedByAgent: the agent delivers a queued XOAUTH2
// entry with the store's token; the server's 535 to it makes the agent
// refresh the token once through the store and authenticate again on a
// new connection.
func TestQueueSMTPTokenRenewedByAgent(t *testing.T) {
	srv := startXOAUTH2SMTP(t)
	store := cliTokenStore(t, false)
	dir := t.TempDir()
	code, stdout, stderr := run(t, nil, "send", "--host", "127.0.0.1", "--port",
		strconv.Itoa(srv.ln.Addr().(*net.TCPAddr).Port), "--user", "ada@example.test",
		"--token-store", store, "--from", "ada@example.test", "--to", "bob@example.test",
		"--subject", "XOAUTH2 queued", "--body", "hello", "--queue", dir)
	if code != 0 {
		t.Fatalf("send --queue: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	queuedID(t, stdout)
	code, stdout, stderr = run(t, nil, "agent", "--queue", dir, "--once")
	if code != 0 || stdout != "attempted 1 entries: 1 delivered, 0 failed, 0 still queued\n" {
		t.Fatalf("agent --once: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	srv.mu.Lock()
	auth, msgs := srv.auth, srv.msgs
	srv.mu.Unlock()
	want := []string{"user=ada@example.test\x01auth=Bearer ya29.old\x01\x01",
		"user=ada@example.test\x01auth=Bearer ya29.cli-access-1\x01\x01"}
	if strings.Join(auth, "|") != strings.Join(want, "|") || len(msgs) != 1 ||
		!strings.Contains(msgs[0], "Subject: XOAUTH2 queued") {
		t.Errorf("AUTH blobs %q and %d messages; want %q and 1", auth, len(msgs), want)
	}
	rec, err := (&oauthgmail.Store{Path: store}).Load()
	if err != nil || rec.AccessToken != "ya29.cli-access-1" {
		t.Errorf("store holds %q (%v), want the renewed token saved", rec.AccessToken, err)
	}
}

// TestNATSQueueGmailAPI: an API entry queued in JetStream is delivered by
// "agent --queue nats://..." through the Gmail API.
func TestNATSQueueGmailAPI(t *testing.T) {
	url := startNATS(t)
	store := cliTokenStore(t, false)
	api := newLocalAPI(t, func(int, string) (int, string) {
		return 200, `{"id":"m-1","threadId":"t-1"}`
	})
	code, stdout, stderr := run(t, nil, apiArgs("Google API", store, api.srv.URL, "--queue", url)...)
	if code != 0 {
		t.Fatalf("send --queue %s: exit %d, stdout %q, stderr %q", url, code, stdout, stderr)
	}
	queuedID(t, stdout)

	ctx, cancel := context.WithCancel(context.Background())
	var errOut syncBuffer
	e := &env{stdout: &syncBuffer{}, stderr: &errOut, stdin: strings.NewReader(""),
		getenv: func(string) string { return "" }}
	done := make(chan int, 1)
	go func() { done <- runMain(ctx, e, []string{"agent", "--queue", url}) }()
	deadline := time.Now().Add(20 * time.Second)
	for len(api.requests()) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("agent exit %d after cancel, stderr:\n%s", code, errOut.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("agent did not stop after cancel")
	}
	reqs := api.requests()
	if len(reqs) != 1 || reqs[0].path != "/gmail/v1/users/me/messages/send" ||
		!strings.Contains(gmailRawOf(t, reqs[0]), "\r\nSubject: API test\r\n") {
		t.Fatalf("requests %+v\nagent stderr:\n%s", reqs, errOut.String())
	}
}
