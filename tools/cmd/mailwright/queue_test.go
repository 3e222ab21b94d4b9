// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestSendQueueAgentEndToEnd queues a message with "send --queue", lists
// and shows it, and lets "agent --once" deliver it over STARTTLS with
// AUTH to the demo server, the password coming from the agent's own
// environment through the stored credential name.
func TestSendQueueAgentEndToEnd(t *testing.T) {
	srv, err := startDemoServer("alice", "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.close()
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	os.WriteFile(ca, srv.caPEM, 0o600)
	q := filepath.Join(dir, "queue")
	vars := map[string]string{"MAILWRIGHT_PASSWORD": "s3cret"}

	code, out, errOut := run(t, vars, "send", "--queue", q, "--host", "127.0.0.1",
		"--port", strconv.Itoa(srv.port()), "--tls", "--ca-file", ca, "--user", "alice",
		"--from", "alice@example.test", "--to", "bob@example.test", "--subject", "queued",
		"--body", "hello\n")
	if code != 0 {
		t.Fatalf("send --queue: exit %d, %s", code, errOut)
	}
	id := strings.TrimPrefix(strings.TrimSpace(out), "queued as ")
	if srv.connections() != 0 {
		t.Error("send --queue connected to the server")
	}

	code, out, _ = run(t, nil, "queue", "list", "--queue", q)
	if code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "0/1 done") {
		t.Errorf("queue list: exit %d\n%s", code, out)
	}
	code, out, _ = run(t, nil, "queue", "show", "--queue", q, id)
	if code != 0 || !strings.Contains(out, `"credential": "env:MAILWRIGHT_PASSWORD"`) ||
		strings.Contains(out, "s3cret") {
		t.Errorf("queue show: exit %d\n%s", code, out)
	}

	code, out, errOut = run(t, vars, "agent", "--queue", q, "--once")
	if code != 0 || out != "attempted 1 entries: 1 delivered, 0 failed, 0 still queued\n" {
		t.Fatalf("agent --once: exit %d, %q, %s", code, out, errOut)
	}
	msgs := srv.messages()
	if len(msgs) != 1 || msgs[0].from != "alice@example.test" || !strings.Contains(string(msgs[0].data), "Subject: queued") {
		t.Fatalf("server received %d messages: %+v", len(msgs), msgs)
	}
	_, out, _ = run(t, nil, "queue", "list", "--queue", q)
	if strings.Contains(out, id) {
		t.Errorf("delivered entry still listed:\n%s", out)
	}
}

// TestQueueRetryAndDelete defers an entry (nothing listens on its port),
// makes it due again with "queue retry", and removes it with "queue
// delete".
func TestQueueRetryAndDelete(t *testing.T) {
	q := filepath.Join(t.TempDir(), "queue")
	code, out, errOut := run(t, nil, "send", "--queue", q, "--host", "127.0.0.1", "--port", "1",
		"--from", "a@example.test", "--to", "b@example.test", "--subject", "s", "--body", "b")
	if code != 0 {
		t.Fatalf("send --queue: exit %d, %s", code, errOut)
	}
	id := strings.TrimPrefix(strings.TrimSpace(out), "queued as ")
	if code, _, errOut = run(t, nil, "agent", "--queue", q, "--once"); code != 0 {
		t.Fatalf("agent --once: exit %d, %s", code, errOut)
	}
	_, out, _ = run(t, nil, "queue", "list", "--queue", q)
	if !regexp.MustCompile(id + `\s+queued\s+1\s`).MatchString(out) {
		t.Errorf("deferred entry not listed with 1 attempt:\n%s", out)
	}
	if code, out, _ = run(t, nil, "queue", "retry", "--queue", q, id); code != 0 || out != id+" due now\n" {
		t.Errorf("queue retry: exit %d, %q", code, out)
	}
	if code, out, _ = run(t, nil, "queue", "delete", "--queue", q, id); code != 0 || out != id+" deleted\n" {
		t.Errorf("queue delete: exit %d, %q", code, out)
	}
	if code, _, errOut = run(t, nil, "queue", "delete", "--queue", q, id); code != 1 ||
		!strings.Contains(errOut, "no such entry") {
		t.Errorf("second delete: exit %d, %s", code, errOut)
	}
}

// TestSendQueueRefusesPassword: a password given on the command line
// cannot be queued, and nothing is stored.
func TestSendQueueRefusesPassword(t *testing.T) {
	q := filepath.Join(t.TempDir(), "queue")
	code, _, errOut := run(t, nil, "send", "--queue", q, "--host", "127.0.0.1", "--user", "u",
		"--password", "pw", "--from", "a@example.test", "--to", "b@example.test",
		"--subject", "s", "--body", "b")
	if code != 2 || !strings.Contains(errOut, "--password cannot be queued") {
		t.Errorf("exit %d, %s", code, errOut)
	}
	if ents, _ := os.ReadDir(filepath.Join(q, "state")); len(ents) != 0 {
		t.Errorf("%d entries stored", len(ents))
	}
}

func TestQueueUsage(t *testing.T) {
	for _, args := range [][]string{{"queue"}, {"queue", "list"}, {"queue", "show", "--queue", "x"},
		{"agent"}, {"agent", "--queue", "x", "--workers", "0"}} {
		if code, _, _ := run(t, nil, args...); code != 2 {
			t.Errorf("mailwright %q: exit %d, want 2", args, code)
		}
	}
}

// TestQueueRefusesWhatTheAgentCannotUse: a user name without a credential
// (the agent would deliver without AUTH), a credential kind the agent
// cannot resolve, and an agent pointed at a directory that does not exist
// are refused, and nothing is stored or created.
func TestQueueRefusesWhatTheAgentCannotUse(t *testing.T) {
	q := filepath.Join(t.TempDir(), "queue")
	base := []string{"send", "--queue", q, "--host", "127.0.0.1", "--tls", "--from", "a@example.test",
		"--to", "b@example.test", "--subject", "s", "--body", "b"}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--user", "me"}, "--user with --queue needs"},
		{[]string{"--user", "me", "--credential", "bogus:x"}, "agent resolves env:NAME"},
	}
	for _, tc := range tests {
		code, _, errOut := run(t, nil, append(base, tc.args...)...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("send %q: exit %d, %s; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
	if _, err := os.Stat(q); !os.IsNotExist(err) {
		t.Errorf("queue directory created by a refused send: %v", err)
	}
	code, _, errOut := run(t, nil, "agent", "--queue", q, "--once")
	if code != 1 || !strings.Contains(errOut, "no queue directory") {
		t.Errorf("agent on a missing directory: exit %d, %s", code, errOut)
	}
	if _, err := os.Stat(q); !os.IsNotExist(err) {
		t.Errorf("agent created the missing queue directory: %v", err)
	}
}

// TestAgentOnceReportsFailures: "agent --once" says how its attempts
// ended and exits 1 when an entry failed for good (here the server
// refuses the only recipient with 550), 0 when entries only wait for a
// retry.
func TestAgentOnceReportsFailures(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				fmt.Fprint(c, "220 refuser ESMTP\r\n")
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					switch verb := strings.ToUpper(strings.Fields(line + " x")[0]); verb {
					case "EHLO":
						fmt.Fprint(c, "250 refuser\r\n")
					case "RCPT":
						fmt.Fprint(c, "550 5.1.1 no such user\r\n")
					case "QUIT":
						fmt.Fprint(c, "221 bye\r\n")
						return
					default:
						fmt.Fprint(c, "250 ok\r\n")
					}
				}
			}()
		}
	}()
	q := filepath.Join(t.TempDir(), "queue")
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	if code, _, errOut := run(t, nil, "send", "--queue", q, "--host", "127.0.0.1", "--port", port,
		"--plain", "--from", "a@example.test", "--to", "nobody@example.test", "--subject", "s",
		"--body", "b"); code != 0 {
		t.Fatalf("send --queue: exit %d, %s", code, errOut)
	}
	code, out, errOut := run(t, nil, "agent", "--queue", q, "--once")
	if code != 1 || out != "attempted 1 entries: 0 delivered, 1 failed, 0 still queued\n" ||
		!strings.Contains(errOut, "1 entries failed") {
		t.Errorf("agent --once: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
