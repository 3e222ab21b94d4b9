// SPDX-License-Identifier: Apache-2.0

package queue

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"golang.org/x/oauth2"

	"github.com/mailwright/mailwright/oauthgmail"
	"github.com/mailwright/mailwright/saslmech"
	"github.com/mailwright/mailwright/smtpclient"
	"github.com/mailwright/mailwright/tlsprofile"
)

// tokenOrder is the facade's order for an OAuth 2.0 token.
var tokenOrder = saslmech.Policy{"XOAUTH2", "OAUTHBEARER"}

// port returns p's port, or the default for its security.
func (p *Profile) port() int {
	switch {
	case p.Port != 0:
		return p.Port
	case p.Security == "tls":
		return 465
	case p.Security == "starttls":
		return 587
	}
	return 25
}

// Addr returns the host and port the profile connects to.
func (p *Profile) Addr() string { return net.JoinHostPort(p.Host, strconv.Itoa(p.port())) }

// dialer returns the function that opens and authenticates one session
// for profile p, in pool pl.
func (d *SMTP) dialer(p Profile, pl *pool) func(ctx context.Context) (*smtpclient.Client, error) {
	return func(ctx context.Context) (*smtpclient.Client, error) {
		o, err := d.options(&p)
		if err != nil {
			return nil, err
		}
		sec, err := d.secret(ctx, &p)
		if err != nil {
			return nil, err
		}
		if sec.Tokens != nil {
			return d.openWithTokens(ctx, &p, o, sec.Tokens, pl)
		}
		c, err := d.open(ctx, &p, o)
		if err != nil {
			return nil, err
		}
		if err := d.auth(ctx, c, &p, o.Insecure, sec); err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	}
}

// open connects and greets, with implicit TLS or STARTTLS.
func (d *SMTP) open(ctx context.Context, p *Profile, o *smtpclient.Options) (*smtpclient.Client, error) {
	if p.Security == "tls" {
		return smtpclient.DialTLS(ctx, p.Addr(), o)
	}
	return smtpclient.Dial(ctx, p.Addr(), o)
}

// openWithTokens opens a session authenticated with a token from ts. A
// token the server rejects (535, or an XOAUTH2 or OAUTHBEARER error
// challenge) is renewed once through [oauthgmail.UseToken], which forces a
// refresh, and the session is opened again on a new connection; a second
// rejection is returned. The pool is told each token's expiry and every
// rejection, so that it retires sessions authenticated with a stale token.
func (d *SMTP) openWithTokens(ctx context.Context, p *Profile, o *smtpclient.Options,
	ts oauth2.TokenSource, pl *pool) (*smtpclient.Client, error) {
	var c *smtpclient.Client
	use := func(ctx context.Context, tok *oauth2.Token) error {
		cc, err := d.open(ctx, p, o)
		if err != nil {
			return err
		}
		err = d.auth(ctx, cc, p, o.Insecure, Secret{Token: tok.AccessToken})
		if err != nil {
			cc.Close()
			if tokenRejected(err) {
				pl.retire()
			}
			return err
		}
		pl.expires(tok.Expiry)
		c = cc
		return nil
	}
	err := oauthgmail.UseToken(ctx, ts, use, tokenRejected)
	return c, err
}

// tokenRejected reports whether a server refused a token: 535 (RFC 4954
// section 6) or an error challenge of XOAUTH2 or OAUTHBEARER (RFC 7628
// section 3.2.2). Other AUTH failures (454, 534) are not the token's.
func tokenRejected(err error) bool {
	var se *smtpclient.Error
	var oe *saslmech.OAuthError
	return errors.As(err, &se) && se.Code == 535 || errors.As(err, &oe)
}

// options builds the smtpclient options for profile p.
func (d *SMTP) options(p *Profile) (*smtpclient.Options, error) {
	var o smtpclient.Options
	if d.Options != nil {
		o = *d.Options
	}
	switch p.Security {
	case "none":
		o.TLSPolicy = tlsprofile.None
		return &o, nil
	case "", "starttls", "tls":
	default:
		return nil, fmt.Errorf("queue: profile security %q (want starttls, tls or none)", p.Security)
	}
	o.TLSPolicy = tlsprofile.Verify
	if p.TLSPolicy != "" {
		pol, err := tlsprofile.ParsePolicy(p.TLSPolicy)
		if err != nil {
			return nil, err
		}
		o.TLSPolicy = pol
	}
	cfg, err := p.tlsConfig(o.TLSConfig)
	o.TLSConfig = cfg
	return &o, err
}

// tlsConfig refines base with the profile's TLS version and trusted roots.
func (p *Profile) tlsConfig(base *tls.Config) (*tls.Config, error) {
	cfg := &tls.Config{}
	if base != nil {
		cfg = base.Clone()
	}
	if p.ServerName != "" {
		cfg.ServerName = p.ServerName
	}
	if cfg.ServerName == "" {
		cfg.ServerName = p.Host
	}
	if p.TLSVersion != "" {
		v, err := tlsprofile.ParseVersion(p.TLSVersion)
		if err != nil {
			return nil, err
		}
		// As in the facade, the classic TLSVersion forces one version.
		cfg.MinVersion, cfg.MaxVersion = v, v
		if v < tls.VersionTLS12 {
			cfg.CipherSuites = tlsprofile.Legacy.CipherSuites()
		}
	}
	if p.CAFile == "" {
		return cfg, nil
	}
	pem, err := os.ReadFile(p.CAFile)
	if err != nil {
		return nil, fmt.Errorf("queue: profile CA file: %w", err)
	}
	if cfg.RootCAs == nil {
		if cfg.RootCAs, err = x509.SystemCertPool(); err != nil {
			cfg.RootCAs = x509.NewCertPool()
		}
	} else {
		cfg.RootCAs = cfg.RootCAs.Clone()
	}
	if !cfg.RootCAs.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("queue: profile CA file %s holds no PEM certificate", p.CAFile)
	}
	return cfg, nil
}

// secret resolves the profile's credential; a profile without one does
// not authenticate.
func (d *SMTP) secret(ctx context.Context, p *Profile) (Secret, error) {
	if p.Credential == "" {
		return Secret{}, nil
	}
	resolve := d.Secret
	if resolve == nil {
		resolve = EnvSecret
	}
	return resolve(ctx, p)
}

// auth authenticates c with sec, if the profile has a credential.
func (d *SMTP) auth(ctx context.Context, c *smtpclient.Client, p *Profile, ins saslmech.Insecure,
	sec Secret) error {
	if p.Credential == "" {
		return nil
	}
	_, isTLS := c.TLSConnectionState()
	info := &saslmech.ServerInfo{Host: p.Host, TLS: isTLS, Mechanisms: c.AuthMechanisms(),
		Insecure: ins}
	cred := saslmech.Credentials{Username: p.Username, Password: sec.Password,
		Token: sec.Token, Port: p.port()}
	m, err := saslmech.Select(info, cred, d.policy(p, sec))
	if err != nil {
		return err
	}
	return c.Auth(ctx, m)
}

// policy orders the mechanisms as the facade does: the one the profile
// names; for a token XOAUTH2, OAUTHBEARER; else the profile's AuthPolicy,
// the deliverer's Policy or saslmech.DefaultOrder.
func (d *SMTP) policy(p *Profile, sec Secret) saslmech.Policy {
	switch {
	case p.Auth != "":
		return saslmech.Policy{strings.ToUpper(p.Auth)}
	case sec.Token != "":
		return tokenOrder
	case p.AuthPolicy != "":
		return saslmech.Policy(strings.Fields(strings.ToUpper(p.AuthPolicy)))
	case d.Policy != nil:
		return d.Policy
	}
	return saslmech.DefaultOrder
}
