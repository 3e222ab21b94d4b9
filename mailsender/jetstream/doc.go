// SPDX-License-Identifier: Apache-2.0

// Package jetstream is the distributed backend of the mailwright queue, on
// NATS JetStream. Any number of agents on any number of machines share the
// work, under the same delivery rules as the local spool of package
// [queue]: per-recipient state, exponential backoff with jitter, a
// lifetime, and "possible duplicate" marking.
//
// It lives in a module of its own so that users of the local queue never
// download the NATS client.
//
// # Layout in JetStream
//
//   - A work-queue stream (default "MAILWRIGHT", subject "mailwright.queue")
//     holds one message per entry, with the entry id in the Nats-Msg-Id
//     header (duplicate publishes are dropped) and the message text inline
//     when it fits the server's payload limit.
//   - Larger texts are kept in an object store bucket ("mailwright-bodies").
//   - The delivery state of each entry (envelope, profile, per-recipient
//     state, attempts) is a key-value entry ("mailwright-state"), updated
//     with compare-and-set on every change, so a recipient the server
//     accepted is never sent again even when the stream message is
//     redelivered to another agent.
//   - Entries that expire or fail are copied, with their final state, to a
//     dead-letter stream ("MAILWRIGHT_DEAD", subject "mailwright.dead").
//
// The consumer uses explicit acknowledgement with an ack wait longer than
// the longest send; agents signal progress during long transfers, and a
// 4xx outcome is answered with a negative acknowledgement delayed by the
// backoff.
package jetstream
