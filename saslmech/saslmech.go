// SPDX-License-Identifier: Apache-2.0

package saslmech

import (
	"errors"
	"fmt"
	"net"
	"strings"
)

// Mechanism is the client side of one SASL exchange. A Mechanism value is
// used for a single authentication attempt; make a new one to retry.
//
// A protocol client (smtpclient, or an adapter) drives it like this:
//
//  1. It calls [Permit] (or checks [Mechanism.Exposure] itself) before
//     anything is sent.
//  2. It calls Start. A non-nil initial response is sent with the command
//     (an empty, non-nil slice is sent as "="); a nil one means none.
//  3. For every server challenge (SMTP 334) it calls Next with the decoded
//     challenge and sends the returned response.
//  4. When Next returns an error together with a non-nil response, the
//     client sends that response, reads the server's final reply and reports
//     the error (XOAUTH2 and OAUTHBEARER use this to answer an error
//     challenge with the empty response the protocol requires). When Next
//     returns an error and a nil response, the client cancels the exchange
//     ("*" in SMTP) and reports the error.
//  5. After success (SMTP 235) it calls Finish when the mechanism implements
//     [Finisher], so that a mechanism which authenticates the server (SCRAM)
//     can fail a success it could not verify.
type Mechanism interface {
	// Name is the IANA-registered mechanism name, upper case.
	Name() string
	// Exposure says what the mechanism reveals on a connection without TLS.
	Exposure() Exposure
	// Start begins the exchange and returns the initial response, or nil
	// for none.
	Start(s *ServerInfo) (ir []byte, err error)
	// Next answers one server challenge.
	Next(challenge []byte) (response []byte, err error)
}

// Finisher is implemented by mechanisms that verify the server at the end of
// a successful exchange.
type Finisher interface {
	// Finish reports whether the exchange that the server accepted was
	// also complete and verified on the client side.
	Finish() error
}

// Exposure classifies what a mechanism puts on the wire.
type Exposure int

const (
	// RevealsSecret mechanisms send the password or token itself (PLAIN,
	// LOGIN, XOAUTH2, OAUTHBEARER).
	RevealsSecret Exposure = iota
	// ChallengeResponse mechanisms send only a keyed digest (CRAM-MD5,
	// SCRAM, NTLM); an eavesdropper can still guess the password offline.
	ChallengeResponse
)

// ServerInfo describes the connection an exchange runs on.
type ServerInfo struct {
	// Host is the server name the caller asked to connect to.
	Host string
	// TLS reports whether the connection is protected by TLS.
	TLS bool
	// Mechanisms lists what the server advertised, upper case.
	Mechanisms []string
	// Insecure is what the caller explicitly allowed without TLS.
	Insecure Insecure
}

// Insecure is the caller's explicit choice about authenticating over a
// connection without TLS. The zero value allows nothing, except to a server
// on a loopback address.
type Insecure struct {
	// ChallengeResponse allows CRAM-MD5, SCRAM and NTLM without TLS.
	ChallengeResponse bool
	// RevealSecret allows PLAIN, LOGIN, XOAUTH2 and OAUTHBEARER without
	// TLS: the password or token crosses the network in clear.
	RevealSecret bool
}

// ErrNoTLS is returned (wrapped) by [Permit] when a mechanism may not run on
// a connection without TLS.
var ErrNoTLS = errors.New("saslmech: refusing to authenticate without TLS")

// Permit reports whether m may run on the connection s describes: always
// with TLS or to a loopback address, otherwise only under the matching
// explicit choice in s.Insecure.
func Permit(m Mechanism, s *ServerInfo) error {
	if s.TLS || IsLoopback(s.Host) {
		return nil
	}
	switch m.Exposure() {
	case ChallengeResponse:
		if s.Insecure.ChallengeResponse || s.Insecure.RevealSecret {
			return nil
		}
		return fmt.Errorf("%w: %s exposes the password to offline guessing on %s;"+
			" use TLS or allow it explicitly", ErrNoTLS, m.Name(), s.Host)
	default:
		if s.Insecure.RevealSecret {
			return nil
		}
		return fmt.Errorf("%w: %s would send the secret in clear to %s;"+
			" use TLS or allow it explicitly", ErrNoTLS, m.Name(), s.Host)
	}
}

// IsLoopback reports whether host names this machine: "localhost" or a
// loopback IP address. No name is resolved.
func IsLoopback(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
