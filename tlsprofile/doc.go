// SPDX-License-Identifier: Apache-2.0

// Package tlsprofile turns TLS versions, cipher suites and a STARTTLS policy
// into a *tls.Config, and describes what a connection negotiated.
package tlsprofile
