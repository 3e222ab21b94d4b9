// SPDX-License-Identifier: Apache-2.0

// Package conformance replays recorded SMTP dialogues against the client and
// runs the real-server interoperability tier.
package conformance
