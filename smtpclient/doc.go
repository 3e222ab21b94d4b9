// SPDX-License-Identifier: Apache-2.0

// Package smtpclient implements an SMTP client (RFC 5321) with STARTTLS,
// AUTH, PIPELINING and CHUNKING.
package smtpclient
