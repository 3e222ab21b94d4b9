// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// startNATS runs a JetStream server on loopback inside the test process.
func startNATS(t *testing.T) string {
	t.Helper()
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true,
		StoreDir: t.TempDir(), NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server not ready")
	}
	t.Cleanup(s.Shutdown)
	return s.ClientURL()
}

// syncBuffer is a bytes.Buffer an agent goroutine may write while the
// test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestNATSQueueEndToEnd: "send --queue nats://..." stores a message in a
// JetStream queue without connecting to the mail server, and an
// "agent --queue nats://..." process delivers it over STARTTLS with AUTH,
// the password resolved from the agent's own environment; SIGTERM (a
// cancelled context) stops the agent cleanly.
func TestNATSQueueEndToEnd(t *testing.T) {
	url := startNATS(t)
	srv, err := startDemoServer("alice", "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, srv.caPEM, 0o600)
	vars := map[string]string{"MAILWRIGHT_PASSWORD": "s3cret"}

	code, out, errOut := run(t, vars, "send", "--queue", url, "--host", "127.0.0.1",
		"--port", strconv.Itoa(srv.port()), "--tls", "--ca-file", ca, "--user", "alice",
		"--from", "alice@example.test", "--to", "bob@example.test", "--subject", "via nats",
		"--body", "hello\n")
	if code != 0 || !strings.HasPrefix(out, "queued as ") {
		t.Fatalf("send --queue %s: exit %d, %q, %s", url, code, out, errOut)
	}
	if srv.connections() != 0 {
		t.Error("send --queue connected to the mail server")
	}

	ctx, cancel := context.WithCancel(context.Background())
	var stderr syncBuffer
	e := &env{stdout: &syncBuffer{}, stderr: &stderr, stdin: strings.NewReader(""),
		getenv: func(k string) string { return vars[k] }}
	done := make(chan int, 1)
	go func() { done <- runMain(ctx, e, []string{"agent", "--queue", url, "--workers", "2"}) }()
	deadline := time.Now().Add(20 * time.Second)
	for len(srv.messages()) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("agent exit %d after cancel, stderr:\n%s", code, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("agent did not stop after cancel")
	}
	msgs := srv.messages()
	if len(msgs) != 1 || msgs[0].from != "alice@example.test" ||
		!strings.Contains(string(msgs[0].data), "Subject: via nats") {
		t.Fatalf("server received %d messages: %+v\nagent stderr:\n%s", len(msgs), msgs, stderr.String())
	}
}

// TestNATSQueueUsage: the directory-only commands say so for a NATS queue,
// and a server that is not there is an error, not a hang.
func TestNATSQueueUsage(t *testing.T) {
	for _, args := range [][]string{
		{"agent", "--queue", "nats://127.0.0.1:1", "--once"},
		{"queue", "list", "--queue", "nats://127.0.0.1:1"},
	} {
		if code, _, errOut := run(t, nil, args...); code != 2 {
			t.Errorf("mailwright %q: exit %d, want 2 (%s)", args, code, errOut)
		}
	}
	code, _, errOut := run(t, map[string]string{"MAILWRIGHT_NATS_REPLICAS": "seven"}, "send",
		"--queue", "nats://127.0.0.1:1", "--host", "127.0.0.1", "--from", "a@example.test",
		"--to", "b@example.test", "--subject", "s", "--body", "b")
	if code != 2 || !strings.Contains(errOut, "MAILWRIGHT_NATS_REPLICAS") {
		t.Errorf("bad replicas: exit %d, %s", code, errOut)
	}
	code, _, errOut = run(t, nil, "send", "--queue", "nats://127.0.0.1:1", "--host", "127.0.0.1",
		"--from", "a@example.test", "--to", "b@example.test", "--subject", "s", "--body", "b")
	if code != 1 || !strings.Contains(errOut, "connecting to NATS") {
		t.Errorf("no server: exit %d, %s", code, errOut)
	}
}
