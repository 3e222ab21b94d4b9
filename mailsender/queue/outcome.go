// SPDX-License-Identifier: Apache-2.0

package queue

import (
	"errors"
	"strings"

	"github.com/mailwright/mailwright/smtpclient"
)

// OutcomeOf turns what smtpclient's SendMail returned into an [Outcome]:
//
//   - a recipient refused at RCPT TO gets that reply (5xx fails it, 4xx
//     keeps it for a retry);
//   - when the server answered the end of the message, every recipient it
//     had accepted gets that reply, so 250 delivers them, 4xx defers them
//     and 5xx fails them;
//   - a refused MAIL FROM is the reply of every recipient (the RCPT
//     replies after it only say that no transaction was open);
//   - silence after the end of the message (smtpclient.ErrPossibleDuplicate)
//     leaves the accepted recipients undecided and sets PossibleDuplicate;
//   - anything else (a dropped connection, a timeout, TLS, AUTH or the
//     credential) leaves the undecided recipients pending, except a
//     message the server can never take (a line too long, a size over the
//     server's limit, a needed extension missing), which fails them.
func OutcomeOf(res *smtpclient.SendResult, err error) Outcome {
	o := Outcome{Recipients: map[string]Reply{}, Err: err}
	var se *smtpclient.Error
	if errors.As(err, &se) && se.Command == "MAIL FROM" && res != nil {
		for _, r := range res.Recipients {
			o.Recipients[r.Recipient] = replyOf(se)
		}
		return o
	}
	if res != nil {
		final, answered := finalReply(res, err)
		for _, r := range res.Recipients {
			switch {
			case r.Err != nil:
				if errors.As(r.Err, &se) {
					o.Recipients[r.Recipient] = replyOf(se)
				}
			case answered:
				o.Recipients[r.Recipient] = final
			}
		}
	}
	o.PossibleDuplicate = errors.Is(err, smtpclient.ErrPossibleDuplicate)
	o.Permanent = permanent(err)
	return o
}

// finalReply returns the server's answer to the end of the message, if
// it gave one.
func finalReply(res *smtpclient.SendResult, err error) (Reply, bool) {
	if res.Reply.Code != 0 && (err == nil || isRecipientError(err)) {
		r := res.Reply
		return makeReply(r.Code, r.EnhancedCode, r.Message), true
	}
	var se *smtpclient.Error
	if errors.As(err, &se) && !isRecipientError(err) && (se.Command == "DATA" || se.Command == "BDAT") {
		return replyOf(se), true
	}
	return Reply{}, false
}

func isRecipientError(err error) bool {
	var re *smtpclient.RecipientError
	return errors.As(err, &re)
}

// permanent reports whether err means the message can never go to this
// server, whatever the recipient.
func permanent(err error) bool {
	var (
		ae *smtpclient.ArgumentError
		be *smtpclient.BodyError
		ze *smtpclient.SizeError
		xe *smtpclient.ExtensionError
	)
	if errors.As(err, &ae) {
		// Only the message's own values; a bad setting of the agent
		// (LocalName, a policy) is fixed by its operator, then retried.
		return ae.Field == "sender address" || ae.Field == "recipient address" ||
			ae.Field == "MailOptions.Body"
	}
	return errors.As(err, &be) || errors.As(err, &ze) || errors.As(err, &xe)
}

func replyOf(e *smtpclient.Error) Reply { return makeReply(e.Code, e.EnhancedCode, e.Message) }

func makeReply(code int, ec smtpclient.EnhancedCode, msg string) Reply {
	r := Reply{Code: code}
	if ec != (smtpclient.EnhancedCode{}) {
		r.Enhanced = ec.String()
	}
	r.Text, _, _ = strings.Cut(msg, "\n")
	return r
}
