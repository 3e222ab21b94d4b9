// SPDX-License-Identifier: Apache-2.0

package mailsender

import (
	"errors"
	"testing"

	"github.com/mailwright/mailwright/smtpclient"
)

func TestReplyLine(t *testing.T) {
	tests := []struct {
		err  smtpclient.Error
		want string
	}{
		{smtpclient.Error{Command: "RCPT TO", Code: 550, EnhancedCode: smtpclient.EnhancedCode{5, 7, 1},
			Message: "Relaying denied"}, "RCPT TO rejected: 550 5.7.1 Relaying denied"},
		{smtpclient.Error{Command: "MAIL FROM", Code: 530, EnhancedCode: smtpclient.EnhancedCode{5, 7, 0},
			Message: "Must issue a STARTTLS command first"},
			"MAIL FROM rejected: 530 5.7.0 Must issue a STARTTLS command first"},
		{smtpclient.Error{Command: "DATA", Code: 554, Message: "Transaction\nfailed"},
			"DATA rejected: 554 Transaction failed"},
		{smtpclient.Error{Code: 554, Message: "no service"}, "554 no service"},
		{smtpclient.Error{Command: "rcpt to:<a@b>", Code: 452, EnhancedCode: smtpclient.EnhancedCode{4, 5, 3},
			Message: "Too many recipients"}, "RCPT TO rejected: 452 4.5.3 Too many recipients"},
	}
	for _, tt := range tests {
		if got := ReplyLine(&tt.err); got != tt.want {
			t.Errorf("ReplyLine(%+v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestSendErrorText(t *testing.T) {
	relay := &smtpclient.Error{Command: "RCPT TO", Code: 554, EnhancedCode: smtpclient.EnhancedCode{5, 7, 1},
		Message: "<x@elsewhere.test>: Relay access denied"}
	unknown := &smtpclient.Error{Command: "RCPT TO", Code: 550, EnhancedCode: smtpclient.EnhancedCode{5, 1, 1},
		Message: "User unknown"}
	starttls := &smtpclient.Error{Command: "MAIL FROM", Code: 530, EnhancedCode: smtpclient.EnhancedCode{5, 7, 0},
		Message: "Must issue a STARTTLS command first"}
	badPass := &smtpclient.Error{Command: "AUTH", Code: 535, EnhancedCode: smtpclient.EnhancedCode{5, 7, 8},
		Message: "Error: authentication failed"}
	tests := []struct {
		err  *SendError
		want string
	}{
		{&SendError{Err: starttls}, "MAIL FROM rejected: 530 5.7.0 Must issue a STARTTLS command first" +
			" (the server wants TLS: turn on TLS (STARTTLS) or SSL)"},
		{&SendError{Err: badPass}, "AUTH rejected: 535 5.7.8 Error: authentication failed" +
			" (check the user name and password)"},
		{&SendError{Recipients: []*RecipientError{{Addr: "x@elsewhere.test", Err: relay}}},
			"RCPT TO rejected: 554 5.7.1 <x@elsewhere.test>: Relay access denied (x@elsewhere.test)" +
				" (the server relays only for authenticated users: give a user name and password)"},
		{&SendError{Authenticated: true, Recipients: []*RecipientError{{Addr: "x@elsewhere.test", Err: relay}}},
			"RCPT TO rejected: 554 5.7.1 <x@elsewhere.test>: Relay access denied (x@elsewhere.test)" +
				" (AUTH succeeded, but the server does not let this account send this message" +
				" (sender address or recipient not allowed for it))"},
		{&SendError{Authenticated: true, Err: starttls}, "MAIL FROM rejected: 530 5.7.0 Must issue a STARTTLS command first" +
			" (the server wants TLS: turn on TLS (STARTTLS) or SSL)"},
		{&SendError{Delivered: true, Recipients: []*RecipientError{{Addr: "a@b.test", Err: unknown},
			{Addr: "c@d.test", Err: unknown}}},
			"2 recipients refused: a@b.test: RCPT TO rejected: 550 5.1.1 User unknown; " +
				"c@d.test: RCPT TO rejected: 550 5.1.1 User unknown (delivered to the other recipients)"},
		{&SendError{Err: errors.New("smtpclient: connect to 127.0.0.1:1: connection refused")},
			"smtpclient: connect to 127.0.0.1:1: connection refused"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q\nwant      %q", got, tt.want)
		}
	}
}

func TestSendErrorUnwrap(t *testing.T) {
	refused := &smtpclient.Error{Command: "RCPT TO", Code: 451, EnhancedCode: smtpclient.EnhancedCode{4, 3, 0}}
	e := &SendError{Recipients: []*RecipientError{{Addr: "a@b.test", Err: refused}}}
	var se *smtpclient.Error
	if !errors.As(e, &se) || se != refused {
		t.Errorf("errors.As did not find the recipient's *smtpclient.Error")
	}
	if !e.Temporary() {
		t.Errorf("Temporary() = false with only a 451")
	}
	e.Err = errors.New("other")
	if e.Temporary() {
		t.Errorf("Temporary() = true with an error that is not a 4xx reply")
	}
}
