// SPDX-License-Identifier: Apache-2.0

package oauthgmail

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/oauth2"
)

// UseToken calls use with an access token from ts. When use fails with an
// error for which rejected reports true, such as an SMTP 535 reply to
// XOAUTH2 for a token revoked before its expiry, the token is renewed once
// (through [Renewer] when ts is one, so that even an unexpired token is
// replaced) and use is called again with the new token. A second
// rejection is returned as it is: UseToken never loops. When no new token
// can be had, the first error is returned, joined with the renewal's
// error if there was one. This is the rule mailsender follows for
// XOAUTH2; the API senders of this package apply it to HTTP 401 answers.
func UseToken(ctx context.Context, ts oauth2.TokenSource,
	use func(ctx context.Context, tok *oauth2.Token) error, rejected func(error) bool) error {
	if ts == nil {
		return fmt.Errorf("%w: no token source", ErrNoToken)
	}
	tok, err := tokenCtx(ctx, ts)
	if err != nil {
		return fmt.Errorf("oauthgmail: get token: %w", err)
	}
	err = use(ctx, tok)
	if err == nil || rejected == nil || !rejected(err) {
		return err
	}
	nt, ok, rerr := renewToken(ctx, ts, tok)
	if rerr != nil {
		return errors.Join(err, fmt.Errorf("oauthgmail: renewing the rejected token: %w", rerr))
	}
	if !ok {
		return err
	}
	return use(ctx, nt)
}
