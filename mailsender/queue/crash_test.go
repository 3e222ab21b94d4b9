// SPDX-License-Identifier: Apache-2.0

package queue

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestMain lets the test binary act as a crashing child process: with
// QUEUE_CHILD set it runs one step of queue work and kills itself with
// SIGKILL at the step named by QUEUE_CRASH ("step:n", the n-th time).
func TestMain(m *testing.M) {
	if mode := os.Getenv("QUEUE_CHILD"); mode != "" {
		child(mode)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func child(mode string) {
	step, nth, _ := strings.Cut(os.Getenv("QUEUE_CRASH"), ":")
	want, _ := strconv.Atoi(nth)
	seen := 0
	crashHook = func(s string) {
		if s == step {
			if seen++; seen == want {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
			}
		}
	}
	s, err := Open(os.Getenv("QUEUE_DIR"))
	if err != nil {
		panic(err)
	}
	switch mode {
	case "enqueue":
		id, err := s.Enqueue(context.Background(), entry("a@example.test"), strings.NewReader(body))
		if err == nil {
			fmt.Println("ENQUEUED", id)
		}
	case "deliver":
		a := &Agent{Spool: s, Deliver: sinkDeliverer(os.Getenv("QUEUE_SINK"))}
		a.RunOnce(context.Background())
		fmt.Println("DELIVERED")
	}
}

// sinkDeliverer appends each message it "accepts" to a file, durably, like
// a server that took the message, and answers 250.
func sinkDeliverer(path string) Deliverer {
	return DelivererFunc(func(ctx context.Context, e *Entry, rcpts []string, msg io.Reader) Outcome {
		b, err := io.ReadAll(msg)
		if err != nil {
			return Outcome{Err: err}
		}
		f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			return Outcome{Err: err}
		}
		f.Write(b)
		f.Sync()
		f.Close()
		o := Outcome{Recipients: map[string]Reply{}}
		for _, r := range rcpts {
			o.Recipients[r] = Reply{Code: 250, Enhanced: "2.0.0", Text: "queued"}
		}
		return o
	})
}

func runChild(t *testing.T, mode, dir, crash, sink string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "QUEUE_CHILD="+mode, "QUEUE_DIR="+dir, "QUEUE_CRASH="+crash,
		"QUEUE_SINK="+sink)
	out, err := cmd.Output()
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child %s crash %s: not killed (err %v, out %q)", mode, crash, err, out)
	}
	return string(out)
}

// SEC-47: kill the enqueueing process at every step of both durable
// writes. Enqueue never reported success, and afterwards the spool holds
// either nothing (once cleaned) or the complete entry.
func TestSEC47EnqueueCrash(t *testing.T) {
	for _, crash := range []string{"after-tmp-write:1", "before-fsync:1", "after-rename:1",
		"after-tmp-write:2", "before-fsync:2", "after-rename:2"} {
		t.Run(crash, func(t *testing.T) {
			dir := t.TempDir()
			if out := runChild(t, "enqueue", dir, crash, ""); strings.Contains(out, "ENQUEUED") {
				t.Fatalf("Enqueue reported success before it was durable: %q", out)
			}
			s, _ := Open(dir)
			s.Clean(0)
			ids, _ := s.IDs(false)
			if crash == "after-rename:2" {
				if len(ids) != 1 {
					t.Fatalf("entry renamed into place is lost: %v", ids)
				}
				f, err := s.OpenMessage(ids[0])
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(f)
				f.Close()
				if string(b) != body {
					t.Errorf("message = %q, want %q", b, body)
				}
				return
			}
			if len(ids) != 0 {
				t.Errorf("half-written entry is active: %v", ids)
			}
			for _, d := range []string{"msg", "tmp", "state"} {
				if ents, _ := os.ReadDir(filepath.Join(dir, d)); len(ents) != 0 {
					t.Errorf("%s/ holds %d files after Clean, want none", d, len(ents))
				}
			}
		})
	}
}

// SEC-47: kill the delivering agent at each step. Nothing accepted is
// lost; only a kill after the server's 250 and before the journal write
// gives a second delivery, and that entry is marked and logged as a
// possible duplicate.
func TestSEC47DeliveryCrash(t *testing.T) {
	for _, c := range []struct {
		crash     string
		duplicate bool
	}{
		{"after-tmp-write:1", false}, // writing the in-flight mark
		{"before-fsync:1", false},
		{"after-rename:1", true}, // in flight on disk, server not yet answered
		{"after-server-reply:1", true},
	} {
		t.Run(c.crash, func(t *testing.T) {
			dir := t.TempDir()
			sink := filepath.Join(t.TempDir(), "sink")
			s, _ := Open(dir)
			id := enqueue(t, s, "a@example.test")
			runChild(t, "deliver", dir, c.crash, sink)

			var logbuf bytes.Buffer
			a := &Agent{Spool: s, Deliver: sinkDeliverer(sink),
				Logger: slog.New(slog.NewTextHandler(&logbuf, nil))}
			if err := a.Recover(); err != nil {
				t.Fatal(err)
			}
			e, err := s.Load(id)
			if err != nil {
				t.Fatalf("entry lost after the crash: %v", err)
			}
			if e.PossibleDuplicate != c.duplicate {
				t.Errorf("PossibleDuplicate = %v, want %v", e.PossibleDuplicate, c.duplicate)
			}
			if logged := strings.Contains(logbuf.String(), "possible duplicate"); logged != c.duplicate {
				t.Errorf("log %q: possible duplicate logged = %v, want %v", logbuf.String(), logged, c.duplicate)
			}
			a.RunOnce(context.Background())
			if _, err := s.Load(id); err == nil {
				t.Error("entry still queued after a successful retry")
			}
			got, _ := os.ReadFile(sink)
			copies := strings.Count(string(got), body)
			if copies < 1 {
				t.Fatal("message never delivered")
			}
			if copies > 1 && !c.duplicate {
				t.Errorf("delivered %d times without a possible-duplicate mark", copies)
			}
		})
	}
}
