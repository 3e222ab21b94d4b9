// SPDX-License-Identifier: Apache-2.0

package mailsender

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/oauth2"

	"github.com/mailwright/mailwright/oauthgmail"
	"github.com/mailwright/mailwright/saslmech"
	"github.com/mailwright/mailwright/smtpclient"
)

// tokens returns where the access tokens come from: Sender.TokenSource, a
// static source over an "[oauth]TOKEN" Password, or nil when the Sender
// has no token.
func (s *Sender) tokens() (oauth2.TokenSource, error) {
	if err := s.validateTokenSource(); err != nil {
		return nil, err
	}
	if s.TokenSource != nil {
		return s.TokenSource, nil
	}
	tok, ok := oauthgmail.IsOAuthPassword(s.Password)
	switch {
	case !ok && s.Password != "":
		return nil, fieldErr("Sender.Password", "is not an OAuth 2.0 token (\"[oauth]TOKEN\")")
	case !ok:
		return nil, nil
	case tok == "":
		return nil, fieldErr("Sender.Password", "holds an empty OAuth token")
	}
	return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok, TokenType: "Bearer"}), nil
}

// connect dials and authenticates: with the Password as before, or, with
// a TokenSource, with XOAUTH2 (or OAUTHBEARER) and a token from it. A
// token the server refuses with 535 is renewed once and the connection
// made again ([oauthgmail.UseToken]); the message has not been read then.
func (s *Sender) connect(ctx context.Context) (*smtpclient.Client, error) {
	if s.TokenSource == nil {
		return s.connectPassword(ctx)
	}
	var c *smtpclient.Client
	use := func(ctx context.Context, tok *oauth2.Token) error {
		cc, err := s.dial(ctx)
		if err != nil {
			return err
		}
		mech, err := s.tokenMechanism(cc, tok.AccessToken)
		if err == nil {
			err = cc.Auth(ctx, mech)
		}
		if err != nil {
			cc.Close()
			return err
		}
		c = cc
		return nil
	}
	err := oauthgmail.UseToken(ctx, s.TokenSource, use, tokenRejected)
	return c, err
}

// connectPassword dials and, when there are credentials, authenticates
// with the Password.
func (s *Sender) connectPassword(ctx context.Context) (*smtpclient.Client, error) {
	c, err := s.dial(ctx)
	if err != nil {
		return nil, err
	}
	if s.Username == "" && s.Password == "" {
		return c, nil
	}
	mech, err := s.mechanism(c)
	if err == nil {
		err = c.Auth(ctx, mech)
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// tokenMechanism picks XOAUTH2 or OAUTHBEARER, or the mechanism
// AuthMechanism names, for token on connection c.
func (s *Sender) tokenMechanism(c *smtpclient.Client, token string) (saslmech.Mechanism, error) {
	_, isTLS := c.TLSConnectionState()
	info := &saslmech.ServerInfo{Host: s.Host, TLS: isTLS, Mechanisms: c.AuthMechanisms(),
		Insecure: s.Insecure}
	cred := saslmech.Credentials{Username: s.Username, Token: token, Port: s.port()}
	policy := tokenOrder
	if s.AuthMechanism != "" {
		policy = saslmech.Policy{strings.ToUpper(s.AuthMechanism)}
	}
	return saslmech.Select(info, cred, policy)
}

// tokenRejected reports whether the server refused the credentials
// (RFC 4954 §6: 535 5.7.8), which for a token means it expired or was
// revoked. A 454 or 534 is not a token problem and is not retried.
func tokenRejected(err error) bool {
	var se *smtpclient.Error
	return errors.As(err, &se) && se.Code == 535
}

// validateTokenSource checks the SMTP settings that go with a
// TokenSource, before anything is composed or sent.
func (s *Sender) validateTokenSource() error {
	if s.TokenSource != nil && s.Password != "" {
		return fieldErr("Sender.Password",
			"is set together with Sender.TokenSource: give one of them")
	}
	return nil
}

// ErrNotQueueable is wrapped by the *FieldError [Sender.Enqueue] returns
// for a Sender whose Host names an HTTPS send API: the delivery agent
// (package queue) speaks SMTP only, so such messages are sent with
// [Sender.Send].
var ErrNotQueueable = errors.New("cannot be queued")

// queueableOAuth refuses what a queue entry cannot carry: an API host,
// and a TokenSource without the name of its token store.
func (s *Sender) queueableOAuth(credential string) error {
	if service, ok := s.isAPI(); ok {
		err := fmt.Errorf("%w: it names %s and the delivery agent speaks SMTP only; "+
			"send it with Send", ErrNotQueueable, apiName(service))
		return &FieldError{Field: "Sender.Host", Err: err}
	}
	if s.TokenSource != nil && credential == "" {
		return fieldErr("EnqueueOptions.Credential", "is empty but Sender.TokenSource is set: "+
			"a queue stores the name of a token store (\"tokenstore:PATH\"), never a token")
	}
	return nil
}

// BUG(mailwright): Messages for an API host ("Google API", "Microsoft
// Graph") cannot be queued: the delivery agent of package queue, and the
// "mailwright agent" command, deliver over SMTP only, so Enqueue refuses
// them with ErrNotQueueable (TODO(#9): a deliverer that dispatches on the
// profile's host to oauthgmail, with the token store named as
// "tokenstore:PATH").
