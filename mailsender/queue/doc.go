// SPDX-License-Identifier: Apache-2.0

// Package queue implements the local mail queue: a crash-safe spool folder
// and an agent that delivers its entries with retries.
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
// duplicate" (RFC 5321 section 6.1) before it is retried.
//
// # Layout
//
// A spool directory holds msg/ID.eml (the message, never changed once
// written), state/ID.json (the envelope, profile and per-recipient state,
// replaced atomically on every change), failed/ (both files of entries that
// ended with a failure), and tmp/ for files being written.
package queue
