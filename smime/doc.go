// SPDX-License-Identifier: Apache-2.0

// Package smime produces and reads S/MIME (RFC 8551) messages.
package smime
