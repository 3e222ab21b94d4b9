// SPDX-License-Identifier: Apache-2.0

// Package mime composes RFC 5322 / MIME messages as a stream.
package mime
