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

var errRejected = errors.New("535 5.7.8 token rejected")

func isRejected(err error) bool { return errors.Is(err, errRejected) }

// useRecorder accepts only the tokens in good and records every token it
// was given.
type useRecorder struct {
	good map[string]bool
	seen []string
}

func (u *useRecorder) use(_ context.Context, tok *oauth2.Token) error {
	u.seen = append(u.seen, tok.AccessToken)
	if u.good[tok.AccessToken] {
		return nil
	}
	return errRejected
}

// TestUseTokenRenewsOnce: a rejected, unexpired token is renewed through
// the store once and the new one is used and saved; a source that cannot
// renew, or a renewed token that is rejected again, ends after at most two
// uses.
func TestUseTokenRenewsOnce(t *testing.T) {
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	as, ts, _ := newSource(t, "google", "1//0g-rt", now.Add(time.Hour))
	u := &useRecorder{good: map[string]bool{"ya29.a0AfB_test-access-1": true}}
	if err := UseToken(context.Background(), ts, u.use, isRejected); err != nil {
		t.Fatal(err)
	}
	if len(u.seen) != 2 || u.seen[0] != "old-access" || u.seen[1] != "ya29.a0AfB_test-access-1" ||
		as.refreshes != 1 {
		t.Errorf("used %q with %d refreshes, want old-access then the renewed token, 1 refresh",
			u.seen, as.refreshes)
	}
	if r, _ := ts.Store.Load(); r.AccessToken != "ya29.a0AfB_test-access-1" {
		t.Errorf("store holds %q, want the renewed token", r.AccessToken)
	}

	u = &useRecorder{}
	err := UseToken(context.Background(), ts, u.use, isRejected)
	if !errors.Is(err, errRejected) || len(u.seen) != 2 || as.refreshes != 2 {
		t.Errorf("always rejected: %v after %d uses and %d refreshes, want 2 and 2",
			err, len(u.seen), as.refreshes)
	}

	u = &useRecorder{}
	err = UseToken(context.Background(), staticSource{testAccess}, u.use, isRejected)
	if !errors.Is(err, errRejected) || len(u.seen) != 1 {
		t.Errorf("static source: %v after %d uses, want the rejection after 1", err, len(u.seen))
	}
}

// TestUseTokenOtherErrors: an error that is not a rejection is returned
// without renewal, and a failed renewal (invalid_grant, CASE-30) is
// reported with the rejection and without any token.
func TestUseTokenOtherErrors(t *testing.T) {
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	as, ts, _ := newSource(t, "google", "1//0g-rt", now.Add(time.Hour))
	other := errors.New("421 4.7.0 try again later")
	calls := 0
	err := UseToken(context.Background(), ts, func(context.Context, *oauth2.Token) error {
		calls++
		return other
	}, isRejected)
	if err != other || calls != 1 || as.refreshes != 0 {
		t.Errorf("other error: %v after %d calls, %d refreshes", err, calls, as.refreshes)
	}

	as2, ts2, _ := newSource(t, "google", "1//0g-revoked", now.Add(time.Hour))
	as2.mu.Lock()
	delete(as2.refresh, "1//0g-revoked")
	as2.mu.Unlock()
	u := &useRecorder{}
	err = UseToken(context.Background(), ts2, u.use, isRejected)
	if !errors.Is(err, errRejected) || !errors.Is(err, ErrReauthRequired) || len(u.seen) != 1 {
		t.Errorf("renewal refused: %v after %d uses, want rejection and ErrReauthRequired", err, len(u.seen))
	}
	for _, secret := range []string{"old-access", "1//0g-revoked"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q contains %q", err, secret)
		}
	}

	if err := UseToken(context.Background(), nil, u.use, isRejected); !errors.Is(err, ErrNoToken) {
		t.Errorf("nil source: %v, want ErrNoToken", err)
	}
}
