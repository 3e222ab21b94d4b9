// SPDX-License-Identifier: Apache-2.0

package jetstream

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mailwright/mailwright/mailsender/queue"
)

// RunOptions tunes an agent. A nil *RunOptions means one worker and a
// silent logger.
type RunOptions struct {
	Workers int          // concurrent deliveries; 0 means 1
	Logger  *slog.Logger // nil means silent
	// Finished, if set, is called after an entry leaves the queue.
	Finished func(e *queue.Entry)
}

// Run takes entries from the queue and delivers them with d until ctx is
// cancelled; deliveries in progress then finish before Run returns.
func (q *Queue) Run(ctx context.Context, d queue.Deliverer, o *RunOptions) error {
	if o == nil {
		o = &RunOptions{}
	}
	a := &agent{q: q, d: d, o: o, log: o.Logger}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	var wg sync.WaitGroup
	work := context.WithoutCancel(ctx)
	for range max(o.Workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				batch, err := q.cons.Fetch(1, jetstream.FetchMaxWait(time.Second))
				if err != nil {
					sleep(ctx, 200*time.Millisecond)
					continue
				}
				for m := range batch.Messages() {
					a.handle(work, m)
				}
			}
		}()
	}
	wg.Wait()
	return nil
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

type agent struct {
	q   *Queue
	d   queue.Deliverer
	o   *RunOptions
	log *slog.Logger
}

// handle delivers one stream message: it loads the entry's state, sends
// to the pending recipients, records the outcome, and acknowledges,
// delays or terminates the message.
func (a *agent) handle(ctx context.Context, m jetstream.Msg) {
	id := m.Headers().Get(hdrID)
	stop := a.progress(m)
	defer stop()
	kv, err := a.q.state.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		m.Term() // finished or deleted earlier; the ack was lost
		return
	}
	if err != nil {
		m.NakWithDelay(time.Second)
		return
	}
	st := &stateRef{a: a, id: id, rev: kv.Revision()}
	e := new(queue.Entry)
	if err := json.Unmarshal(kv.Value(), e); err != nil {
		a.log.Error("jetstream: unreadable state", "id", id, "err", err)
		m.Term()
		return
	}
	a.deliver(ctx, m, e, st)
}

func (a *agent) deliver(ctx context.Context, m jetstream.Msg, e *queue.Entry, st *stateRef) {
	if e.InFlight {
		e.InFlight, e.PossibleDuplicate = false, true
		a.log.Warn("jetstream: possible duplicate: an agent stopped during delivery", "id", e.ID)
	}
	now := a.q.now()
	meta, _ := m.Metadata()
	if !e.Done() && (now.After(e.Expires) || meta != nil && int(meta.NumDelivered) >= a.q.cfg.MaxDeliver) {
		e.Apply(queue.Outcome{Err: errors.New("lifetime or delivery count exceeded"), Permanent: true},
			now, a.q.cfg.Backoff)
	}
	if e.Done() {
		a.finish(ctx, m, e, st)
		return
	}
	if e.Next.After(now) {
		m.NakWithDelay(e.Next.Sub(now))
		return
	}
	body, err := a.body(ctx, m, e.ID)
	if err != nil {
		m.NakWithDelay(time.Second)
		return
	}
	defer body.Close()
	msg := &marking{r: body, mark: func() error {
		e.InFlight = true
		return st.save(ctx, e)
	}}
	o := a.d.Deliver(ctx, e, e.Pending(), msg)
	if o.PossibleDuplicate {
		a.log.Warn("jetstream: possible duplicate: no reply after the data", "id", e.ID)
	}
	done := e.Apply(o, a.q.now(), a.q.cfg.Backoff)
	if err := st.save(ctx, e); err != nil {
		a.log.Error("jetstream: recording outcome", "id", e.ID, "err", err)
		m.Nak()
		return
	}
	if done {
		a.finish(ctx, m, e, st)
		return
	}
	m.NakWithDelay(max(e.Next.Sub(a.q.now()), 0))
}

// finish copies a failed entry to the dead-letter stream, removes its
// text and state, and acknowledges the stream message.
func (a *agent) finish(ctx context.Context, m jetstream.Msg, e *queue.Entry, st *stateRef) {
	if e.Failures() {
		b, _ := json.Marshal(e)
		dm := nats.NewMsg(a.q.cfg.DeadSubject)
		dm.Data = b
		dm.Header.Set(jetstream.MsgIDHeader, e.ID)
		if err := retry(ctx, func() error { _, err := a.q.js.PublishMsg(ctx, dm); return err }); err != nil {
			m.Nak()
			return
		}
	}
	if m.Headers().Get(hdrObject) != "" {
		retry(ctx, func() error {
			err := a.q.bodies.Delete(ctx, e.ID)
			if errors.Is(err, jetstream.ErrObjectNotFound) {
				return nil
			}
			return err
		})
	}
	if err := retry(ctx, func() error { return a.q.state.Delete(ctx, e.ID) }); err != nil {
		m.Nak()
		return
	}
	retry(ctx, func() error { return m.DoubleAck(ctx) })
	if a.o.Finished != nil {
		a.o.Finished(e)
	}
}

// body returns the message text, inline or from the object store.
func (a *agent) body(ctx context.Context, m jetstream.Msg, id string) (io.ReadCloser, error) {
	if m.Headers().Get(hdrObject) == "" {
		return io.NopCloser(bytes.NewReader(m.Data())), nil
	}
	return a.q.bodies.Get(ctx, id)
}

// progress tells the server the message is still being worked on, every
// third of the ack wait, until stop is called.
func (a *agent) progress(m jetstream.Msg) (stop func()) {
	t := time.NewTicker(a.q.cfg.AckWait / 3)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-t.C:
				m.InProgress()
			case <-done:
				return
			}
		}
	}()
	return func() { t.Stop(); close(done) }
}

// stateRef updates one entry's state with compare-and-set.
type stateRef struct {
	a   *agent
	id  string
	rev uint64
}

// save writes e, retrying through a cluster's leader changes. A write that
// succeeded although its answer was lost is recognised by its content.
func (s *stateRef) save(ctx context.Context, e *queue.Entry) error {
	b, _ := json.Marshal(e)
	return retry(ctx, func() error {
		rev, err := s.a.q.state.Update(ctx, s.id, b, s.rev)
		if err == nil {
			s.rev = rev
			return nil
		}
		cur, gerr := s.a.q.state.Get(ctx, s.id)
		if gerr == nil && bytes.Equal(cur.Value(), b) {
			s.rev = cur.Revision()
			return nil
		}
		if gerr == nil && cur.Revision() != s.rev {
			return permanent{fmt.Errorf("state of %s changed by another agent", s.id)}
		}
		return err
	})
}

// permanent marks an error retry must not retry.
type permanent struct{ error }

// retry runs fn until it succeeds, returns a permanent error, or 30
// seconds pass (long enough for a JetStream cluster to elect a leader).
func retry(ctx context.Context, fn func() error) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := fn()
		var p permanent
		if err == nil || errors.As(err, &p) || time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		sleep(ctx, 250*time.Millisecond)
	}
}

// marking calls mark when the reader first reaches its end, so the entry
// is recorded as in flight before the end of data is sent.
type marking struct {
	r      io.Reader
	mark   func() error
	marked bool
}

func (m *marking) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	if err == io.EOF && !m.marked {
		m.marked = true
		if merr := m.mark(); merr != nil {
			return n, fmt.Errorf("jetstream: recording in-flight state: %w", merr)
		}
	}
	return n, err
}
