// SPDX-License-Identifier: Apache-2.0

package queue

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Deliverer sends one entry's message to the given recipients and reports
// what each recipient's final reply was.
//
// The message reader handed to Deliver records, durably, that the entry is
// in flight at the moment it returns io.EOF, that is when the whole text
// has been read and only the end of data is still to be sent. A Deliverer
// must therefore read msg to its end before it finishes the data; if that
// record cannot be written, msg returns the error instead of io.EOF and the
// transaction must be abandoned.
type Deliverer interface {
	Deliver(ctx context.Context, e *Entry, rcpts []string, msg io.Reader) Outcome
}

// Enqueuer stores entries for delivery. [*Spool] implements it, and so does
// the distributed backend in package
// github.com/mailwright/mailwright/mailsender/jetstream.
type Enqueuer interface {
	Enqueue(ctx context.Context, e *Entry, msg io.Reader) (string, error)
}

var _ Enqueuer = (*Spool)(nil)

// DelivererFunc adapts a function to [Deliverer].
type DelivererFunc func(ctx context.Context, e *Entry, rcpts []string, msg io.Reader) Outcome

// Deliver calls f.
func (f DelivererFunc) Deliver(ctx context.Context, e *Entry, rcpts []string, msg io.Reader) Outcome {
	return f(ctx, e, rcpts, msg)
}

// Agent delivers the entries of a spool.
type Agent struct {
	Spool   *Spool
	Deliver Deliverer
	// Workers is the number of concurrent deliveries; 0 means 1.
	Workers int
	// Backoff is the retry schedule; nil means defaults.
	Backoff *Backoff
	// Poll is how often the spool is scanned for due entries; 0 means 1 s.
	Poll time.Duration
	// Grace bounds how long in-flight deliveries may run after Run's
	// context is cancelled (SIGTERM); 0 means 10 minutes, the end-of-data
	// timeout of RFC 5321 section 4.5.3.2.
	Grace time.Duration
	// Logger receives one record per attempt and per possible duplicate;
	// nil means silent.
	Logger *slog.Logger
	// Finished, if set, is called after an entry leaves the queue.
	Finished func(e *Entry)

	busy  sync.Map // id -> struct{}: entries being delivered
	sched schedule // next attempt times, so a scan reads only changed entries
}

func (a *Agent) logger() *slog.Logger {
	if a.Logger == nil {
		return slog.New(discard{})
	}
	return a.Logger
}

type discard struct{}

func (discard) Enabled(context.Context, slog.Level) bool  { return false }
func (discard) Handle(context.Context, slog.Record) error { return nil }
func (d discard) WithAttrs([]slog.Attr) slog.Handler      { return d }
func (d discard) WithGroup(string) slog.Handler           { return d }

// ErrAgentRunning is returned by Run when another agent holds the spool.
var ErrAgentRunning = errors.New("queue: another agent is delivering this spool")

// Run delivers due entries until ctx is cancelled, then lets the
// deliveries in progress finish (within Grace) and returns. Only one agent
// may run on a spool at a time.
func (a *Agent) Run(ctx context.Context) error {
	release, err := a.exclusive()
	if err != nil {
		return err
	}
	defer release()
	if err := a.Recover(); err != nil {
		return err
	}
	work := make(chan string)
	var wg sync.WaitGroup
	deliverCtx, cancel := a.graceContext(ctx)
	defer cancel()
	for range max(a.Workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				a.attempt(deliverCtx, id)
			}
		}()
	}
	a.dispatch(ctx, work)
	close(work)
	wg.Wait()
	return nil
}

// graceContext returns a context for deliveries: it survives the
// cancellation of ctx for Grace, so in-flight transactions can finish.
func (a *Agent) graceContext(ctx context.Context) (context.Context, context.CancelFunc) {
	grace := a.Grace
	if grace == 0 {
		grace = 10 * time.Minute
	}
	dctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(grace, cancel)
		context.AfterFunc(dctx, func() { t.Stop() })
	})
	return dctx, func() { stop(); cancel() }
}

// dispatch hands due entries to the workers until ctx is done.
func (a *Agent) dispatch(ctx context.Context, work chan<- string) {
	poll := a.Poll
	if poll == 0 {
		poll = time.Second
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		for _, id := range a.due() {
			if _, dup := a.busy.LoadOrStore(id, struct{}{}); dup {
				continue
			}
			select {
			case work <- id:
			case <-ctx.Done():
				a.busy.Delete(id)
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// due lists the ids of entries whose next attempt time has come, in the
// order they were queued.
func (a *Agent) due() []string {
	des, err := os.ReadDir(filepath.Join(a.Spool.dir, stateDir))
	if err != nil {
		a.logger().Error("queue: listing spool", "err", err)
		return nil
	}
	now := a.Spool.now()
	var due []string
	for _, de := range des {
		id, ok := strings.CutSuffix(de.Name(), ".json")
		if !ok {
			continue
		}
		if _, busy := a.busy.Load(id); busy {
			continue
		}
		if next, ok := a.sched.next(a.Spool, id, de); ok && !next.After(now) {
			due = append(due, id)
		}
	}
	a.sched.prune(des)
	return due
}

// RunOnce delivers every entry that is due now, one at a time, and
// returns how many it attempted. It is for tools and tests; it does not
// take the agent lock.
func (a *Agent) RunOnce(ctx context.Context) int {
	n := 0
	for _, id := range a.due() {
		a.busy.Store(id, struct{}{})
		a.attempt(ctx, id)
		n++
	}
	return n
}

// Drain delivers every entry that is due now, Workers at a time, and
// returns how many it attempted. Like Run, it takes the agent lock and
// first recovers entries an earlier agent left in flight; unlike Run, it
// returns as soon as those deliveries are done, for a command run from
// cron or a test.
func (a *Agent) Drain(ctx context.Context) (int, error) {
	release, err := a.exclusive()
	if err != nil {
		return 0, err
	}
	defer release()
	if err := a.Recover(); err != nil {
		return 0, err
	}
	ids := a.due()
	work := make(chan string)
	var wg sync.WaitGroup
	for range max(a.Workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				a.attempt(ctx, id)
			}
		}()
	}
	for _, id := range ids {
		a.busy.Store(id, struct{}{})
		work <- id
	}
	close(work)
	wg.Wait()
	return len(ids), nil
}

// Recover marks every entry that was in flight when an agent died as a
// possible duplicate; Run calls it before delivering.
func (a *Agent) Recover() error {
	ids, err := a.Spool.IDs(false)
	if err != nil {
		return err
	}
	for _, id := range ids {
		e, err := a.Spool.Update(id, func(e *Entry) error {
			if !e.InFlight {
				return errUnchanged
			}
			e.InFlight, e.PossibleDuplicate = false, true
			return nil
		})
		if err == nil {
			a.logger().Warn("queue: possible duplicate: agent stopped during delivery",
				"id", id, "recipients", e.Pending())
		}
	}
	return nil
}

var errUnchanged = errors.New("unchanged")

// attempt delivers entry id once and records the outcome.
func (a *Agent) attempt(ctx context.Context, id string) {
	defer a.busy.Delete(id)
	e, err := a.Spool.Load(id)
	if err != nil || e.Next.After(a.Spool.now()) {
		return // finished, deleted or rescheduled since the scan
	}
	f, err := a.Spool.OpenMessage(id)
	if err != nil {
		a.record(id, Outcome{Err: fmt.Errorf("queue: message file: %w", err)})
		return
	}
	defer f.Close()
	msg := &markingReader{r: f, mark: func() error { return a.markInFlight(id) }}
	o := a.Deliver.Deliver(ctx, e, e.Pending(), msg)
	crashPoint("after-server-reply")
	if o.PossibleDuplicate {
		a.logger().Warn("queue: possible duplicate: no reply after the data", "id", id)
	}
	a.record(id, o)
}

func (a *Agent) markInFlight(id string) error {
	_, err := a.Spool.Update(id, func(e *Entry) error { e.InFlight = true; return nil })
	return err
}

// record applies an outcome to the entry and finishes it when nothing is
// pending.
func (a *Agent) record(id string, o Outcome) {
	e, done, err := a.apply(id, o)
	if err != nil {
		a.logger().Error("queue: recording outcome", "id", id, "err", err)
		return
	}
	a.logger().Info("queue: attempt", "id", id, "attempts", e.Attempts,
		"pending", len(e.Pending()), "err", e.LastError)
	if done && a.Finished != nil {
		a.Finished(e)
	}
}

// apply records o in entry id under its lock. An entry that is finished
// leaves the queue at once, without first saving its final state: a crash
// before the removal leaves it in flight, to be retried as a possible
// duplicate, exactly as a crash just before the outcome was known.
func (a *Agent) apply(id string, o Outcome) (*Entry, bool, error) {
	unlock, err := a.Spool.lock(id)
	if err != nil {
		return nil, false, err
	}
	defer unlock()
	e, err := a.Spool.Load(id)
	if err != nil {
		return nil, false, err
	}
	if !e.Apply(o, a.Spool.now(), a.Backoff) {
		return e, false, a.Spool.save(e)
	}
	if err := a.Spool.finish(e); err != nil {
		return nil, false, fmt.Errorf("finishing entry: %w", err)
	}
	return e, true, nil
}

// markingReader calls mark when the reader first reaches its end.
type markingReader struct {
	r      io.Reader
	mark   func() error
	marked bool
}

func (m *markingReader) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	if err == io.EOF && !m.marked {
		m.marked = true
		if merr := m.mark(); merr != nil {
			return n, fmt.Errorf("queue: recording in-flight state: %w", merr)
		}
	}
	return n, err
}

// exclusive takes the agent lock of the spool without waiting.
func (a *Agent) exclusive() (func(), error) {
	f, err := os.OpenFile(filepath.Join(a.Spool.dir, "agent.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, ErrAgentRunning
	}
	return func() { f.Close() }, nil
}
