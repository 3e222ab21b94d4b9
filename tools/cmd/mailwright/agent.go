// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mailwright/mailwright/mailsender/queue"
	"github.com/mailwright/mailwright/oauthgmail"
	"github.com/mailwright/mailwright/smtpclient"
)

func init() {
	register(&command{
		name:    "agent",
		summary: "deliver the messages of a queue directory, with retries",
		run:     runAgent,
	})
}

// agentFlags is the parsed command line of "mailwright agent".
type agentFlags struct {
	dir, localName, transcript  string
	natsCreds, natsCA, stream   string
	workers, maxConns, replicas int
	once                        bool
	poll, minRetry, maxRetry    time.Duration
	lifetime, grace             time.Duration
}

func newAgentFlagSet(f *agentFlags, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("mailwright agent", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&f.dir, "queue", "", "queue `directory`, or NATS servers (nats://host:4222,...) "+
		"for the JetStream queue shared by agents on many machines (required)")
	fs.StringVar(&f.natsCreds, "nats-creds", "", "with a NATS queue, the credentials `file` "+
		"(default $MAILWRIGHT_NATS_CREDS)")
	fs.StringVar(&f.natsCA, "nats-ca", "", "with a NATS queue, a PEM `file` of authorities for "+
		"the servers' certificates (default $MAILWRIGHT_NATS_CA)")
	fs.IntVar(&f.replicas, "replicas", 0, "with a NATS queue, replicas of its streams and buckets "+
		"(3 on a three-server cluster; default $MAILWRIGHT_NATS_REPLICAS or 1)")
	fs.StringVar(&f.stream, "stream", "", "with a NATS queue, the work-queue stream `name` (default MAILWRIGHT)")
	fs.IntVar(&f.workers, "workers", 4, "concurrent deliveries")
	fs.IntVar(&f.maxConns, "max-conns", 0, "connections per server (default: --workers)")
	fs.BoolVar(&f.once, "once", false, "deliver what is due now, then exit")
	fs.DurationVar(&f.poll, "poll", time.Second, "how often the queue is scanned")
	fs.DurationVar(&f.minRetry, "min-retry", 5*time.Minute, "first retry delay")
	fs.DurationVar(&f.maxRetry, "max-retry", 4000*time.Second, "largest retry delay")
	fs.DurationVar(&f.lifetime, "lifetime", 5*24*time.Hour, "how long an entry is retried")
	fs.DurationVar(&f.grace, "grace", 10*time.Minute,
		"on SIGTERM, how long deliveries in progress may take to finish")
	fs.StringVar(&f.localName, "local-name", "", "EHLO `name` (default localhost)")
	fs.StringVar(&f.transcript, "transcript", "",
		"append the SMTP dialogues and API request lines, AUTH payloads and tokens redacted, to `file`")
	return fs
}

func runAgent(ctx context.Context, e *env, args []string) error {
	var f agentFlags
	fs := newAgentFlagSet(&f, e.stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return &exitError{code: 2, err: err}
	}
	if f.dir == "" || fs.NArg() > 0 || f.workers < 1 {
		return &exitError{code: 2, err: errors.New("usage: mailwright agent --queue DIR|nats://HOST:PORT [--workers N] [--once]")}
	}
	if isNATS(f.dir) {
		return runNATSAgent(ctx, e, &f)
	}
	a, d, closeTrace, err := f.agent(e)
	if err != nil {
		return err
	}
	defer closeTrace()
	defer d.Close(context.WithoutCancel(ctx))
	if f.once {
		// Count how the attempts ended, for the summary and the exit
		// status: entries left queued for a retry are normal, entries
		// that failed (a recipient refused for good, or expired) are not.
		var delivered, failed atomic.Int64
		a.Finished = func(en *queue.Entry) {
			if en.Failures() {
				failed.Add(1)
			} else {
				delivered.Add(1)
			}
		}
		n, err := a.Drain(ctx)
		d, fl := delivered.Load(), failed.Load()
		fmt.Fprintf(e.stdout, "attempted %d entries: %d delivered, %d failed, %d still queued\n",
			n, d, fl, int64(n)-d-fl)
		if err == nil && fl > 0 {
			err = fmt.Errorf("%d entries failed; \"mailwright queue list --queue %s\" shows the "+
				"failed folder's replies", fl, f.dir)
		}
		return err
	}
	return a.Run(ctx)
}

// agent builds the agent the flags describe.
func (f *agentFlags) agent(e *env) (*queue.Agent, *queue.Router, func(), error) {
	// A mistyped directory must not become a new, empty queue that the
	// agent then watches for ever: the directory must exist ("send
	// --queue" creates it).
	if fi, err := os.Stat(f.dir); err != nil || !fi.IsDir() {
		return nil, nil, nil, fmt.Errorf("no queue directory %s (\"mailwright send --queue %s\" creates it)", f.dir, f.dir)
	}
	sp, err := queue.Open(f.dir)
	if err != nil {
		return nil, nil, nil, err
	}
	b := &queue.Backoff{Min: f.minRetry, Max: f.maxRetry, Lifetime: f.lifetime}
	sp.Backoff = b
	d, closeTrace, err := f.deliverer(e)
	if err != nil {
		return nil, nil, nil, err
	}
	a := &queue.Agent{Spool: sp, Deliver: d, Workers: f.workers, Backoff: b, Poll: f.poll,
		Grace: f.grace, Logger: f.logger(e)}
	return a, d, closeTrace, nil
}

// deliverer builds the deliverer both kinds of queue use: a router that
// sends SMTP entries with one connection pool per server profile, and
// entries for "Google API" or "Microsoft Graph" through the HTTPS APIs,
// credentials resolved here for both.
func (f *agentFlags) deliverer(e *env) (*queue.Router, func(), error) {
	opts := &smtpclient.Options{LocalName: f.localName}
	closeTrace := func() {}
	if f.transcript != "" {
		tf, err := os.OpenFile(f.transcript, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return nil, nil, fmt.Errorf("--transcript: %w", err)
		}
		opts.Trace, closeTrace = &lockedWriter{w: tf}, func() { tf.Close() }
	}
	conns := f.maxConns
	if conns == 0 {
		conns = f.workers
	}
	secret := cliSecret(e.getenv)
	return &queue.Router{
		SMTP: &queue.SMTP{Secret: secret, Options: opts, MaxConns: conns},
		API:  &queue.API{Secret: secret, Trace: opts.Trace},
	}, closeTrace, nil
}

func (f *agentFlags) logger(e *env) *slog.Logger {
	return slog.New(slog.NewTextHandler(e.stderr, nil))
}

// lockedWriter serialises the trace lines of concurrent sessions.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// cliSecret resolves credential names for the agent: "env:NAME" from the
// command's environment, "file:PATH" as queue.EnvSecret does, and
// "tokenstore:PATH", an oauthgmail token file whose access token is
// renewed when it is about to expire or a server rejects it. One token
// source per file is kept for the agent's life, so its sessions share the
// token in memory.
func cliSecret(getenv func(string) string) queue.SecretFunc {
	var mu sync.Mutex
	sources := map[string]*oauthgmail.TokenSource{}
	return func(ctx context.Context, p *queue.Profile) (queue.Secret, error) {
		kind, ref, _ := strings.Cut(p.Credential, ":")
		switch kind {
		case "env":
			v := getenv(ref)
			if v == "" {
				return queue.Secret{}, fmt.Errorf("%w: $%s is empty", queue.ErrNoSecret, ref)
			}
			return queue.ParseSecret(v), nil
		case "tokenstore":
			mu.Lock()
			ts, ok := sources[ref]
			if !ok {
				ts = oauthgmail.NewTokenSource(&oauthgmail.Store{Path: ref}, nil)
				sources[ref] = ts
			}
			mu.Unlock()
			if _, err := ts.TokenContext(ctx); err != nil {
				return queue.Secret{}, fmt.Errorf("%w: %v", queue.ErrNoSecret, err)
			}
			return queue.Secret{Tokens: ts}, nil
		}
		return queue.EnvSecret(ctx, p)
	}
}
