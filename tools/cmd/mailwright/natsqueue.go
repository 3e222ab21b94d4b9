// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mailwright/mailwright/mailsender/jetstream"
	"github.com/mailwright/mailwright/mailsender/queue"
)

// A --queue value that starts with one of these schemes names NATS
// servers (comma-separated, as nats.Connect takes them) instead of a
// spool directory: the queue is then the JetStream backend, shared by
// agents on any number of machines.
var natsSchemes = []string{"nats://", "tls://", "ws://", "wss://"}

// isNATS reports whether a --queue value names NATS servers.
func isNATS(q string) bool {
	for _, s := range natsSchemes {
		if strings.HasPrefix(strings.ToLower(q), s) {
			return true
		}
	}
	return false
}

// natsOptions are the settings of a connection to a JetStream queue. The
// command line gives them as flags (agent) or, for "send --queue", in
// $MAILWRIGHT_NATS_CREDS, $MAILWRIGHT_NATS_CA and $MAILWRIGHT_NATS_REPLICAS.
type natsOptions struct {
	creds    string // NATS credentials file (JWT and NKey seed)
	ca       string // PEM file of authorities the servers' certificates chain to
	replicas int    // replicas of the streams and buckets; 0 means 1
	stream   string // work-queue stream name; "" means jetstream's default
	backoff  *queue.Backoff
}

// natsFromEnv fills what the flags left empty from the environment.
func (o *natsOptions) natsFromEnv(getenv func(string) string) error {
	if o.creds == "" {
		o.creds = getenv("MAILWRIGHT_NATS_CREDS")
	}
	if o.ca == "" {
		o.ca = getenv("MAILWRIGHT_NATS_CA")
	}
	if v := getenv("MAILWRIGHT_NATS_REPLICAS"); o.replicas == 0 && v != "" {
		if _, err := fmt.Sscan(v, &o.replicas); err != nil || o.replicas < 1 || o.replicas > 5 {
			return fmt.Errorf("$MAILWRIGHT_NATS_REPLICAS is %q, want 1 to 5", v)
		}
	}
	return nil
}

// openNATS connects to the servers and sets up (or finds) the queue's
// streams and buckets. The connection reconnects for ever, so that an
// agent rides out the restart of a server; close it with Drain.
func openNATS(ctx context.Context, servers string, o *natsOptions) (*jetstream.Queue, *nats.Conn, error) {
	opts := []nats.Option{nats.Name("mailwright"), nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second)}
	if o.creds != "" {
		opts = append(opts, nats.UserCredentials(o.creds))
	}
	if o.ca != "" {
		opts = append(opts, nats.RootCAs(o.ca))
	}
	nc, err := nats.Connect(servers, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("connecting to NATS at %s: %w", servers, err)
	}
	q, err := jetstream.New(ctx, nc, &jetstream.Config{Stream: o.stream, Replicas: o.replicas,
		Backoff: o.backoff})
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return q, nc, nil
}

// runNATSAgent is "mailwright agent --queue nats://...": it delivers the
// JetStream queue until the command is interrupted, then lets the
// deliveries in progress finish.
func runNATSAgent(ctx context.Context, e *env, f *agentFlags) error {
	if f.once {
		return &exitError{code: 2, err: errors.New("--once works on a queue directory; " +
			"a JetStream queue is shared by agents that run until stopped")}
	}
	o := &natsOptions{creds: f.natsCreds, ca: f.natsCA, replicas: f.replicas, stream: f.stream,
		backoff: &queue.Backoff{Min: f.minRetry, Max: f.maxRetry, Lifetime: f.lifetime}}
	if err := o.natsFromEnv(e.getenv); err != nil {
		return &exitError{code: 2, err: err}
	}
	q, nc, err := openNATS(ctx, f.dir, o)
	if err != nil {
		return err
	}
	defer nc.Drain()
	d, closeTrace, err := f.deliverer(e)
	if err != nil {
		return err
	}
	defer closeTrace()
	defer d.Close(context.WithoutCancel(ctx))
	return q.Run(ctx, d, &jetstream.RunOptions{Workers: f.workers, Logger: f.logger(e)})
}

// enqueueNATS stores a message of "send --queue nats://..." in the
// JetStream queue, which has acknowledged it (on a cluster, a majority of
// the replicas holds it) when the id is printed.
func enqueueNATS(ctx context.Context, job *sendJob, enqueue func(queue.Enqueuer) (string, error)) (string, error) {
	o := &natsOptions{}
	getenv := job.getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if err := o.natsFromEnv(getenv); err != nil {
		return "", &exitError{code: 2, err: err}
	}
	q, nc, err := openNATS(ctx, job.queue, o)
	if err != nil {
		return "", err
	}
	defer nc.Drain()
	return enqueue(q)
}
