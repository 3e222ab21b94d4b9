// SPDX-License-Identifier: Apache-2.0

package dkim

import (
	"crypto"
	"time"
)

// Algorithm is a DKIM signing algorithm, as written in the a= tag (RFC 6376
// section 3.3, RFC 8463).
type Algorithm string

// The signing algorithms.
const (
	// RSASHA256 is rsa-sha256, the default for RSA keys.
	RSASHA256 Algorithm = "rsa-sha256"
	// Ed25519SHA256 is ed25519-sha256 (RFC 8463), the default for Ed25519
	// keys.
	Ed25519SHA256 Algorithm = "ed25519-sha256"
	// RSASHA1 is rsa-sha1.
	//
	// Deprecated: RFC 8301 forbids signing with rsa-sha1 and verifiers
	// reject it. It is offered only to reproduce the signatures of old
	// setups; use RSASHA256.
	RSASHA1 Algorithm = "rsa-sha1"
)

// Canonicalization is a DKIM canonicalization algorithm (RFC 6376 section
// 3.4).
type Canonicalization string

// The canonicalization algorithms.
const (
	// Simple tolerates almost no change to the message (section 3.4.1 and
	// 3.4.3).
	Simple Canonicalization = "simple"
	// Relaxed tolerates changes to whitespace and header folding (section
	// 3.4.2 and 3.4.4).
	Relaxed Canonicalization = "relaxed"
)

// Flags leave header fields out of the default set of signed fields. The
// values are the option bits of the classic mail component's SendCertified
// call: bit 1 (value 1) leaves out Date, bit 2 (value 2) Message-ID, and
// bits 3, 4 and 5 (values 4, 8 and 16) List-Unsubscribe,
// List-Unsubscribe-Post and Feedback-ID.
type Flags uint

// The exclusion flags.
const (
	ExcludeDate                Flags = 1 << 0
	ExcludeMessageID           Flags = 1 << 1
	ExcludeListUnsubscribe     Flags = 1 << 2
	ExcludeListUnsubscribePost Flags = 1 << 3
	ExcludeFeedbackID          Flags = 1 << 4
)

// excluded maps each flag to the field it removes, in lower case.
var excluded = []struct {
	flag Flags
	name string
}{
	{ExcludeDate, "date"},
	{ExcludeMessageID, "message-id"},
	{ExcludeListUnsubscribe, "list-unsubscribe"},
	{ExcludeListUnsubscribePost, "list-unsubscribe-post"},
	{ExcludeFeedbackID, "feedback-id"},
}

// DefaultHeaderKeys is the set of header fields signed when
// SignOptions.HeaderKeys is nil, each as often as it occurs in the message.
var DefaultHeaderKeys = []string{
	"From", "To", "Cc", "Subject", "Date", "Message-ID", "Reply-To",
	"In-Reply-To", "References", "MIME-Version", "Content-Type",
	"Content-Transfer-Encoding", "List-Unsubscribe", "List-Unsubscribe-Post",
	"Feedback-ID",
}

// OversignedKeys are the header fields that SignOptions.Oversign lists once
// more than they occur, so that no instance can be added after signing
// (RFC 6376 section 8.15).
var OversignedKeys = []string{
	"From", "Subject", "To", "Cc", "Date", "Message-ID", "Content-Type",
}

// SignOptions describes one DKIM signature. Domain, Selector and Signer are
// required; every other field has a useful zero value.
type SignOptions struct {
	// Domain is the signing domain, the d= tag. It must be the domain of
	// every From address or a parent of it; otherwise signing fails with a
	// [*DomainError].
	Domain string
	// Selector is the s= tag: the key is published at
	// Selector._domainkey.Domain.
	Selector string
	// Signer is the private key: an *rsa.PrivateKey of at least 1024 bits
	// (2048 is usual), an ed25519.PrivateKey, or any crypto.Signer whose
	// public key is one of those (see LoadKey and LoadPKCS12).
	Signer crypto.Signer

	// Algorithm is the a= tag. The zero value picks rsa-sha256 for an RSA
	// key and ed25519-sha256 for an Ed25519 key.
	Algorithm Algorithm
	// HeaderCanonicalization and BodyCanonicalization make up the c= tag.
	// The zero value of each is Relaxed. (Note that a signature without c=
	// means simple/simple; the signer always writes c=.)
	HeaderCanonicalization Canonicalization
	BodyCanonicalization   Canonicalization

	// HeaderKeys, when not nil, is the h= tag exactly, in order: a name
	// listed twice signs two instances, and a name listed more often than
	// the field occurs over-signs it. It must contain From. When nil, the
	// fields of DefaultHeaderKeys that the message holds are signed, each
	// as many times as it occurs.
	HeaderKeys []string
	// Oversign lists each field of OversignedKeys (unless excluded by
	// Exclude) once more than it occurs, so that a receiver detects an
	// added From, Subject, To, Cc, Date, Message-ID or Content-Type.
	Oversign bool
	// Exclude leaves fields out of h=, whatever HeaderKeys says.
	Exclude Flags

	// Identity is the i= tag, the agent or user on whose behalf the
	// message is signed, such as "user@example.com" or "@example.com". Its
	// domain must be Domain or a subdomain of it. Empty leaves i= out,
	// which means "@Domain".
	Identity string
	// Now gives the signing time for t=. Nil means time.Now.
	Now func() time.Time
	// Expiration, when positive, adds x= that many seconds (rounded down)
	// after t=.
	Expiration time.Duration
	// BodyLength adds l= with the length of the canonical body. Off by
	// default: l= lets anyone append content to the message (RFC 6376
	// section 8.2).
	BodyLength bool
}
