// SPDX-License-Identifier: Apache-2.0

package queue

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mailwright/mailwright/smtpclient"
)

// loadFault is the MAIL FROM fault of message i (see faultSink).
func loadFault(i int) string {
	switch {
	case i%200 == 0:
		return "stallkept1"
	case i%200 == 1:
		return "stalllost1"
	}
	return [...]string{"ok", "ok", "datatemp2", "dataperm", "mailtemp2", "mailperm",
		"dropmail1", "dropdata1", "ok", "ok"}[i%10]
}

// loadRcpts are the recipients of message i.
func loadRcpts(i int) []string {
	r := []string{fmt.Sprintf("ok-%d@r.test", i)}
	if i%7 == 0 {
		r = append(r, fmt.Sprintf("bad-%d@r.test", i))
	}
	if i%11 == 0 {
		r = append(r, fmt.Sprintf("temp2-%d@r.test", i))
	}
	return r
}

// want returns the state and reply (code and enhanced code) recipient
// rcpt of a message with MAIL FROM fault f must end with, and how many
// copies the sink must hold for it.
func want(f, rcpt string) (State, string, int) {
	kind, _ := fault(rcpt)
	switch {
	case f == "mailperm":
		return Failed, "550 5.7.1", 0
	case kind == "bad":
		return Failed, "550 5.1.1", 0
	case f == "dataperm":
		return Failed, "554 5.6.0", 0
	case f == "stallkept1" && kind != "temp":
		return Delivered, "250 2.0.0", 2
	}
	return Delivered, "250 2.0.0", 1
}

// TestLoadFaultySink queues 10,000 messages (1,000 with -short) for a
// loopback server that answers 4xx and 5xx to MAIL, RCPT and the data,
// stalls after the data and drops connections, on a schedule. Every
// message must end with each recipient delivered exactly once, or failed
// with the reply that failed it; the only second copies are those the
// server kept while staying silent, and those entries say "possible
// duplicate".
func TestLoadFaultySink(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 1000
	}
	k := startFaultSink(t)
	s, err := Open(memDir(t))
	if err != nil {
		t.Fatal(err)
	}
	s.Backoff = &Backoff{Min: 5 * time.Millisecond, Max: 40 * time.Millisecond, Lifetime: time.Hour}
	enqueueLoad(t, s, k, n)

	var mu sync.Mutex
	done := map[string]*Entry{}
	all := make(chan struct{})
	a := &Agent{Spool: s, Workers: 16, Backoff: s.Backoff, Poll: 20 * time.Millisecond,
		Deliver: &SMTP{Options: &smtpclient.Options{DataTimeout: time.Second},
			MaxConns: 16},
		Finished: func(e *Entry) {
			mu.Lock()
			defer mu.Unlock()
			done[e.From] = e
			if len(done) == n {
				close(all)
			}
		}}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error)
	go func() { ran <- a.Run(ctx) }()
	select {
	case <-all:
	case <-time.After(10 * time.Minute):
		t.Errorf("only %d of %d entries finished", len(done), n)
	}
	cancel()
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
	a.Deliver.(*SMTP).Close(context.Background())
	checkLoad(t, k, s, done, n)
}

// memDir returns a directory in memory when the system has one: this test
// is about the delivery rules, and the crash tests prove durability on a
// real disk.
func memDir(t *testing.T) string {
	t.Helper()
	// Each entry takes two pages of tmpfs at its peak; a container's
	// /dev/shm is often only 64 MiB.
	var fs syscall.Statfs_t
	if syscall.Statfs("/dev/shm", &fs) != nil || fs.Bavail*uint64(fs.Bsize) < 512<<20 {
		return t.TempDir()
	}
	d, err := os.MkdirTemp("/dev/shm", "mailwright-queue-")
	if err != nil {
		return t.TempDir()
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// enqueueLoad queues messages 0 to n-1 with 8 concurrent writers.
func enqueueLoad(t *testing.T, s *Spool, k *faultSink, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 8 {
				e := &Entry{From: fmt.Sprintf("%s-%d@s.test", loadFault(i), i),
					Profile: Profile{Host: "127.0.0.1", Port: k.port(), Security: "none"}}
				for _, r := range loadRcpts(i) {
					e.Recipients = append(e.Recipients, Recipient{Addr: r})
				}
				msg := fmt.Sprintf("Subject: load %d\r\n\r\nmessage %d\r\n", i, i)
				if _, err := s.Enqueue(context.Background(), e, strings.NewReader(msg)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
}

func checkLoad(t *testing.T, k *faultSink, s *Spool, done map[string]*Entry, n int) {
	t.Helper()
	if ids, _ := s.IDs(false); len(ids) != 0 {
		t.Errorf("%d entries still active", len(ids))
	}
	failed, _ := s.IDs(true)
	wantFailed, slow := 0, 0
	defer func() { t.Logf("%d entries missed the data timeout outside the schedule", slow) }()
	for i := range n {
		f := loadFault(i)
		from := fmt.Sprintf("%s-%d@s.test", f, i)
		e := done[from]
		if e == nil {
			t.Errorf("message %d lost", i)
			continue
		}
		if e.Failures() {
			wantFailed++
		}
		dup := f == "stallkept1" || f == "stalllost1" || f == "dropdata1"
		if dup && !e.PossibleDuplicate {
			t.Errorf("%s: not marked possible duplicate", from)
		}
		// A loaded machine (-race) may also miss the data timeout of an
		// ordinary attempt; the agent must then have said so.
		if e.PossibleDuplicate && !dup {
			slow++
		}
		for _, r := range e.Recipients {
			st, reply, copies := want(f, r.Addr)
			if r.State != st || !strings.HasPrefix(r.LastReply, reply) {
				t.Errorf("%s -> %s: %s %q, want %s %q", from, r.Addr, r.State, r.LastReply, st, reply)
			}
			// Exactly the scheduled copies, unless the entry says that an
			// attempt may have been delivered unseen: then at least those
			// and at most one per attempt. A refused recipient gets none.
			got, most := k.count(from, r.Addr), copies
			if e.PossibleDuplicate && copies > 0 {
				most = max(copies, e.Attempts)
			}
			if got < copies || got > most {
				t.Errorf("%s -> %s: delivered %d times, want %d (possible duplicate %v, %d attempts)",
					from, r.Addr, got, copies, e.PossibleDuplicate, e.Attempts)
			}
		}
	}
	if len(failed) != wantFailed {
		t.Errorf("failed/ holds %d entries, want %d", len(failed), wantFailed)
	}
}
