// SPDX-License-Identifier: Apache-2.0

package queue

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/mailwright/mailwright/saslmech"
)

// renewer is an oauthgmail.Renewer that hands out tokens from a list:
// Token the current one, Renew the next.
type renewer struct {
	mu      sync.Mutex
	toks    []string
	expiry  time.Time
	i       int
	renewed []string // the rejected tokens Renew was given
}

func (r *renewer) Token() (*oauth2.Token, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return &oauth2.Token{AccessToken: r.toks[r.i], Expiry: r.expiry}, nil
}

func (r *renewer) Renew(_ context.Context, rejected *oauth2.Token) (*oauth2.Token, error) {
	r.mu.Lock()
	r.renewed = append(r.renewed, rejected.AccessToken)
	r.i = min(r.i+1, len(r.toks)-1)
	r.mu.Unlock()
	return r.Token()
}

func tokenSMTP(ts oauth2.TokenSource) *SMTP {
	d := fastSMTP()
	d.Secret = func(context.Context, *Profile) (Secret, error) { return Secret{Tokens: ts}, nil }
	return d
}

func tokenEntry(k *faultSink, from string) *Entry {
	e := sinkEntry(k, from, "ok-a@r.test")
	e.Profile.Username, e.Profile.Credential = "user@example.com", "tokenstore:/unused"
	return e
}

// TestSEC36SMTPTokenRenewedOnce (SEC-36 in the agent): a token the server
// refuses (Gmail's 334 error challenge, then 535 5.7.8) is renewed once
// through the Renewer, and the message goes out on a new connection
// authenticated with the new token. A server that refuses the new token
// too gets no third try: no loop.
func TestSEC36SMTPTokenRenewedOnce(t *testing.T) {
	tests := []struct {
		name      string
		good      map[string]bool
		wantAuth  []string
		delivered bool
	}{
		{"renewed", map[string]bool{"fresh": true}, []string{"stale", "fresh"}, true},
		{"both refused", map[string]bool{"other": true}, []string{"stale", "fresh"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := startFaultSink(t)
			k.good = tt.good
			ts := &renewer{toks: []string{"stale", "fresh"}}
			d := tokenSMTP(ts)
			defer d.Close(context.Background())
			e := tokenEntry(k, "ok-1@s.test")
			o := d.Deliver(context.Background(), e, e.Pending(), strings.NewReader(body))

			k.mu.Lock()
			authed, conns := append([]string(nil), k.authed...), k.conns
			k.mu.Unlock()
			if strings.Join(authed, ",") != strings.Join(tt.wantAuth, ",") || conns != 2 {
				t.Errorf("tokens tried %q on %d connections, want %q on 2", authed, conns, tt.wantAuth)
			}
			if len(ts.renewed) != 1 || ts.renewed[0] != "stale" {
				t.Errorf("Renew called for %q, want once for \"stale\"", ts.renewed)
			}
			got := k.count("ok-1@s.test", "ok-a@r.test")
			if tt.delivered && (o.Err != nil || got != 1) {
				t.Fatalf("Deliver = %+v, %d copies; want delivered once", o, got)
			}
			if !tt.delivered && (o.Err == nil || o.Permanent || got != 0 ||
				!strings.Contains(o.Err.Error(), "535")) {
				t.Fatalf("Deliver = %+v, %d copies; want a temporary 535 error, nothing sent", o, got)
			}
		})
	}
}

// TestSMTPPoolRetiresStaleTokenSessions: sessions authenticated with a
// token are reused until the token expires; after that the next delivery
// opens a new session with a current token instead of reusing one whose
// token is stale.
func TestSMTPPoolRetiresStaleTokenSessions(t *testing.T) {
	k := startFaultSink(t)
	k.good = map[string]bool{"t1": true, "t2": true}
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	ts := &renewer{toks: []string{"t1"}, expiry: now.Add(time.Hour)}
	d := tokenSMTP(ts)
	d.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	defer d.Close(context.Background())

	send := func(from string) {
		t.Helper()
		e := tokenEntry(k, from)
		if o := d.Deliver(context.Background(), e, e.Pending(), strings.NewReader(body)); o.Err != nil {
			t.Fatalf("Deliver %s: %v", from, o.Err)
		}
	}
	send("ok-1@s.test")
	send("ok-2@s.test")
	mu.Lock()
	now = now.Add(61 * time.Minute)
	mu.Unlock()
	ts.mu.Lock()
	ts.toks, ts.expiry = []string{"t2"}, now.Add(time.Hour)
	ts.mu.Unlock()
	send("ok-3@s.test")

	k.mu.Lock()
	defer k.mu.Unlock()
	if got := strings.Join(k.authed, ","); got != "t1,t2" || k.conns != 2 {
		t.Errorf("AUTH with %q on %d connections, want \"t1,t2\" on 2", got, k.conns)
	}
}

// TestSMTPPolicy: the mechanism order follows the facade's: the profile's
// mechanism, XOAUTH2 then OAUTHBEARER for a token, the profile's policy,
// the deliverer's, then saslmech.DefaultOrder.
func TestSMTPPolicy(t *testing.T) {
	classic := saslmech.Policy{"CRAM-MD5", "NTLM", "LOGIN"}
	tests := []struct {
		name string
		d    saslmech.Policy // SMTP.Policy
		p    Profile
		sec  Secret
		want saslmech.Policy
	}{
		{"named", classic, Profile{Auth: "login", AuthPolicy: "PLAIN"},
			Secret{Token: "t"}, saslmech.Policy{"LOGIN"}},
		{"token", classic, Profile{AuthPolicy: "PLAIN"}, Secret{Token: "t"},
			saslmech.Policy{"XOAUTH2", "OAUTHBEARER"}},
		{"profile", classic, Profile{AuthPolicy: "cram-md5 LOGIN"},
			Secret{Password: "p"}, saslmech.Policy{"CRAM-MD5", "LOGIN"}},
		{"deliverer", classic, Profile{}, Secret{Password: "p"}, classic},
		{"default", nil, Profile{}, Secret{Password: "p"}, saslmech.DefaultOrder},
	}
	for _, tt := range tests {
		d := &SMTP{Policy: tt.d}
		if got := d.policy(&tt.p, tt.sec); !slices.Equal(got, tt.want) {
			t.Errorf("%s: policy %q, want %q", tt.name, got, tt.want)
		}
	}
}
