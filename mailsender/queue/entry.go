// SPDX-License-Identifier: Apache-2.0

package queue

import (
	"fmt"
	"time"
)

// Profile says how an entry is delivered. It holds names of secrets, never
// the secrets: the agent resolves Credential when it delivers.
//
// An entry with API set goes through an HTTPS send API instead of SMTP
// (see [API]); then only Host, API, Endpoint, APIUser and Credential are
// used.
type Profile struct {
	// Host is the SMTP server, or for an API entry the classic name of
	// the service ("Google API", "Microsoft Graph").
	Host string `json:"host"`
	Port int    `json:"port,omitempty"`
	// Security is "starttls", "tls" (implicit, port 465) or "none".
	Security string `json:"security,omitempty"`
	// TLSPolicy is the STARTTLS policy name (none, may, encrypt, verify).
	TLSPolicy string `json:"tls_policy,omitempty"`
	// TLSVersion is the minimum TLS version by name ("1.2").
	TLSVersion string `json:"tls_version,omitempty"`
	// CAFile adds trusted roots from a PEM file.
	CAFile string `json:"ca_file,omitempty"`
	// ServerName is the name the certificate must carry; empty means Host.
	ServerName string `json:"server_name,omitempty"`
	// Auth is the SASL mechanism, or "" to negotiate.
	Auth string `json:"auth,omitempty"`
	// AuthPolicy is the order of the mechanisms negotiated for a password,
	// names separated by spaces ("CRAM-MD5 NTLM LOGIN"); "" means the
	// agent's ([SMTP.Policy]).
	AuthPolicy string `json:"auth_policy,omitempty"`
	Username   string `json:"username,omitempty"`
	// Credential names the password or token store the agent uses, such
	// as "env:SMTP_PASSWORD" or "tokenstore:/path/token.json".
	Credential string `json:"credential,omitempty"`
	// API names the HTTPS send API of an API entry: [APIGmail] or
	// [APIGraph]; "" means SMTP.
	API string `json:"api,omitempty"`
	// Endpoint is the API's base URL; "" means the service's public one.
	Endpoint string `json:"endpoint,omitempty"`
	// APIUser is the account to send as (Gmail's userId, Graph's user id
	// or principal name); "" means the token's own user.
	APIUser string `json:"api_user,omitempty"`
}

// State is the delivery state of one recipient.
type State string

const (
	Pending   State = "pending"   // not yet accepted; will be tried
	Delivered State = "delivered" // accepted by the server; never sent again
	Failed    State = "failed"    // refused permanently, or expired
)

// Recipient is one envelope recipient and its delivery state.
type Recipient struct {
	Addr      string    `json:"addr"`
	State     State     `json:"state"`
	LastReply string    `json:"last_reply,omitempty"` // "550 5.1.1 no such user"
	Updated   time.Time `json:"updated,omitempty"`
}

// Entry is one queued message: envelope, profile and delivery state.
type Entry struct {
	ID         string      `json:"id"`
	From       string      `json:"from"`
	Recipients []Recipient `json:"recipients"`
	Profile    Profile     `json:"profile"`
	Created    time.Time   `json:"created"`
	Expires    time.Time   `json:"expires"`
	Attempts   int         `json:"attempts"`
	Next       time.Time   `json:"next"`
	// InFlight is set, durably, before the end of the message text is sent
	// and cleared when the outcome is recorded. Found set after a restart,
	// it means the agent died not knowing whether the server took the
	// message.
	InFlight bool `json:"in_flight,omitempty"`
	// PossibleDuplicate records that an earlier attempt may have been
	// delivered although no acceptance was recorded (RFC 5321 section 6.1).
	PossibleDuplicate bool   `json:"possible_duplicate,omitempty"`
	LastError         string `json:"last_error,omitempty"`
	Size              int64  `json:"size"`
}

// Pending returns the addresses still to be delivered.
func (e *Entry) Pending() []string {
	var p []string
	for _, r := range e.Recipients {
		if r.State == Pending {
			p = append(p, r.Addr)
		}
	}
	return p
}

// Done reports whether no recipient is pending.
func (e *Entry) Done() bool { return len(e.Pending()) == 0 }

// Failures reports whether any recipient failed.
func (e *Entry) Failures() bool {
	for _, r := range e.Recipients {
		if r.State == Failed {
			return true
		}
	}
	return false
}

// Reply is a server's answer to one recipient, or to the whole attempt.
type Reply struct {
	Code     int    // 250, 451, 550 ...; 0 when no reply came
	Enhanced string // "5.1.1", or ""
	Text     string
}

func (r Reply) String() string {
	if r.Code == 0 {
		return r.Text
	}
	s := fmt.Sprint(r.Code)
	if r.Enhanced != "" {
		s += " " + r.Enhanced
	}
	if r.Text != "" {
		s += " " + r.Text
	}
	return s
}

// Outcome is what one delivery attempt learned.
type Outcome struct {
	// Recipients maps each tried address to its final reply: the RCPT
	// reply when the server refused it, else the reply after the data.
	// Addresses missing from the map were not decided (a connection
	// failure) and stay pending.
	Recipients map[string]Reply
	// Err is an attempt-wide failure (connection, TLS, AUTH, a 4xx or 5xx
	// to MAIL or to the data). With Permanent, every undecided recipient
	// fails; otherwise they are retried.
	Err       error
	Permanent bool
	// PossibleDuplicate reports that the data was sent but no answer came.
	PossibleDuplicate bool
	// RetryAfter is the earliest the server wants the next attempt, from
	// an HTTP Retry-After header (RFC 9110 section 10.2.3); zero means
	// the backoff alone decides. Apply schedules the next attempt no
	// sooner than RetryAfter; one past the entry's lifetime fails it, as a
	// backoff delay past it does.
	RetryAfter time.Duration
}

// Apply records an outcome in e at time now and schedules the next attempt
// with b. It reports whether e is finished (nothing pending).
func (e *Entry) Apply(o Outcome, now time.Time, b *Backoff) bool {
	e.Attempts++
	e.InFlight = false
	if o.PossibleDuplicate {
		e.PossibleDuplicate = true
	}
	e.LastError = ""
	if o.Err != nil {
		e.LastError = o.Err.Error()
	}
	for i := range e.Recipients {
		r := &e.Recipients[i]
		if r.State != Pending {
			continue
		}
		rep, decided := o.Recipients[r.Addr]
		switch {
		case decided && rep.Code >= 200 && rep.Code < 300:
			r.State, r.LastReply = Delivered, rep.String()
		case decided && rep.Code >= 500:
			r.State, r.LastReply = Failed, rep.String()
		case decided:
			r.LastReply = rep.String()
		case o.Err != nil:
			r.LastReply = e.LastError
			if o.Permanent {
				r.State = Failed
			}
		}
		r.Updated = now
	}
	if e.Done() {
		return true
	}
	next := now.Add(max(b.Delay(e.Attempts), o.RetryAfter))
	if !e.Expires.IsZero() && !next.Before(e.Expires) {
		e.expire(now)
		return true
	}
	e.Next = next
	return false
}

// expire fails every pending recipient because the lifetime is over.
func (e *Entry) expire(now time.Time) {
	for i := range e.Recipients {
		r := &e.Recipients[i]
		if r.State == Pending {
			r.State = Failed
			r.LastReply = "expired after " + now.Sub(e.Created).Round(time.Second).String() +
				"; last reply: " + r.LastReply
			r.Updated = now
		}
	}
}
