// SPDX-License-Identifier: Apache-2.0

package jetstream

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mailwright/mailwright/mailsender/queue"
)

// Config names the JetStream resources and sets the delivery limits. The
// zero value is usable.
type Config struct {
	Stream       string // work-queue stream; "" means "MAILWRIGHT"
	Subject      string // its subject; "" means "mailwright.queue"
	DeadStream   string // dead-letter stream; "" means "MAILWRIGHT_DEAD"
	DeadSubject  string // "" means "mailwright.dead"
	StateBucket  string // key-value bucket; "" means "mailwright-state"
	BodiesBucket string // object store; "" means "mailwright-bodies"
	Consumer     string // durable consumer shared by agents; "" means "agents"
	// Replicas is the replica count of every stream and bucket; 0 means 1.
	// Use 3 on a three-server cluster.
	Replicas int
	// AckWait must exceed the longest send; 0 means 15 minutes. Agents
	// signal progress every AckWait/3 while they work.
	AckWait time.Duration
	// MaxDeliver bounds deliveries of one entry; 0 means 1000. An entry
	// that reaches it is treated as expired.
	MaxDeliver int
	// InlineLimit is the largest message text kept inside the stream
	// message; 0 means the server's payload limit less 4 KiB for headers.
	InlineLimit int64
	// Backoff is the retry schedule and lifetime; nil means defaults.
	Backoff *queue.Backoff
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

func (c *Config) defaults() {
	set := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	set(&c.Stream, "MAILWRIGHT")
	set(&c.Subject, "mailwright.queue")
	set(&c.DeadStream, "MAILWRIGHT_DEAD")
	set(&c.DeadSubject, "mailwright.dead")
	set(&c.StateBucket, "mailwright-state")
	set(&c.BodiesBucket, "mailwright-bodies")
	set(&c.Consumer, "agents")
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	if c.AckWait == 0 {
		c.AckWait = 15 * time.Minute
	}
	if c.MaxDeliver == 0 {
		c.MaxDeliver = 1000
	}
}

// Queue is a connection to the JetStream queue, used both to enqueue and,
// through [Queue.Run], to deliver.
type Queue struct {
	cfg    Config
	js     jetstream.JetStream
	state  jetstream.KeyValue
	bodies jetstream.ObjectStore
	cons   jetstream.Consumer
}

// A Queue takes entries from mailsender's Sender.Enqueue like a spool.
var _ queue.Enqueuer = (*Queue)(nil)

// header names on stream messages.
const (
	hdrID     = "Mailwright-Id"
	hdrObject = "Mailwright-Object" // set when the text is in the object store
)

// New creates or updates the streams, buckets and consumer, and returns the
// queue. Every agent and every enqueuer calls it with the same Config.
func New(ctx context.Context, nc *nats.Conn, cfg *Config) (*Queue, error) {
	q := &Queue{}
	if cfg != nil {
		q.cfg = *cfg
	}
	q.cfg.defaults()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	q.js = js
	if q.cfg.InlineLimit == 0 {
		q.cfg.InlineLimit = max(nc.MaxPayload()-4096, 1024)
	}
	if err := q.setup(ctx); err != nil {
		return nil, fmt.Errorf("jetstream: setting up: %w", err)
	}
	return q, nil
}

func (q *Queue) setup(ctx context.Context) error {
	c := &q.cfg
	_, err := q.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: c.Stream, Subjects: []string{c.Subject}, Retention: jetstream.WorkQueuePolicy,
		Storage: jetstream.FileStorage, Replicas: c.Replicas, Duplicates: 10 * time.Minute,
	})
	if err != nil {
		return err
	}
	_, err = q.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: c.DeadStream, Subjects: []string{c.DeadSubject}, Storage: jetstream.FileStorage,
		Replicas: c.Replicas,
	})
	if err != nil {
		return err
	}
	if q.state, err = q.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: c.StateBucket, Storage: jetstream.FileStorage, Replicas: c.Replicas, History: 1,
	}); err != nil {
		return err
	}
	if q.bodies, err = q.js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket: c.BodiesBucket, Storage: jetstream.FileStorage, Replicas: c.Replicas,
	}); err != nil {
		return err
	}
	q.cons, err = q.js.CreateOrUpdateConsumer(ctx, c.Stream, jetstream.ConsumerConfig{
		Durable: c.Consumer, AckPolicy: jetstream.AckExplicitPolicy, AckWait: c.AckWait,
		MaxDeliver: c.MaxDeliver, MaxAckPending: 10000,
	})
	return err
}

func (q *Queue) now() time.Time {
	if q.cfg.Now != nil {
		return q.cfg.Now()
	}
	return time.Now()
}

// Enqueue stores msg with e's envelope and profile and returns the entry
// id once JetStream has acknowledged both the state and the message (on a
// cluster, once a majority of replicas holds them).
func (q *Queue) Enqueue(ctx context.Context, e *queue.Entry, msg io.Reader) (string, error) {
	if len(e.Recipients) == 0 || e.Profile.Host == "" {
		return "", errors.New("jetstream: entry needs recipients and a profile host")
	}
	now := q.now()
	e.ID = newID(now)
	e.Created, e.Next = now, now
	e.Expires = now.Add(q.cfg.Backoff.LifetimeOrDefault())
	for i := range e.Recipients {
		e.Recipients[i].State = queue.Pending
	}
	head, inline, err := readUpTo(msg, q.cfg.InlineLimit)
	if err != nil {
		return "", err
	}
	m := nats.NewMsg(q.cfg.Subject)
	m.Header.Set(hdrID, e.ID)
	m.Header.Set(jetstream.MsgIDHeader, e.ID)
	if inline {
		m.Data, e.Size = head, int64(len(head))
	} else {
		info, err := q.bodies.Put(ctx, jetstream.ObjectMeta{Name: e.ID},
			io.MultiReader(bytes.NewReader(head), msg))
		if err != nil {
			return "", fmt.Errorf("jetstream: storing message text: %w", err)
		}
		m.Header.Set(hdrObject, e.ID)
		e.Size = int64(info.Size)
	}
	b, _ := json.Marshal(e)
	if _, err := q.state.Create(ctx, e.ID, b); err != nil {
		return "", fmt.Errorf("jetstream: storing state: %w", err)
	}
	if _, err := q.js.PublishMsg(ctx, m); err != nil {
		return "", fmt.Errorf("jetstream: publishing: %w", err)
	}
	return e.ID, nil
}

// readUpTo reads at most limit+1 bytes; inline reports whether that was
// all of r.
func readUpTo(r io.Reader, limit int64) ([]byte, bool, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, false, err
	}
	return b, int64(len(b)) <= limit, nil
}

func newID(now time.Time) string {
	var b [8]byte
	rand.Read(b[:])
	return now.UTC().Format("20060102T150405.000000000Z") + "-" + hex.EncodeToString(b[:])
}

// Dead returns the entries in the dead-letter stream, oldest first.
func (q *Queue) Dead(ctx context.Context) ([]*queue.Entry, error) {
	s, err := q.js.Stream(ctx, q.cfg.DeadStream)
	if err != nil {
		return nil, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, err
	}
	var out []*queue.Entry
	for seq := info.State.FirstSeq; seq > 0 && seq <= info.State.LastSeq; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			continue
		}
		var e queue.Entry
		if json.Unmarshal(m.Data, &e) == nil {
			out = append(out, &e)
		}
	}
	return out, nil
}
