// SPDX-License-Identifier: Apache-2.0

package mailsender_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailwright/mailwright/mailsender"
	"github.com/mailwright/mailwright/oauthgmail"
	"github.com/mailwright/mailwright/smtpclient"
)

// xoauth2Server makes f check XOAUTH2 tokens: accepted ones get 235; a
// token in refused gets Google's error challenge, then, after the client's
// empty line, 535 (CASE-14); any other mechanism or a bad blob gets 504.
// temp, when set, answers every AUTH with it instead.
func xoauth2Server(f *fakeServer, temp string, refused ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.authHook = func(mech, ir string, r *bufio.Reader, write func(string)) {
		blob, err := base64.StdEncoding.DecodeString(ir)
		if !strings.EqualFold(mech, "XOAUTH2") || err != nil {
			write("504 5.5.4 unexpected")
			return
		}
		if temp != "" {
			write(temp)
			return
		}
		_, auth, _ := strings.Cut(string(blob), "\x01auth=Bearer ")
		tok := strings.TrimSuffix(auth, "\x01\x01")
		for _, bad := range refused {
			if tok == bad {
				write("334 " + base64.StdEncoding.EncodeToString(
					[]byte(`{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}`)))
				l, _ := r.ReadString('\n')
				f.mu.Lock()
				f.lines = append(f.lines, "(after 334) "+strings.TrimRight(l, "\r\n"))
				f.mu.Unlock()
				write("535 5.7.8 Username and Password not accepted")
				return
			}
		}
		write("235 2.7.0 Accepted")
	}
}

// TestTokenSourceRenewsOnceSEC36 sends with Sender.TokenSource over SMTP:
// the refused token gets the empty line and nothing more in its session
// (SEC-36), is renewed once through the store, and a second session with
// the new token delivers exactly what Compose writes.
func TestTokenSourceRenewsOnceSEC36(t *testing.T) {
	f := newFakeServer(t, nil)
	xoauth2Server(f, "", "tok-1")
	te := newFakeTokenEndpoint(t, true)
	ts, st := tokenStore(t, te)
	var trace, logs bytes.Buffer
	s := sender(f)
	s.Username, s.TokenSource, s.Trace = "alice@example.test", ts, &trace
	s.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	m := message()
	want := composed(t, s, m, nil)

	if _, err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if f.connections() != 2 || te.count() != 1 {
		t.Errorf("%d sessions and %d refreshes, want 2 and 1", f.connections(), te.count())
	}
	var auths []string
	for _, l := range f.commands() {
		if strings.HasPrefix(l, "AUTH") || strings.HasPrefix(l, "(after 334)") {
			auths = append(auths, l)
		}
	}
	wantAuths := []string{"AUTH XOAUTH2 " + xoauth2Blob("alice@example.test", "tok-1"),
		"(after 334) ", "AUTH XOAUTH2 " + xoauth2Blob("alice@example.test", "tok-2")}
	if diff := cmp.Diff(wantAuths, auths); diff != "" {
		t.Errorf("AUTH lines (-want +got):\n%s", diff)
	}
	if got := f.received(); len(got) != 1 || !bytes.Equal(got[0], want) {
		t.Errorf("server received %d messages, want the one Compose writes", len(got))
	}
	if r, err := st.Load(); err != nil || r.RefreshToken != "refresh-2-SECRET" {
		t.Errorf("store keeps refresh token %q (%v), want the rotated one (CASE-28)", r.RefreshToken, err)
	}
	for _, secret := range []string{"tok-1", "tok-2", "SECRET", xoauth2Blob("alice@example.test", "tok-2")} {
		if strings.Contains(trace.String()+logs.String(), secret) {
			t.Errorf("trace or log holds %q (SEC-35)", secret)
		}
	}
}

func xoauth2Blob(user, tok string) string {
	return base64.StdEncoding.EncodeToString([]byte("user=" + user + "\x01auth=Bearer " + tok + "\x01\x01"))
}

// TestTokenSourceNoLoop: a token refused again after the renewal, and a
// temporary AUTH failure, end the send: two sessions and one refresh at
// most, and the server's reply in a *SendError.
func TestTokenSourceNoLoop(t *testing.T) {
	tests := []struct {
		name              string
		temp              string
		sessions, renewed int
		code              int
	}{
		{"refused twice", "", 2, 1, 535},
		{"temporary", "454 4.7.0 Temporary authentication failure", 1, 0, 454},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeServer(t, nil)
			xoauth2Server(f, tt.temp, "tok-1", "tok-2")
			te := newFakeTokenEndpoint(t, false)
			ts, _ := tokenStore(t, te)
			s := sender(f)
			s.Username, s.TokenSource = "alice@example.test", ts
			_, err := s.Send(context.Background(), message())
			var se *smtpclient.Error
			var sendErr *mailsender.SendError
			if !errors.As(err, &se) || se.Code != tt.code || !errors.As(err, &sendErr) {
				t.Fatalf("Send = %v, want a *SendError with %d", err, tt.code)
			}
			if f.connections() != tt.sessions || te.count() != tt.renewed {
				t.Errorf("%d sessions and %d refreshes, want %d and %d", f.connections(), te.count(),
					tt.sessions, tt.renewed)
			}
			if len(f.received()) != 0 {
				t.Error("a message was sent")
			}
		})
	}
}

// TestTokenSourceExpiredRefreshedFirst: a token that expired in the store
// is renewed before the first AUTH, and a refresh token the provider no
// longer accepts gives ErrReauthRequired without any SMTP session.
func TestTokenSourceExpiredRefreshedFirst(t *testing.T) {
	f := newFakeServer(t, nil)
	xoauth2Server(f, "", "tok-1")
	te := newFakeTokenEndpoint(t, false)
	ts, st := tokenStore(t, te)
	r, err := st.Load()
	if err != nil {
		t.Fatal(err)
	}
	r.Expiry = time.Now().Add(-time.Minute)
	if err := st.Save(r); err != nil {
		t.Fatal(err)
	}
	s := sender(f)
	s.Username, s.TokenSource = "alice@example.test", ts
	if _, err := s.Send(context.Background(), message()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if f.connections() != 1 || te.count() != 1 {
		t.Errorf("%d sessions and %d refreshes, want 1 and 1", f.connections(), te.count())
	}

	gone := httptest.NewServer(invalidGrant{})
	defer gone.Close()
	r, _ = st.Load()
	r.Expiry, r.TokenURL = time.Now().Add(-time.Minute), gone.URL
	if err := st.Save(r); err != nil {
		t.Fatal(err)
	}
	s.TokenSource = oauthgmail.NewTokenSource(st, nil)
	before := f.connections()
	_, err = s.Send(context.Background(), message())
	if !errors.Is(err, oauthgmail.ErrReauthRequired) {
		t.Fatalf("Send = %v, want ErrReauthRequired", err)
	}
	if f.connections() != before {
		t.Errorf("%d sessions opened without a token", f.connections()-before)
	}
}

// TestTokenSourceWithPasswordRefused: a TokenSource and a Password
// together are a *FieldError before any connection.
func TestTokenSourceWithPasswordRefused(t *testing.T) {
	f := newFakeServer(t, nil)
	te := newFakeTokenEndpoint(t, false)
	ts, _ := tokenStore(t, te)
	s := sender(f)
	s.Username, s.Password, s.TokenSource = "alice", "pw", ts
	_, err := s.Send(context.Background(), message())
	var fe *mailsender.FieldError
	if !errors.As(err, &fe) || fe.Field != "Sender.Password" {
		t.Fatalf("Send = %v, want a Sender.Password *FieldError", err)
	}
	if f.connections() != 0 {
		t.Errorf("%d connections, want 0", f.connections())
	}
}

// TestTokenEndpointFailureTemporary: a token endpoint's 503 makes the
// send's *SendError temporary; invalid_grant makes it permanent and
// matches ErrReauthRequired. No SMTP session is opened without a token.
func TestTokenEndpointFailureTemporary(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		temp   bool
	}{
		{"unavailable", 503, `{"error":"temporarily_unavailable"}`, true},
		{"invalid grant", 400, `{"error":"invalid_grant"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			te := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			defer te.Close()
			f := newFakeServer(t, nil)
			st := &oauthgmail.Store{Path: filepath.Join(t.TempDir(), "token.json")}
			if err := st.Save(&oauthgmail.Record{RefreshToken: "refresh-SECRET"}); err != nil {
				t.Fatal(err)
			}
			ts := oauthgmail.NewTokenSource(st, &oauthgmail.Client{ClientID: "id",
				Provider: oauthgmail.Provider{TokenURL: te.URL}, Retries: -1})
			s := sender(f)
			s.Username, s.TokenSource = "alice@example.test", ts
			_, err := s.Send(context.Background(), message())
			var se *mailsender.SendError
			if !errors.As(err, &se) || se.Temporary() != tt.temp ||
				errors.Is(err, oauthgmail.ErrReauthRequired) == tt.temp {
				t.Fatalf("Send = %v; want a *SendError with Temporary() %v", err, tt.temp)
			}
			if f.connections() != 0 {
				t.Errorf("%d SMTP sessions without a token", f.connections())
			}
		})
	}
}
