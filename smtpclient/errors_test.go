// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"errors"
	"testing"
)

func TestErrorString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want string
	}{
		{&Error{Command: "RCPT TO", Code: 550, EnhancedCode: EnhancedCode{5, 1, 1}, Message: "no such user"},
			"RCPT TO rejected: 550 5.1.1 no such user"},
		{&Error{Code: 554, Message: "no service\nfor you"}, "server refused the connection: 554 no service for you"},
		{&Error{Command: idleCommand, Code: 421, EnhancedCode: EnhancedCode{4, 4, 2}, Message: "idle too long"},
			"server ended the idle connection: 421 4.4.2 idle too long"},
		{&ProtocolError{Command: "DATA", Reason: "more replies than commands"},
			"smtpclient: protocol error after DATA: more replies than commands"},
		{&SizeError{Size: 20, Limit: 10}, "smtpclient: message of 20 octets exceeds the server's SIZE limit of 10"},
		{&SizeError{Size: 11, Limit: 10, Partial: true},
			"smtpclient: message exceeds the server's SIZE limit of 10 octets; transaction aborted"},
		{&RecipientError{Delivered: 1, Refused: []RcptResult{{Recipient: "b@example.org",
			Err: &Error{Command: "RCPT TO", Code: 452, Message: "later"}}}},
			"smtpclient: 1 of 2 recipients refused: <b@example.org> RCPT TO rejected: 452 later"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	re := &RecipientError{Refused: []RcptResult{{Recipient: "a@example.org", Err: &Error{Code: 451}}}}
	var se *Error
	if !errors.As(re, &se) || !re.Temporary() {
		t.Errorf("RecipientError: errors.As finds %v, Temporary %v", se, re.Temporary())
	}
}
