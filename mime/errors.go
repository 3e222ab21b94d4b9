// SPDX-License-Identifier: Apache-2.0

package mime

import "errors"

// Error reports a message, header or address that cannot be written safely.
// Field names the offending input the way the caller wrote it ("Subject",
// "From", "Header[2].Name", "Attachments[0].Filename", "address"); Reason
// says what is wrong with it without repeating the value, so that an error
// message never carries injected text.
type Error struct {
	Field  string
	Reason string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return "mime: " + e.Reason
	}
	return "mime: " + e.Field + ": " + e.Reason
}

// ErrSourceConsumed is returned by [Message.WriteTo] when the message has
// already been written once and one of its bodies or attachments is a
// single-use io.Reader. Give such content as a string, []byte or an Open
// function when the message must be written twice (DKIM signing of a stream
// writes it once to hash it and once to send it).
var ErrSourceConsumed = errors.New("mime: message has a single-use reader that was already read")

func fieldErr(field, reason string) *Error {
	return &Error{Field: field, Reason: reason}
}
