// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mailwright/mailwright/oauthgmail"
)

func init() {
	register(&command{
		name:    "token",
		summary: "OAuth 2.0 tokens: url, exchange, refresh, show, import (--store FILE)",
		run:     runToken,
	})
}

const tokenUsage = `usage: mailwright token <action> --store FILE [flags]

actions:
  url       start an authorization: print the URL to open, remember the
            PKCE verifier in the store
  exchange  trade the code from the redirect (--code) for tokens
  refresh   renew the access token now
  show      print what the store holds, tokens masked (--access-token
            prints the access token alone, renewed if needed)
  import    read a classic three-line token file (--classic FILE)

The client secret may come from $MAILWRIGHT_CLIENT_SECRET instead of
--client-secret. url, show and import work offline (url only prints the
address for a browser). exchange, refresh and show --access-token (when the
token must be renewed) contact the provider's token endpoint, or --token-url,
and no other host.
`

// tokenFlags are the flags all token actions accept.
type tokenFlags struct {
	store, provider, tenant, clientID, secret, redirect, authURL, tokenURL string
	scopes, code, verifier, classic                                        string
	api, accessOnly                                                        bool
}

func runToken(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprint(e.stderr, tokenUsage)
		return &exitError{code: 2, err: errors.New("missing action")}
	}
	action := args[0]
	fs := flag.NewFlagSet("token "+action, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() { fmt.Fprint(e.stderr, tokenUsage); fs.PrintDefaults() }
	var f tokenFlags
	fs.StringVar(&f.store, "store", "", "token store `file` (JSON, mode 0600)")
	fs.StringVar(&f.provider, "provider", "", "google or microsoft (url: default google)")
	fs.StringVar(&f.tenant, "tenant", "", "Microsoft tenant (default common)")
	fs.StringVar(&f.clientID, "client-id", "", "OAuth client ID")
	fs.StringVar(&f.secret, "client-secret", "", "OAuth client secret (or $MAILWRIGHT_CLIENT_SECRET)")
	fs.StringVar(&f.redirect, "redirect-uri", "", "redirect URI registered for the client (default http://127.0.0.1/)")
	fs.StringVar(&f.authURL, "auth-url", "", "override the authorization endpoint")
	fs.StringVar(&f.tokenURL, "token-url", "", "override the token endpoint")
	fs.StringVar(&f.scopes, "scope", "", "space-separated scopes (default: the provider's SMTP scopes)")
	fs.BoolVar(&f.api, "api", false, "ask for the HTTPS API scopes (Gmail API, Graph) instead of SMTP")
	fs.StringVar(&f.code, "code", "", "exchange: the authorization code")
	fs.StringVar(&f.verifier, "verifier", "", "exchange: PKCE verifier (default: the one url saved)")
	fs.StringVar(&f.classic, "classic", "", "import: the classic token `file`")
	fs.BoolVar(&f.accessOnly, "access-token", false, "show: print only a valid access token")
	if err := fs.Parse(args[1:]); err != nil {
		return &exitError{code: 2, err: err}
	}
	if f.store == "" {
		return &exitError{code: 2, err: errors.New("--store is required")}
	}
	if f.secret == "" && e.getenv != nil {
		f.secret = e.getenv("MAILWRIGHT_CLIENT_SECRET")
	}
	return reword(tokenAction(ctx, e, action, &f))
}

// tokenAction runs one action on the store the flags name.
func tokenAction(ctx context.Context, e *env, action string, f *tokenFlags) error {
	st := &oauthgmail.Store{Path: f.store}
	switch action {
	case "url":
		return tokenURL(ctx, e, st, f)
	case "exchange":
		return tokenExchange(ctx, e, st, f)
	case "refresh":
		return tokenRefresh(ctx, e, st)
	case "show":
		return tokenShow(ctx, e, st, f.accessOnly)
	case "import":
		return tokenImport(ctx, e, st, f)
	}
	fmt.Fprint(e.stderr, tokenUsage)
	return &exitError{code: 2, err: fmt.Errorf("unknown action %q", action)}
}

// client builds the OAuth client from the flags, on top of what the store
// recorded.
func (f *tokenFlags) client(rec *oauthgmail.Record) (*oauthgmail.Client, error) {
	c, ok := rec.Client()
	if !ok || f.provider != "" {
		name := f.provider
		if name == "" {
			name = "google"
		}
		p, ok := oauthgmail.ProviderByName(name)
		if !ok {
			return nil, fmt.Errorf("unknown provider %q (want google or microsoft)", name)
		}
		if p.Name == "microsoft" {
			p = oauthgmail.Microsoft(f.tenant)
		}
		if f.api {
			p.SMTPScopes = p.APIScopes
		}
		c = &oauthgmail.Client{Provider: p, Scopes: p.SMTPScopes, RedirectURL: "http://127.0.0.1/"}
	}
	f.override(c)
	if c.ClientID == "" {
		return nil, errors.New("--client-id is required")
	}
	return c, nil
}

func (f *tokenFlags) override(c *oauthgmail.Client) {
	if f.clientID != "" {
		c.ClientID = f.clientID
	}
	if f.secret != "" {
		c.ClientSecret = f.secret
	}
	if f.redirect != "" {
		c.RedirectURL = f.redirect
	}
	if f.authURL != "" {
		c.Provider.AuthURL = f.authURL
	}
	if f.tokenURL != "" {
		c.Provider.TokenURL = f.tokenURL
	}
	if f.scopes != "" {
		c.Scopes = strings.Fields(f.scopes)
	}
}

func tokenURL(ctx context.Context, e *env, st *oauthgmail.Store, f *tokenFlags) error {
	var url string
	err := st.Update(ctx, func(r *oauthgmail.Record) (bool, error) {
		c, err := f.client(r)
		if err != nil {
			return false, err
		}
		ar, err := c.AuthCodeURL()
		if err != nil {
			return false, err
		}
		r.SetClient(c)
		r.Verifier, r.State = ar.Verifier, ar.State
		url = ar.URL
		return true, nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, url)
	fmt.Fprintf(e.stderr, "Open the URL, consent, then run:\n"+
		"  mailwright token exchange --store %s --code CODE\n"+
		"with the code parameter of the page you are sent to.\n", st.Path)
	return nil
}

func tokenExchange(ctx context.Context, e *env, st *oauthgmail.Store, f *tokenFlags) error {
	if f.code == "" {
		return &exitError{code: 2, err: errors.New("--code is required")}
	}
	var out oauthgmail.Record
	err := st.Update(ctx, func(r *oauthgmail.Record) (bool, error) {
		c, err := f.client(r)
		if err != nil {
			return false, err
		}
		verifier := f.verifier
		if verifier == "" {
			verifier = r.Verifier
		}
		t, err := c.Exchange(ctx, f.code, verifier)
		if err != nil {
			return false, err
		}
		r.SetClient(c)
		r.SetToken(t)
		r.Verifier, r.State = "", ""
		out = *r
		return true, nil
	})
	if err != nil {
		return err
	}
	printRecord(e.stdout, st.Path, &out, time.Now())
	return nil
}

func tokenRefresh(ctx context.Context, e *env, st *oauthgmail.Store) error {
	rec, err := st.Load()
	if err != nil {
		return err
	}
	ts := oauthgmail.NewTokenSource(st, nil)
	if _, err := ts.Renew(ctx, rec.Token()); err != nil {
		return err
	}
	rec, err = st.Load()
	if err != nil {
		return err
	}
	printRecord(e.stdout, st.Path, rec, time.Now())
	return nil
}

func tokenShow(ctx context.Context, e *env, st *oauthgmail.Store, accessOnly bool) error {
	if accessOnly {
		t, err := oauthgmail.NewTokenSource(st, nil).TokenContext(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, t.AccessToken)
		return nil
	}
	rec, err := st.Load()
	if err != nil {
		return err
	}
	printRecord(e.stdout, st.Path, rec, time.Now())
	return nil
}

func tokenImport(ctx context.Context, e *env, st *oauthgmail.Store, f *tokenFlags) error {
	if f.classic == "" {
		return &exitError{code: 2, err: errors.New("--classic is required")}
	}
	rec, err := oauthgmail.ImportClassic(ctx, f.classic, st, nil)
	if err != nil {
		return err
	}
	if f.clientID != "" || f.provider != "" {
		err = st.Update(ctx, func(r *oauthgmail.Record) (bool, error) {
			c, err := f.client(r)
			if err != nil {
				return false, err
			}
			r.SetClient(c)
			*rec = *r
			return true, nil
		})
		if err != nil {
			return err
		}
	}
	printRecord(e.stdout, st.Path, rec, time.Now())
	if _, ok := rec.Client(); !ok {
		fmt.Fprintf(e.stderr, "warning: %s names no token endpoint, so the access token cannot "+
			"be renewed: %s\n", st.Path, tokenEndpointFix)
	}
	return nil
}

// printRecord shows a store's content with the tokens masked.
func printRecord(w io.Writer, path string, r *oauthgmail.Record, now time.Time) {
	fmt.Fprintf(w, "store:         %s\n", path)
	fmt.Fprintf(w, "provider:      %s\n", r.Provider)
	fmt.Fprintf(w, "client id:     %s\n", r.ClientID)
	fmt.Fprintf(w, "token url:     %s\n", r.TokenURL)
	fmt.Fprintf(w, "scopes:        %s\n", strings.Join(r.Scopes, " "))
	fmt.Fprintf(w, "access token:  %s\n", mask(r.AccessToken))
	switch {
	case r.Expiry.IsZero():
		fmt.Fprintf(w, "expires:       unknown\n")
	case r.Expiry.After(now):
		fmt.Fprintf(w, "expires:       %s (in %s)\n", r.Expiry.UTC().Format(time.RFC3339),
			r.Expiry.Sub(now).Round(time.Second))
	default:
		fmt.Fprintf(w, "expires:       %s (expired)\n", r.Expiry.UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(w, "refresh token: %s\n", mask(r.RefreshToken))
	if r.Verifier != "" {
		fmt.Fprintf(w, "pending:       authorization started, waiting for exchange\n")
	}
	if r.LastError != "" {
		fmt.Fprintf(w, "last error:    %s (%s)\n", r.LastError, r.LastErrorAt.Format(time.RFC3339))
	}
}

// mask shows a token's first characters and its length only.
func mask(s string) string {
	if s == "" {
		return "(none)"
	}
	n := min(len(s)/4, 6)
	return fmt.Sprintf("%s... (%d characters)", s[:n], len(s))
}
