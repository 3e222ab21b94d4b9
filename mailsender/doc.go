// SPDX-License-Identifier: Apache-2.0

// Package mailsender composes, signs and sends mail: the facade over the
// mailwright modules.
package mailsender
