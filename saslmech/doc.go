// SPDX-License-Identifier: Apache-2.0

// Package saslmech implements the client side of the SASL mechanisms used by
// SMTP AUTH (RFC 4954), behind one small [Mechanism] interface.
package saslmech
