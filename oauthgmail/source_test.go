// SPDX-License-Identifier: Apache-2.0

package oauthgmail

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func newSource(t *testing.T, shape string, rt string, expiry time.Time) (*fakeAS, *TokenSource, *fixedClock) {
	t.Helper()
	f, srv := newFakeAS(t, shape)
	f.rotate = shape == "microsoft"
	f.addRefresh(rt)
	s := newStore(t)
	rec := &Record{AccessToken: "old-access", RefreshToken: rt, Expiry: expiry}
	rec.SetClient(f.client(srv.URL))
	if err := s.Save(rec); err != nil {
		t.Fatal(err)
	}
	clock := &fixedClock{t: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)}
	return f, &TokenSource{Store: s, Now: clock.Now}, clock
}

// TestTokenSourceRotationCASE28: after one refresh the file holds the new
// refresh token, before the token is handed out, and a restarted process
// renews with it.
func TestTokenSourceRotationCASE28(t *testing.T) {
	f, ts, clock := newSource(t, "microsoft", "M.C-RT-1", time.Time{})
	var saved string
	ts.Store.Now = func() time.Time { return clock.Now() }
	tok, err := ts.Token()
	if err != nil {
		t.Fatal(err)
	}
	r, err := ts.Store.Load()
	if err != nil {
		t.Fatal(err)
	}
	saved = r.RefreshToken
	if saved != tok.RefreshToken || saved == "M.C-RT-1" {
		t.Errorf("file holds refresh token %q, handed out %q; want the rotated one in both",
			saved, tok.RefreshToken)
	}
	if r.AccessToken != tok.AccessToken {
		t.Errorf("file holds access token %q, handed out %q", r.AccessToken, tok.AccessToken)
	}

	clock.Add(2 * time.Hour)
	restarted := &TokenSource{Store: &Store{Path: ts.Store.Path}, Now: clock.Now}
	tok2, err := restarted.Token()
	if err != nil {
		t.Fatalf("restarted process: %v", err)
	}
	if tok2.AccessToken == tok.AccessToken || f.badGrants != 0 {
		t.Errorf("restarted refresh: token %q, %d invalid_grant", tok2.AccessToken, f.badGrants)
	}
}

func TestTokenSourceRefreshesEarly(t *testing.T) {
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name        string
		expiry      time.Time
		wantRefresh bool
	}{
		{"valid for an hour", now.Add(time.Hour), false},
		{"valid for 61s", now.Add(61 * time.Second), false},
		{"valid for 30s", now.Add(30 * time.Second), true},
		{"expired", now.Add(-time.Second), true},
		{"unknown expiry", time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ts, _ := newSource(t, "google", "1//0g-rt", tt.expiry)
			tok, err := ts.TokenContext(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			refreshed := tok.AccessToken != "old-access"
			if refreshed != tt.wantRefresh || f.refreshes != map[bool]int{true: 1}[tt.wantRefresh] {
				t.Errorf("refreshed = %v (%d calls), want %v", refreshed, f.refreshes, tt.wantRefresh)
			}
			if tt.wantRefresh && tok.RefreshToken != "1//0g-rt" {
				t.Errorf("Google refresh lost the refresh token: %q", tok.RefreshToken)
			}
			// A second call uses the cached token.
			if _, err := ts.TokenContext(context.Background()); err != nil || f.refreshes > 1 {
				t.Errorf("second call: %v, %d refreshes", err, f.refreshes)
			}
		})
	}
}

// TestTokenSourceInvalidGrantCASE30: the file stays, with the failure
// noted, and the error is ErrReauthRequired.
func TestTokenSourceInvalidGrantCASE30(t *testing.T) {
	f, ts, _ := newSource(t, "google", "1//0g-rt", time.Time{})
	f.mu.Lock()
	f.refresh = map[string]bool{}
	f.mu.Unlock()
	_, err := ts.Token()
	if !errors.Is(err, ErrReauthRequired) {
		t.Fatalf("Token = %v, want ErrReauthRequired", err)
	}
	r, lerr := ts.Store.Load()
	if lerr != nil {
		t.Fatalf("token file gone after invalid_grant: %v", lerr)
	}
	if r.RefreshToken != "1//0g-rt" || !strings.Contains(r.LastError, "invalid_grant") ||
		r.LastErrorAt.IsZero() {
		t.Errorf("record after invalid_grant = %+v, want tokens kept and the failure noted", r)
	}
	if f.refreshes != 0 || f.badGrants != 1 {
		t.Errorf("%d refreshes, %d invalid_grant; want 0 and 1 (no retry)", f.refreshes, f.badGrants)
	}
}

func TestTokenSourceRenew(t *testing.T) {
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	f, ts, _ := newSource(t, "google", "1//0g-rt", now.Add(time.Hour))
	tok, err := ts.Token()
	if err != nil || tok.AccessToken != "old-access" {
		t.Fatalf("Token = %v, %v", tok, err)
	}
	nt, err := ts.Renew(context.Background(), tok)
	if err != nil || nt.AccessToken == "old-access" || f.refreshes != 1 {
		t.Fatalf("Renew = %v, %v after %d refreshes", nt, err, f.refreshes)
	}
	// Renewing a token that was already replaced uses the replacement.
	again, err := ts.Renew(context.Background(), tok)
	if err != nil || again.AccessToken != nt.AccessToken || f.refreshes != 1 {
		t.Errorf("Renew of a superseded token = %v, %v (%d refreshes)", again, err, f.refreshes)
	}
	var _ Renewer = ts
	var _ oauth2.TokenSource = ts
}

func TestTokenSourceNoRefreshToken(t *testing.T) {
	s := newStore(t)
	s.Save(&Record{AccessToken: "a", Provider: "google"})
	_, err := (&TokenSource{Store: s}).Token()
	if !errors.Is(err, ErrNoToken) || !strings.Contains(err.Error(), s.Path) {
		t.Errorf("Token without a refresh token = %v, want ErrNoToken naming the file", err)
	}
}
