// SPDX-License-Identifier: Apache-2.0

package saslmech

import (
	"crypto"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Credentials is what a caller can authenticate with. Which mechanisms
// [Select] considers depends on what is set: a password enables the
// password mechanisms, a token the OAuth ones.
type Credentials struct {
	// Identity is the authorization identity to act as (PLAIN, SCRAM);
	// empty means the username's own.
	Identity string
	// Username is the authentication identity. For NTLM it may be
	// "DOMAIN\user" or "user@domain".
	Username string
	// Password enables SCRAM, CRAM-MD5, NTLM, PLAIN and LOGIN; empty means
	// none.
	Password string
	// Token is an OAuth 2.0 access token; it enables XOAUTH2 and
	// OAUTHBEARER. Empty means none.
	Token string
	// Port is the server port, sent in OAUTHBEARER (RFC 7628); zero leaves
	// it out.
	Port int
}

// Policy is an ordered list of mechanism names, most preferred first. Only
// listed mechanisms are ever chosen. A nil Policy means [DefaultOrder].
type Policy []string

var (
	// DefaultOrder prefers mechanisms that authenticate the server and
	// reveal least: SCRAM-SHA-256, SCRAM-SHA-1, CRAM-MD5, NTLM, then the
	// token mechanisms, then PLAIN and LOGIN.
	DefaultOrder = Policy{"SCRAM-SHA-256", "SCRAM-SHA-1", "CRAM-MD5", "NTLM",
		"XOAUTH2", "OAUTHBEARER", "PLAIN", "LOGIN"}
	// ClassicOrder is the order of older mail components: CRAM-MD5, NTLM,
	// LOGIN. It never chooses PLAIN or SCRAM.
	ClassicOrder = Policy{"CRAM-MD5", "NTLM", "LOGIN"}
)

// Select returns the first mechanism of p that the server offers
// (s.Mechanisms), that c can serve, and that may run on the connection
// ([Permit]). The returned mechanism's credentials have been checked: a
// byte it cannot carry is a [*CredentialError], returned before anything
// is sent, never a reason to fall back to a weaker mechanism. When a
// mechanism is skipped only because of [Permit], that error is returned
// if nothing else fits; otherwise the error wraps [ErrNoMechanism].
func Select(s *ServerInfo, c Credentials, p Policy) (Mechanism, error) {
	if s == nil {
		s = &ServerInfo{}
	}
	if p == nil {
		p = DefaultOrder
	}
	var gated error
	for _, name := range p {
		name = strings.ToUpper(name)
		if !offers(s.Mechanisms, name) {
			continue
		}
		m := newMechanism(name, s, c)
		if m == nil {
			continue
		}
		if err := Permit(m, s); err != nil {
			if gated == nil {
				gated = err
			}
			continue
		}
		if err := checkCredentials(m, s); err != nil {
			return nil, err
		}
		return m, nil
	}
	if gated != nil {
		return nil, gated
	}
	return nil, fmt.Errorf("%w: server offers %v, policy allows %v, credentials have %s",
		ErrNoMechanism, s.Mechanisms, []string(p), c.kinds())
}

func offers(list []string, name string) bool {
	return slices.ContainsFunc(list, func(m string) bool { return strings.EqualFold(m, name) })
}

func (c Credentials) kinds() string {
	switch {
	case c.Password != "" && c.Token != "":
		return "a password and a token"
	case c.Password != "":
		return "a password"
	case c.Token != "":
		return "a token"
	}
	return "neither password nor token"
}

// newMechanism builds the named mechanism from c, or returns nil when c
// lacks what it needs or the name is unknown.
func newMechanism(name string, s *ServerInfo, c Credentials) Mechanism {
	pw, tok := c.Password != "", c.Token != ""
	switch {
	case name == "SCRAM-SHA-256" && pw:
		return &SCRAM{Username: c.Username, Password: c.Password, Identity: c.Identity}
	case name == "SCRAM-SHA-1" && pw:
		return &SCRAM{Hash: crypto.SHA1, Username: c.Username, Password: c.Password, Identity: c.Identity}
	case name == "CRAM-MD5" && pw:
		return NewCRAMMD5(c.Username, c.Password)
	case name == "NTLM" && pw:
		return NewNTLM(c.Username, c.Password)
	case name == "XOAUTH2" && tok:
		return NewXOAUTH2(c.Username, c.Token)
	case name == "OAUTHBEARER" && tok:
		return NewOAuthBearer(c.Username, s.Host, c.Port, c.Token)
	case name == "PLAIN" && pw:
		return NewPlain(c.Identity, c.Username, c.Password)
	case name == "LOGIN" && pw:
		return NewLogin(c.Username, c.Password)
	}
	return nil
}

// checkCredentials runs m's Start on a throw-away copy of the connection
// facts, so that a credential error surfaces before anything is sent.
// Every mechanism's Start is free of side effects other than its own
// state, which the real Start resets.
func checkCredentials(m Mechanism, s *ServerInfo) error {
	_, err := m.Start(s)
	var ce *CredentialError
	if errors.As(err, &ce) {
		return err
	}
	return nil
}
