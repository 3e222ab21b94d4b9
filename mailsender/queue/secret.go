// SPDX-License-Identifier: Apache-2.0

package queue

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/oauth2"

	"github.com/mailwright/mailwright/oauthgmail"
)

// Secret is what a profile's Credential name stands for: a password for
// the password mechanisms, or an OAuth 2.0 access token for XOAUTH2,
// OAUTHBEARER and the HTTPS send APIs.
type Secret struct {
	Password string
	Token    string
	// Tokens, when set, is where access tokens come from, such as an
	// [oauthgmail.TokenSource] over a token store; Token is then ignored.
	// A token the server rejects (SMTP 535 or an XOAUTH2 error challenge,
	// HTTP 401) is renewed through it once, forcing a refresh when it is
	// an [oauthgmail.Renewer], and the attempt is made again. Without
	// Tokens a rejected token is not renewed.
	Tokens oauth2.TokenSource
}

// SecretFunc resolves a profile's Credential into a [Secret]. [SMTP] calls
// it for every new connection, so a token source behind it may renew an
// access token whenever it is close to expiry.
type SecretFunc func(ctx context.Context, p *Profile) (Secret, error)

// ErrNoSecret is wrapped by the errors of [EnvSecret] for a credential it
// cannot resolve.
var ErrNoSecret = errors.New("queue: credential not available")

// EnvSecret resolves the credential names a spool may carry without a
// secret in it:
//
//   - "env:NAME": the value of the environment variable NAME;
//   - "file:PATH": the first line of the file PATH;
//   - "tokenstore:PATH": the oauthgmail token store PATH, as
//     [Secret.Tokens], whose access token is refreshed when it is about
//     to expire or is rejected, and saved back to the store.
//
// A value of the form "[oauth]TOKEN" (any case) is an access token, as in
// the classic components; anything else is a password.
func EnvSecret(_ context.Context, p *Profile) (Secret, error) {
	kind, ref, _ := strings.Cut(p.Credential, ":")
	var v string
	switch kind {
	case "env":
		var ok bool
		if v, ok = os.LookupEnv(ref); !ok {
			return Secret{}, fmt.Errorf("%w: environment variable %s is not set", ErrNoSecret, ref)
		}
	case "tokenstore":
		if ref == "" {
			return Secret{}, fmt.Errorf("%w: tokenstore: names no file", ErrNoSecret)
		}
		return Secret{Tokens: oauthgmail.NewTokenSource(&oauthgmail.Store{Path: ref}, nil)}, nil
	case "file":
		b, err := os.ReadFile(ref)
		if err != nil {
			return Secret{}, fmt.Errorf("%w: %v", ErrNoSecret, err)
		}
		v, _, _ = strings.Cut(string(b), "\n")
		v = strings.TrimSuffix(v, "\r")
	default:
		return Secret{}, fmt.Errorf("%w: unknown kind of credential %q (want env:NAME, file:PATH or tokenstore:PATH)",
			ErrNoSecret, kind)
	}
	return ParseSecret(v), nil
}

// ParseSecret reads a classic password value: "[oauth]TOKEN" (any case)
// is an access token, anything else a password.
func ParseSecret(v string) Secret {
	if len(v) >= 7 && strings.EqualFold(v[:7], "[oauth]") {
		return Secret{Token: v[7:]}
	}
	return Secret{Password: v}
}
