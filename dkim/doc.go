// SPDX-License-Identifier: Apache-2.0

// Package dkim signs and verifies DomainKeys Identified Mail (RFC 6376).
package dkim
