// SPDX-License-Identifier: Apache-2.0

package mailsender

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mailwright/mailwright/smtpclient"
	"github.com/mailwright/mailwright/tlsprofile"
)

// result turns what SendMail reported into a Result (when the server took
// the message for anybody) and a *SendError (when anything failed).
func (s *Sender) result(c *smtpclient.Client, sr *smtpclient.SendResult, err error) (*Result, error) {
	var res *Result
	var refused []*RecipientError
	delivered := sr != nil && sr.Reply.Code/100 == 2
	if sr != nil {
		if delivered {
			res = &Result{Reply: replyText(sr.Reply), Code: sr.Reply.Code}
			if cs, ok := c.TLSConnectionState(); ok {
				res.TLS = tlsprofile.Describe(cs)
			}
		}
		for _, r := range sr.Recipients {
			switch {
			case r.Err != nil:
				refused = append(refused, &RecipientError{Addr: r.Recipient, Err: r.Err})
			case delivered:
				res.Accepted = append(res.Accepted, r.Recipient)
			}
		}
	}
	if err == nil {
		return res, nil
	}
	// A session reaches the transaction only after AUTH succeeded when
	// there are credentials (connect fails otherwise).
	auth := s.Username != "" || s.Password != "" || s.TokenSource != nil
	var re *smtpclient.RecipientError
	if errors.As(err, &re) && len(refused) > 0 {
		return res, &SendError{Recipients: refused, Delivered: delivered, Authenticated: auth}
	}
	return res, &SendError{Err: err, Recipients: refused, Delivered: delivered, Authenticated: auth}
}

// replyText formats a reply as the server sent its first line:
// "250 2.0.0 Ok: queued as 4Xyz".
func replyText(r smtpclient.Reply) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d", r.Code)
	if r.EnhancedCode != (smtpclient.EnhancedCode{}) {
		fmt.Fprintf(&b, " %d.%d.%d", r.EnhancedCode[0], r.EnhancedCode[1], r.EnhancedCode[2])
	}
	if msg, _, _ := strings.Cut(r.Message, "\n"); msg != "" {
		b.WriteString(" " + msg)
	}
	return b.String()
}
