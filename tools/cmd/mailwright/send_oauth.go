// SPDX-License-Identifier: Apache-2.0

package main

import (
	"errors"
	"flag"
	"fmt"
	"path/filepath"

	"github.com/mailwright/mailwright/mailsender"
	"github.com/mailwright/mailwright/oauthgmail"
)

// oauthFlags are the flags of "mailwright send" for OAuth 2.0 tokens and
// the HTTPS send APIs (issue #9).
type oauthFlags struct {
	store, endpoint, user string
}

func (o *oauthFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&o.store, "token-store", "",
		"OAuth 2.0 token store `file` (see \"mailwright token\"): its access token, renewed when "+
			"needed, is used for XOAUTH2 and for --host \"Google API\" or \"Microsoft Graph\"")
	fs.StringVar(&o.endpoint, "api-endpoint", "",
		"base `URL` of the Gmail API or Microsoft Graph (default: the public one; for tests and proxies)")
	fs.StringVar(&o.user, "api-user", "",
		"the `account` the API sends as: Gmail userId or Graph user (default: the token's own user)")
}

// apply checks the OAuth flags against the rest of the command line and
// sets the token source and the API options on s, whose Password may
// have come from $MAILWRIGHT_PASSWORD. A token store replaces such a
// password; it excludes --password.
func (o *oauthFlags) apply(f *sendFlags, s *mailsender.Sender) error {
	_, api := oauthgmail.APIHost(f.host)
	switch {
	case o.store != "" && f.password != "":
		return errors.New("--token-store and --password exclude each other")
	case !api && (o.endpoint != "" || o.user != ""):
		return errors.New("--api-endpoint and --api-user need --host \"Google API\" or \"Microsoft Graph\"")
	}
	if o.store != "" {
		s.Password = ""
		s.TokenSource = oauthgmail.NewTokenSource(&oauthgmail.Store{Path: o.store}, nil)
	}
	if _, isToken := oauthgmail.IsOAuthPassword(s.Password); api && o.store == "" && !isToken {
		return fmt.Errorf("--host %q needs --token-store FILE (or --password \"[oauth]TOKEN\")", f.host)
	}
	if o.endpoint != "" || o.user != "" {
		s.API = &mailsender.APIOptions{Endpoint: o.endpoint, User: o.user}
	}
	return nil
}

// credential is the name "send --queue" stores for the agent: the
// --credential flag, or a token store as "tokenstore:PATH" with an
// absolute path, which the agent resolves (agent.go), or else what
// queueCredential finds.
func (o *oauthFlags) credential(f *sendFlags, getenv func(string) string) string {
	if f.credential != "" || o.store == "" {
		return queueCredential(f, getenv)
	}
	p, err := filepath.Abs(o.store)
	if err != nil {
		p = o.store
	}
	return "tokenstore:" + p
}
