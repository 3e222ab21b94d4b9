// SPDX-License-Identifier: Apache-2.0

package mailsender_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mailwright/mailwright/mailsender"
	"github.com/mailwright/mailwright/mailsender/queue"
	"github.com/mailwright/mailwright/oauthgmail"
)

// gmailRaw decodes the message of a users.messages.send JSON request.
func gmailRaw(t *testing.T, c apiCall) string {
	t.Helper()
	var v struct{ Raw string }
	if err := json.Unmarshal(c.Body, &v); err != nil {
		t.Fatalf("request body %q: %v", c.Body, err)
	}
	b, err := oauthgmail.DecodeRaw(v.Raw)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestEnqueueAPIThenAgentDelivers queues a message for "Google API" with
// a Bcc recipient and lets an agent deliver it through queue.API: the
// Gmail API receives exactly what Send sends, the token comes from the
// token store named in the profile and is renewed once on a 401, and no
// token is ever in the spool.
func TestEnqueueAPIThenAgentDelivers(t *testing.T) {
	direct := newFakeAPI(t, gmailOK)
	s := apiSender(direct, "Google API", nil)
	s.Password = "[oauth]tok-1"
	m := message()
	m.Bcc = []string{"carol@example.test"}
	if _, err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}

	queued := newFakeAPI(t, func(n int, c apiCall) apiAnswer {
		if c.Auth == "Bearer tok-1" {
			return apiAnswer{Status: 401, Body: `{"error":{"code":401,"message":"Invalid Credentials","status":"UNAUTHENTICATED"}}`}
		}
		return gmailOK(n, c)
	})
	te := newFakeTokenEndpoint(t, false)
	ts, st := tokenStore(t, te)
	s = apiSender(queued, "Google API", nil)
	s.TokenSource = ts
	sp := openSpool(t)
	id, err := s.Enqueue(context.Background(), sp, m,
		&mailsender.EnqueueOptions{Credential: "tokenstore:" + st.Path})
	if err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	e, err := sp.Load(id)
	if err != nil {
		t.Fatal(err)
	}
	want := queue.Profile{Host: "Google API", API: queue.APIGmail, Endpoint: queued.srv.URL,
		Credential: "tokenstore:" + st.Path}
	if diff := cmp.Diff(want, e.Profile); diff != "" {
		t.Errorf("profile (-want +got):\n%s", diff)
	}
	if got := e.Pending(); strings.Join(got, ",") != "bob@example.test,carol@example.test" {
		t.Errorf("recipients %q", got)
	}
	assertNoSecret(t, sp.Dir(), "tok-1")
	assertNoSecret(t, sp.Dir(), "refresh-1-SECRET")

	secret := func(_ context.Context, p *queue.Profile) (queue.Secret, error) {
		path, ok := strings.CutPrefix(p.Credential, "tokenstore:")
		if !ok {
			return queue.Secret{}, queue.ErrNoSecret
		}
		return queue.Secret{Tokens: oauthgmail.NewTokenSource(&oauthgmail.Store{Path: path}, nil)}, nil
	}
	a := &queue.Agent{Spool: sp, Deliver: &queue.Router{API: &queue.API{Secret: secret}}}
	if n := a.RunOnce(context.Background()); n != 1 {
		t.Fatalf("RunOnce attempted %d entries, want 1", n)
	}
	if _, err := sp.Load(id); !errors.Is(err, queue.ErrNotFound) {
		t.Errorf("entry %s still queued after delivery (err %v)", id, err)
	}
	got := queued.received()
	if len(got) != 2 || got[0].Auth != "Bearer tok-1" || got[1].Auth != "Bearer tok-2" || te.count() != 1 {
		t.Fatalf("%d requests, %d refreshes; want a 401 with tok-1, then tok-2 after one refresh",
			len(got), te.count())
	}
	sent := gmailRaw(t, direct.received()[0])
	if q := gmailRaw(t, got[1]); q != sent {
		t.Errorf("queued message differs from the one Send sends:\nqueued %q\nsent   %q", q, sent)
	}
	if !strings.Contains(sent, "Bcc: carol@example.test\r\n") {
		t.Errorf("message lacks the Bcc field the API needs:\n%s", sent)
	}
}

// TestEnqueueAPIRefusals: an API entry needs the name of its token store,
// and takes its sender from From; nothing is stored otherwise.
func TestEnqueueAPIRefusals(t *testing.T) {
	te := newFakeTokenEndpoint(t, false)
	ts, _ := tokenStore(t, te)
	tests := []struct {
		name, field string
		s           mailsender.Sender
		cred        string
		edit        func(m *mailsender.Message)
	}{
		{"no credential", "EnqueueOptions.Credential",
			mailsender.Sender{Host: "Google API", Password: "[oauth]tok"}, "", nil},
		{"token source, no credential", "EnqueueOptions.Credential",
			mailsender.Sender{Host: "Microsoft Graph", TokenSource: ts}, "", nil},
		{"password", "Sender.Password",
			mailsender.Sender{Host: "Google API", Password: "hunter2"}, "env:PW", nil},
		{"clear endpoint", "Sender.API.Endpoint", mailsender.Sender{Host: "Google API",
			API: &mailsender.APIOptions{Endpoint: "http://gmail.example.test"}}, "tokenstore:/t", nil},
		{"envelope from", "Message.EnvelopeFrom", mailsender.Sender{Host: "Google API"},
			"tokenstore:/t", func(m *mailsender.Message) { m.EnvelopeFrom = "bounce@example.test" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp := openSpool(t)
			m := message()
			if tt.edit != nil {
				tt.edit(m)
			}
			_, err := tt.s.Enqueue(context.Background(), sp, m,
				&mailsender.EnqueueOptions{Credential: tt.cred})
			var fe *mailsender.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Fatalf("Enqueue = %v, want a *FieldError for %s", err, tt.field)
			}
			if ids, err := sp.IDs(false); err != nil || len(ids) != 0 {
				t.Errorf("spool holds %v (%v), want nothing", ids, err)
			}
		})
	}
}
