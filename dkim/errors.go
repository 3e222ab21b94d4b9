// SPDX-License-Identifier: Apache-2.0

package dkim

// Error is why a signature did not verify (RFC 6376 section 6.1). Temp
// tells a temporary failure (TEMPFAIL, typically a DNS lookup that did not
// complete: try later) from a permanent one (PERMFAIL: the signature is
// bad, or its key is missing, revoked or too weak).
type Error struct {
	// Temp is true for a temporary failure, false for a permanent one.
	Temp bool
	// Reason says what failed, in words.
	Reason string
	// Err is the underlying error, if any.
	Err error
}

func (e *Error) Error() string {
	s := "dkim: " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Temporary reports whether the failure is temporary.
func (e *Error) Temporary() bool { return e.Temp }

func permFail(reason string, err error) *Error { return &Error{Reason: reason, Err: err} }

func tempFail(reason string, err error) *Error { return &Error{Temp: true, Reason: reason, Err: err} }
