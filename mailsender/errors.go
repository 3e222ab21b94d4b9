// SPDX-License-Identifier: Apache-2.0

package mailsender

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mailwright/mailwright/oauthgmail"
	"github.com/mailwright/mailwright/smtpclient"
)

// FieldError reports a setting of a [Sender], [Message] or [DKIM] that
// cannot be used. It is returned before anything is written to the network.
type FieldError struct {
	// Field names the setting, for example "Sender.Host" or "Message.To[1]".
	Field string
	// Err says what is wrong with it. The value itself is never quoted, so
	// that a password or a header injection attempt does not reach a log.
	Err error
}

func (e *FieldError) Error() string { return "mailsender: " + e.Field + ": " + e.Err.Error() }

func (e *FieldError) Unwrap() error { return e.Err }

func fieldErr(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Err: fmt.Errorf(format, args...)}
}

// RecipientError is the failure of one recipient, normally the server's
// reply to RCPT TO.
type RecipientError struct {
	// Addr is the recipient's address.
	Addr string
	// Err is the reason, usually a *smtpclient.Error.
	Err error
}

func (e *RecipientError) Error() string { return e.Addr + ": " + describe(e.Err) }

func (e *RecipientError) Unwrap() error { return e.Err }

// SendError reports a send that failed, or reached only some recipients.
// Err is the failure of the whole transaction (connection, TLS, AUTH,
// MAIL FROM, DATA), or nil when only recipients failed; Recipients holds
// one entry per refused recipient.
//
// SendError implements Unwrap() []error, so [errors.As] finds the
// *smtpclient.Error of the transaction or of any recipient.
type SendError struct {
	// Err is the transaction's failure, or nil.
	Err error
	// Recipients lists the refused recipients, in the order given.
	Recipients []*RecipientError
	// Delivered reports whether the server accepted the message for at
	// least one recipient (partial delivery).
	Delivered bool
	// Authenticated reports whether the session had authenticated (AUTH
	// succeeded) before the failure, which changes what the refusal
	// means: not "give credentials" but "this account may not do that".
	Authenticated bool
}

func (e *SendError) Error() string {
	var b strings.Builder
	switch {
	case e.Err != nil:
		b.WriteString(describe(e.Err))
		for _, r := range e.Recipients {
			b.WriteString("; " + r.Error())
		}
	case len(e.Recipients) == 1:
		b.WriteString(describe(e.Recipients[0].Err))
		b.WriteString(" (" + e.Recipients[0].Addr + ")")
	default:
		fmt.Fprintf(&b, "%d recipients refused", len(e.Recipients))
		for i, r := range e.Recipients {
			if i == 0 {
				b.WriteString(": ")
			} else {
				b.WriteString("; ")
			}
			b.WriteString(r.Error())
		}
	}
	if e.Delivered {
		b.WriteString(" (delivered to the other recipients)")
	}
	if h := hint(e); h != "" {
		b.WriteString(" (" + h + ")")
	}
	return b.String()
}

// Unwrap returns the transaction's error, if any, followed by the
// recipients' errors.
func (e *SendError) Unwrap() []error {
	errs := make([]error, 0, len(e.Recipients)+1)
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	for _, r := range e.Recipients {
		errs = append(errs, r)
	}
	return errs
}

// Temporary reports whether trying again later may succeed: every reply
// involved is a 4xx one, or, from an HTTPS send API or a token endpoint,
// an answer oauthgmail calls temporary (HTTP 408, 429, 5xx).
func (e *SendError) Temporary() bool {
	for _, err := range e.Unwrap() {
		var ae *oauthgmail.APIError
		var te *oauthgmail.TokenError
		switch {
		case errors.As(err, &ae):
			if !ae.Temporary() {
				return false
			}
			continue
		case errors.As(err, &te):
			if !te.Temporary() {
				return false
			}
			continue
		}
		var se *smtpclient.Error
		if !errors.As(err, &se) || se.Code/100 != 4 {
			return false
		}
	}
	return true
}

// describe formats a server reply as "MAIL FROM rejected: 530 5.7.0 text";
// other errors keep their own text.
func describe(err error) string {
	var se *smtpclient.Error
	if !errors.As(err, &se) {
		return strings.TrimPrefix(err.Error(), "mailsender: ")
	}
	return ReplyLine(se)
}

// ReplyLine formats a server's refusal in one line: the command, the code,
// the enhanced code when the server sent one, and the text, as in
// "RCPT TO rejected: 550 5.7.1 Relaying denied".
func ReplyLine(se *smtpclient.Error) string {
	var b strings.Builder
	if cmd := commandName(se.Command); cmd != "" {
		b.WriteString(cmd + " rejected: ")
	}
	fmt.Fprintf(&b, "%d", se.Code)
	if ec := se.EnhancedCode; ec != (smtpclient.EnhancedCode{}) {
		fmt.Fprintf(&b, " %d.%d.%d", ec[0], ec[1], ec[2])
	}
	if msg := strings.Join(strings.Fields(se.Message), " "); msg != "" {
		b.WriteString(" " + msg)
	}
	return b.String()
}

// commandName reduces a command line to its verb as users know it:
// "MAIL FROM:<a@b> SIZE=9" becomes "MAIL FROM".
func commandName(cmd string) string {
	f := strings.Fields(strings.ToUpper(cmd))
	switch {
	case len(f) == 0:
		return ""
	case f[0] == "MAIL" || f[0] == "RCPT":
		v := f[0] + " FROM"
		if f[0] == "RCPT" {
			v = "RCPT TO"
		}
		return v
	case f[0] == "AUTH" && len(f) > 1:
		return "AUTH " + f[1]
	case strings.HasPrefix(f[0], "MAIL"):
		return "MAIL FROM"
	case strings.HasPrefix(f[0], "RCPT"):
		return "RCPT TO"
	default:
		return f[0]
	}
}

// hint says what the caller should change for the replies users meet most
// often (CLASSIC.md: "Must issue a STARTTLS command first", "Relaying
// denied", authentication failures).
func hint(e *SendError) string {
	for _, err := range e.Unwrap() {
		var se *smtpclient.Error
		if !errors.As(err, &se) {
			continue
		}
		msg := strings.ToLower(se.Message)
		switch {
		case se.Code == 530 && strings.Contains(msg, "starttls"):
			return "the server wants TLS: turn on TLS (STARTTLS) or SSL"
		case se.Code == 535:
			return "check the user name and password"
		case e.Authenticated && (se.Code == 530 || se.EnhancedCode == smtpclient.EnhancedCode{5, 7, 0} ||
			strings.Contains(msg, "relay") || strings.Contains(msg, "access denied")):
			return "AUTH succeeded, but the server does not let this account send this message " +
				"(sender address or recipient not allowed for it)"
		case se.Code == 530 || se.EnhancedCode == smtpclient.EnhancedCode{5, 7, 0}:
			return "the server wants authentication: give a user name and password"
		case strings.Contains(msg, "relay") || strings.Contains(msg, "access denied"):
			return "the server relays only for authenticated users: give a user name and password"
		}
	}
	return ""
}
