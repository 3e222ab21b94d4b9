// SPDX-License-Identifier: Apache-2.0

// Package queue implements the local mail queue: a crash-safe spool folder
// and an agent that delivers its entries with retries.
//
// It covers:
//   - RFC 5321 section 4.5.4.1: retry strategy, with the reply codes of
//     section 4.2 deciding per recipient (4xx retried, 5xx final)
//   - RFC 5321 section 6.1: a message whose end-of-data reply never came is
//     retried and marked as a possible duplicate
//   - RFC 3463: enhanced status codes kept with each recipient's last reply
//   - RFC 7628 and Google's XOAUTH2: a token the server refuses is renewed
//     once and the session opened again
//   - RFC 6750 and RFC 9110 section 10.2.3: bearer tokens for the Gmail
//     API and Microsoft Graph, and Retry-After as the earliest next attempt
//
// [Spool.Enqueue] stores entries (mailsender's Sender.Enqueue composes and
// signs them first); [Agent] delivers them through a [Deliverer]: [SMTP],
// which keeps one smtpclient pool of authenticated connections per server
// profile, [API] for entries whose profile names the Gmail API or
// Microsoft Graph, or [Router], which hands each entry to one of the two.
// Any type with an Enqueue method like [Spool]'s is an [Enqueuer]; the
// NATS JetStream backend in the separate module
// github.com/mailwright/mailwright/mailsender/jetstream is one.
//
// An entry is a composed, signed message plus its envelope and a delivery
// [Profile] that names the server and the credential to use, never the
// password or token itself. [Spool.Enqueue] returns only once the entry is
// durable: written to a temporary file, fsynced, renamed into place, and
// the directory fsynced, so a crash at any point loses nothing that was
// acknowledged.
//
// # Delivery rules
//
// Every recipient has its own state. A recipient the server accepted is
// never sent again; a 5xx reply fails it at once; a 4xx reply keeps it for
// a retry. Retries back off exponentially with jitter between
// [Backoff.Min] and [Backoff.Max], and an entry still undelivered after
// [Backoff.Lifetime] moves to the failed folder with the last reply of each
// recipient. Before the end of the message text is sent the entry is marked
// in flight on disk; if the server never answers after the data, or the
// agent dies before it records the answer, the entry is marked "possible
// duplicate" (RFC 5321 section 6.1) before it is retried. For the APIs
// the same holds for a request sent whole without an answer; a Retry-After
// sets the earliest next attempt ([Outcome.RetryAfter]).
//
// # Security
//
// A profile names its credential ("env:NAME", "file:PATH",
// "tokenstore:PATH"); the secret is looked up by the agent when it
// connects ([EnvSecret], [SMTP.Secret], [API.Secret]) and is never written
// to the spool. OAuth 2.0 tokens come from [Secret.Tokens]; one a server
// rejects is renewed once per attempt, never in a loop, and SMTP sessions
// authenticated with a token that expired or was rejected are not reused.
// An API endpoint must be https, or http on loopback. A profile that asks
// for TLS waits rather than send in clear. The spool directory is created
// mode 0700.
//
// # Layout
//
// A spool directory holds msg/ID.eml (the message, never changed once
// written), state/ID.json (the envelope, profile and per-recipient state,
// replaced atomically on every change), failed/ (both files of entries that
// ended with a failure), tmp/ for files being written, and locks/ for the
// striped entry locks.
package queue
