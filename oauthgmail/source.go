// SPDX-License-Identifier: Apache-2.0

package oauthgmail

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// DefaultEarly is how long before its expiry a [TokenSource] renews an
// access token.
const DefaultEarly = time.Minute

// TokenSource hands out the access token of a [Store] and renews it shortly
// before it expires. A renewed token, and above all a rotated refresh
// token, is saved before it is handed out (CASE-28), under the store's
// lock, so that processes sharing the file never lose a rotation. A
// TokenSource is safe for concurrent use.
type TokenSource struct {
	// Store holds the tokens.
	Store *Store
	// Client renews them; nil means the client the record describes
	// ([Record.Client]).
	Client *Client
	// Early is how long before expiry a token is renewed; 0 means
	// [DefaultEarly].
	Early time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time

	mu  sync.Mutex
	cur *oauth2.Token
}

// NewTokenSource returns a TokenSource over s that renews with c (nil:
// the client recorded in the file).
func NewTokenSource(s *Store, c *Client) *TokenSource {
	return &TokenSource{Store: s, Client: c}
}

// Token implements oauth2.TokenSource. It uses context.Background for a
// renewal; prefer [TokenSource.TokenContext].
func (ts *TokenSource) Token() (*oauth2.Token, error) {
	return ts.TokenContext(context.Background())
}

// TokenContext returns a token valid for at least Early, renewing it when
// needed. When renewal gets invalid_grant the error matches
// [ErrReauthRequired] and the failure is noted in the file, whose tokens
// are kept (CASE-30).
func (ts *TokenSource) TokenContext(ctx context.Context) (*oauth2.Token, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.cur != nil && ts.fresh(ts.cur) {
		return copyToken(ts.cur), nil
	}
	return ts.renew(ctx, nil)
}

// Renew is called when a server rejected the access token (HTTP 401, SMTP
// 535 after XOAUTH2). Unless the store already holds a different, fresh
// access token, which another process obtained meanwhile, it refreshes even
// though the token has not expired. Callers renew once per rejection and
// do not loop.
func (ts *TokenSource) Renew(ctx context.Context, rejected *oauth2.Token) (*oauth2.Token, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if rejected == nil {
		rejected = &oauth2.Token{}
		if ts.cur != nil {
			rejected = ts.cur
		}
	}
	return ts.renew(ctx, rejected)
}

func (ts *TokenSource) renew(ctx context.Context, rejected *oauth2.Token) (*oauth2.Token, error) {
	var out *oauth2.Token
	err := ts.Store.Update(ctx, func(r *Record) (bool, error) {
		have := r.Token()
		if have.AccessToken != "" && ts.fresh(have) &&
			(rejected == nil || have.AccessToken != rejected.AccessToken) {
			out = have
			return false, nil
		}
		t, err := ts.refresh(ctx, r)
		if err != nil {
			if errors.Is(err, ErrReauthRequired) {
				r.LastError = err.Error()
				r.LastErrorAt = ts.now().UTC()
				return true, err
			}
			return false, err
		}
		r.SetToken(t)
		out = r.Token()
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	ts.cur = out
	return copyToken(out), nil
}

func (ts *TokenSource) refresh(ctx context.Context, r *Record) (*oauth2.Token, error) {
	if r.RefreshToken == "" {
		return nil, fmt.Errorf("%w: %s holds no refresh token; run \"mailwright token exchange\"",
			ErrNoToken, ts.Store.Path)
	}
	c := ts.Client
	if c == nil {
		var ok bool
		if c, ok = r.Client(); !ok {
			return nil, fmt.Errorf("oauthgmail: %s names no token endpoint; set TokenSource.Client",
				ts.Store.Path)
		}
	}
	if ts.Now != nil && c.Now == nil {
		cc := *c
		cc.Now = ts.Now
		c = &cc
	}
	return c.Refresh(ctx, r.RefreshToken)
}

func (ts *TokenSource) fresh(t *oauth2.Token) bool {
	if t.AccessToken == "" || t.Expiry.IsZero() {
		return false
	}
	early := ts.Early
	if early == 0 {
		early = DefaultEarly
	}
	return ts.now().Add(early).Before(t.Expiry)
}

func (ts *TokenSource) now() time.Time {
	if ts.Now != nil {
		return ts.Now()
	}
	return time.Now()
}

func copyToken(t *oauth2.Token) *oauth2.Token {
	c := *t
	return &c
}

// Renewer is a token source that can replace a token a server rejected;
// [TokenSource] is one. The senders in this package, and mailsender, use it
// when present: otherwise they ask Token again and give up if it returns the
// same token.
type Renewer interface {
	oauth2.TokenSource
	Renew(ctx context.Context, rejected *oauth2.Token) (*oauth2.Token, error)
}

// tokenCtx gets a token, with ctx when the source supports it.
func tokenCtx(ctx context.Context, ts oauth2.TokenSource) (*oauth2.Token, error) {
	if c, ok := ts.(interface {
		TokenContext(context.Context) (*oauth2.Token, error)
	}); ok {
		return c.TokenContext(ctx)
	}
	return ts.Token()
}

// renewToken replaces a rejected token once. It reports false when no new
// token can be had.
func renewToken(ctx context.Context, ts oauth2.TokenSource, rejected *oauth2.Token) (*oauth2.Token, bool, error) {
	var t *oauth2.Token
	var err error
	if r, ok := ts.(Renewer); ok {
		t, err = r.Renew(ctx, rejected)
	} else {
		t, err = tokenCtx(ctx, ts)
	}
	if err != nil {
		return nil, false, err
	}
	return t, t.AccessToken != rejected.AccessToken, nil
}
