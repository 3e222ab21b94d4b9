// SPDX-License-Identifier: Apache-2.0

package queue

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

var t0 = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

func newSpool(t *testing.T) (*Spool, *clock) {
	t.Helper()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: t0}
	s.Now = c.Now
	return s, c
}

func entry(rcpts ...string) *Entry {
	e := &Entry{From: "sender@example.test", Profile: Profile{Host: "127.0.0.1", Port: 25,
		Credential: "env:SMTP_PASSWORD"}}
	for _, r := range rcpts {
		e.Recipients = append(e.Recipients, Recipient{Addr: r})
	}
	return e
}

const body = "Subject: test\r\n\r\nhello\r\n"

func enqueue(t *testing.T, s *Spool, rcpts ...string) string {
	t.Helper()
	id, err := s.Enqueue(context.Background(), entry(rcpts...), strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// replies is a deliverer that answers each recipient from a table and
// records what it was asked.
type replies struct {
	mu    sync.Mutex
	table map[string]Reply
	asked [][]string
	got   []string
}

func (r *replies) Deliver(ctx context.Context, e *Entry, rcpts []string, msg io.Reader) Outcome {
	b, err := io.ReadAll(msg)
	if err != nil {
		return Outcome{Err: err}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.asked = append(r.asked, rcpts)
	r.got = append(r.got, string(b))
	o := Outcome{Recipients: map[string]Reply{}}
	for _, a := range rcpts {
		o.Recipients[a] = r.table[a]
	}
	return o
}

func TestEnqueueIsDurableAndPrivate(t *testing.T) {
	s, _ := newSpool(t)
	id := enqueue(t, s, "a@example.test")
	for _, p := range []string{filepath.Join(s.Dir(), "msg", id+".eml"), filepath.Join(s.Dir(), "state", id+".json")} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v, want 0600", p, fi.Mode().Perm())
		}
	}
	fi, _ := os.Stat(s.Dir())
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("spool mode = %v, want 0700", fi.Mode().Perm())
	}
	e, err := s.Load(id)
	if err != nil {
		t.Fatal(err)
	}
	if e.Size != int64(len(body)) || e.Recipients[0].State != Pending || !e.Expires.Equal(t0.Add(5*24*time.Hour)) {
		t.Errorf("entry = %+v, want size %d, pending, expiry in 5 days", e, len(body))
	}
	if b, _ := os.ReadFile(filepath.Join(s.Dir(), "state", id+".json")); strings.Contains(string(b), "secret") {
		t.Errorf("state file holds a secret")
	}
	if ents, _ := os.ReadDir(filepath.Join(s.Dir(), "tmp")); len(ents) != 0 {
		t.Errorf("tmp/ not empty after Enqueue: %d files", len(ents))
	}
}

func TestEnqueueRejectsBadEnvelope(t *testing.T) {
	s, _ := newSpool(t)
	for _, e := range []*Entry{
		entry(),
		entry("a@example.test>\r\nDATA"),
		{From: "a@b", Recipients: []Recipient{{Addr: "x@y"}}},
	} {
		if _, err := s.Enqueue(context.Background(), e, strings.NewReader(body)); err == nil {
			t.Errorf("Enqueue(%+v) = nil error, want an error", e)
		}
	}
	if ids, _ := s.IDs(false); len(ids) != 0 {
		t.Errorf("IDs = %v after refused entries, want none", ids)
	}
}

// SEC-45: per-recipient 250, 550, 452, 451: the first delivered, the second
// failed, the last two kept and retried alone.
func TestSEC45PerRecipientState(t *testing.T) {
	s, c := newSpool(t)
	id := enqueue(t, s, "r1@example.test", "r2@example.test", "r3@example.test", "r4@example.test")
	d := &replies{table: map[string]Reply{
		"r1@example.test": {Code: 250, Enhanced: "2.1.5", Text: "ok"},
		"r2@example.test": {Code: 550, Enhanced: "5.1.1", Text: "no such user"},
		"r3@example.test": {Code: 452, Enhanced: "4.5.3", Text: "too many recipients"},
		"r4@example.test": {Code: 451, Enhanced: "4.3.0", Text: "try later"},
	}}
	a := &Agent{Spool: s, Deliver: d, Backoff: &Backoff{Jitter: -1}}
	if n := a.RunOnce(context.Background()); n != 1 {
		t.Fatalf("RunOnce = %d, want 1", n)
	}
	e, err := s.Load(id)
	if err != nil {
		t.Fatal(err)
	}
	want := []State{Delivered, Failed, Pending, Pending}
	for i, r := range e.Recipients {
		if r.State != want[i] {
			t.Errorf("recipient %s state = %s, want %s", r.Addr, r.State, want[i])
		}
	}
	if e.Recipients[1].LastReply != "550 5.1.1 no such user" {
		t.Errorf("LastReply = %q", e.Recipients[1].LastReply)
	}
	if !e.Next.Equal(t0.Add(5 * time.Minute)) {
		t.Errorf("Next = %v, want 5 minutes later", e.Next)
	}
	if a.RunOnce(context.Background()) != 0 {
		t.Fatal("entry retried before its time")
	}
	c.Set(e.Next)
	d.table["r3@example.test"] = Reply{Code: 250}
	d.table["r4@example.test"] = Reply{Code: 250}
	a.RunOnce(context.Background())
	if got := d.asked[1]; len(got) != 2 || got[0] != "r3@example.test" || got[1] != "r4@example.test" {
		t.Errorf("second attempt asked %v, want only r3 and r4", got)
	}
	if _, err := s.Load(id); !errors.Is(err, ErrNotFound) {
		t.Errorf("entry still active: %v", err)
	}
	f, err := s.LoadFailed(id)
	if err != nil {
		t.Fatalf("entry with a failed recipient not in failed/: %v", err)
	}
	if f.Recipients[0].State != Delivered || f.Recipients[1].State != Failed || f.Recipients[3].State != Delivered {
		t.Errorf("failed entry recipients = %+v", f.Recipients)
	}
}

// SEC-46: the server reads the data and never answers: the entry stays,
// marked transient and possible duplicate.
func TestSEC46NoReplyAfterData(t *testing.T) {
	s, _ := newSpool(t)
	id := enqueue(t, s, "a@example.test")
	var sawInFlight bool
	d := DelivererFunc(func(ctx context.Context, e *Entry, rcpts []string, msg io.Reader) Outcome {
		io.ReadAll(msg)
		cur, _ := s.Load(e.ID)
		sawInFlight = cur.InFlight
		return Outcome{Err: errors.New("timeout waiting for the reply to the data"), PossibleDuplicate: true}
	})
	(&Agent{Spool: s, Deliver: d}).RunOnce(context.Background())
	e, err := s.Load(id)
	if err != nil {
		t.Fatal(err)
	}
	if !sawInFlight {
		t.Error("entry not marked in flight on disk before the end of data")
	}
	if !e.PossibleDuplicate || e.InFlight || e.Recipients[0].State != Pending || e.Attempts != 1 {
		t.Errorf("entry = %+v, want pending, possible duplicate, not in flight", e)
	}
}

// SEC-48: 451 forever: delays double from 5 min to 4000 s, with jitter,
// and the entry expires after 5 days with the last reply; 5xx ends at once.
func TestSEC48BackoffAndLifetime(t *testing.T) {
	b := &Backoff{}
	wantBase := []time.Duration{5 * time.Minute, 10 * time.Minute, 20 * time.Minute, 40 * time.Minute,
		4000 * time.Second, 4000 * time.Second}
	for i, w := range wantBase {
		if got := b.Base(i + 1); got != w {
			t.Errorf("Base(%d) = %v, want %v", i+1, got, w)
		}
	}
	for _, r := range []float64{0, 0.5, 0.999} {
		jb := &Backoff{Rand: func() float64 { return r }}
		got, base := jb.Delay(2), 10*time.Minute
		if got < base*8/10 || got > base*12/10 {
			t.Errorf("Delay with rand %v = %v, want within 20%% of %v", r, got, base)
		}
	}

	s, c := newSpool(t)
	id := enqueue(t, s, "a@example.test")
	d := &replies{table: map[string]Reply{"a@example.test": {Code: 451, Enhanced: "4.3.0", Text: "later"}}}
	a := &Agent{Spool: s, Deliver: d}
	attempts := 0
	for ; attempts < 1000; attempts++ {
		e, err := s.Load(id)
		if err != nil {
			break
		}
		c.Set(e.Next)
		a.RunOnce(context.Background())
	}
	f, err := s.LoadFailed(id)
	if err != nil {
		t.Fatalf("expired entry not in failed/: %v", err)
	}
	if elapsed := c.Now().Sub(t0); elapsed > 5*24*time.Hour || elapsed < 5*24*time.Hour-2*4000*time.Second {
		t.Errorf("expired after %v, want just under 5 days", elapsed)
	}
	if r := f.Recipients[0]; r.State != Failed || !strings.Contains(r.LastReply, "451 4.3.0 later") ||
		!strings.HasPrefix(r.LastReply, "expired") {
		t.Errorf("recipient = %+v, want failed, expired, with the last 451", r)
	}
	if attempts < 100 || attempts > 130 {
		t.Errorf("%d attempts in 5 days, want about 110 at 4000 s each", attempts)
	}

	id = enqueue(t, s, "b@example.test")
	d.table["b@example.test"] = Reply{Code: 550, Enhanced: "5.1.1", Text: "unknown"}
	c.Set(c.Now().Add(time.Second))
	a.RunOnce(context.Background())
	if _, err := s.LoadFailed(id); err != nil {
		t.Errorf("5xx did not end the entry at once: %v", err)
	}
}

func TestRetryAndDelete(t *testing.T) {
	s, c := newSpool(t)
	id := enqueue(t, s, "a@example.test")
	d := &replies{table: map[string]Reply{"a@example.test": {Code: 550, Text: "no"}}}
	a := &Agent{Spool: s, Deliver: d}
	a.RunOnce(context.Background())
	if err := s.Retry(id); err != nil {
		t.Fatal(err)
	}
	e, err := s.Load(id)
	if err != nil || e.Recipients[0].State != Pending || !e.Next.Equal(c.Now()) {
		t.Fatalf("after Retry: %+v, %v; want active and pending", e, err)
	}
	d.table["a@example.test"] = Reply{Code: 250}
	a.RunOnce(context.Background())
	if ids, _ := s.IDs(false); len(ids) != 0 {
		t.Errorf("delivered entry still queued: %v", ids)
	}
	id = enqueue(t, s, "b@example.test")
	if err := s.Delete(id); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(id); !errors.Is(err, ErrNotFound) {
		t.Errorf("second Delete = %v, want ErrNotFound", err)
	}
	if err := s.Delete("../etc"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Delete(../etc) = %v, want ErrNotFound", err)
	}
}

// SIGTERM: Run returns only after the delivery in progress is recorded.
func TestRunFinishesInFlightOnCancel(t *testing.T) {
	s, _ := newSpool(t)
	id := enqueue(t, s, "a@example.test")
	started, release := make(chan struct{}), make(chan struct{})
	d := DelivererFunc(func(ctx context.Context, e *Entry, rcpts []string, msg io.Reader) Outcome {
		close(started)
		<-release
		io.ReadAll(msg)
		if ctx.Err() != nil {
			return Outcome{Err: ctx.Err()}
		}
		return Outcome{Recipients: map[string]Reply{"a@example.test": {Code: 250}}}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- (&Agent{Spool: s, Deliver: d, Poll: 10 * time.Millisecond}).Run(ctx) }()
	<-started
	cancel()
	select {
	case <-done:
		t.Fatal("Run returned while a delivery was in progress")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(id); !errors.Is(err, ErrNotFound) {
		t.Errorf("in-flight delivery not recorded before Run returned: %v", err)
	}
}

func TestOneAgentPerSpool(t *testing.T) {
	s, _ := newSpool(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := &Agent{Spool: s, Deliver: &replies{}, Poll: 10 * time.Millisecond}
	go a.Run(ctx)
	time.Sleep(50 * time.Millisecond)
	if err := (&Agent{Spool: s, Deliver: &replies{}}).Run(ctx); !errors.Is(err, ErrAgentRunning) {
		t.Errorf("second agent Run = %v, want ErrAgentRunning", err)
	}
}

// TestDrainDeliversDueEntriesOnce delivers the due entries with several
// workers and returns; a second agent meanwhile is refused.
func TestDrainDeliversDueEntriesOnce(t *testing.T) {
	s, _ := newSpool(t)
	for range 20 {
		enqueue(t, s, "a@example.test", "b@example.test")
	}
	r := &replies{table: map[string]Reply{"a@example.test": {Code: 250}, "b@example.test": {Code: 250}}}
	a := &Agent{Spool: s, Deliver: r, Workers: 4}
	n, err := a.Drain(context.Background())
	if err != nil || n != 20 {
		t.Fatalf("Drain = %d, %v; want 20, nil", n, err)
	}
	if len(r.asked) != 20 {
		t.Errorf("%d deliveries for 20 entries", len(r.asked))
	}
	if ids, _ := s.IDs(false); len(ids) != 0 {
		t.Errorf("%d entries left", len(ids))
	}
}

// TestScanSeesChangesFromAnotherProcess: the agent caches each entry's
// next attempt time between scans, but a retry written by another
// process (another Spool on the same directory) is seen at the next scan.
func TestScanSeesChangesFromAnotherProcess(t *testing.T) {
	s, clk := newSpool(t)
	id := enqueue(t, s, "a@example.test")
	r := &replies{table: map[string]Reply{"a@example.test": {Code: 451, Text: "later"}}}
	a := &Agent{Spool: s, Deliver: r}
	if n := a.RunOnce(context.Background()); n != 1 {
		t.Fatalf("first scan attempted %d, want 1", n)
	}
	if n := a.RunOnce(context.Background()); n != 0 {
		t.Fatalf("deferred entry attempted again at once (%d)", n)
	}
	other, err := Open(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	other.Now = clk.Now
	if err := other.Retry(id); err != nil {
		t.Fatal(err)
	}
	if n := a.RunOnce(context.Background()); n != 1 {
		t.Errorf("entry retried by another process: attempted %d, want 1", n)
	}
}
