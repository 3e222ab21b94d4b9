// SPDX-License-Identifier: Apache-2.0

package saslmech

import (
	"errors"
	"fmt"
)

// ErrWrongHost is returned (wrapped) when a mechanism bound to one server by
// [ForHost] or [NetSMTPAuth] is started on a connection to another.
var ErrWrongHost = errors.New("saslmech: wrong host")

// ErrNoMechanism is returned (wrapped) by [Select] when the server offers no
// mechanism that the policy allows and the credentials can serve.
var ErrNoMechanism = errors.New("saslmech: no usable mechanism")

// CredentialError reports a credential that a mechanism cannot carry, such
// as a NUL byte in a PLAIN password. It is returned before anything is sent.
type CredentialError struct {
	// Mechanism is the mechanism name, for example "PLAIN".
	Mechanism string
	// Field names the credential: "identity", "username", "password" or
	// "token".
	Field string
	// Reason says what is wrong, in a few words.
	Reason string
}

// Error names the mechanism and the field, never its value.
func (e *CredentialError) Error() string {
	return fmt.Sprintf("saslmech: %s: %s %s", e.Mechanism, e.Field, e.Reason)
}

// ProtocolError reports a server message that breaks the mechanism's
// protocol. The exchange is cancelled.
type ProtocolError struct {
	// Mechanism is the mechanism name.
	Mechanism string
	// Reason says what was wrong with the server's message.
	Reason string
}

// Error names the mechanism and what the server got wrong.
func (e *ProtocolError) Error() string {
	return fmt.Sprintf("saslmech: %s: %s", e.Mechanism, e.Reason)
}

func protoErr(mech, format string, args ...any) error {
	return &ProtocolError{Mechanism: mech, Reason: fmt.Sprintf(format, args...)}
}

// begin is the common first step of every Start: the transport check of
// [Permit], then the mechanism's own credential check.
func begin(m Mechanism, s *ServerInfo, check func() error) error {
	if s == nil {
		s = &ServerInfo{}
	}
	if err := Permit(m, s); err != nil {
		return err
	}
	return check()
}

func errNotStarted(mech string) error {
	return protoErr(mech, "Next called before a successful Start")
}
