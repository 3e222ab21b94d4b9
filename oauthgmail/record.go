// SPDX-License-Identifier: Apache-2.0

package oauthgmail

import (
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Record is what a token file holds: the tokens, and enough about the
// client to refresh them without other configuration. It is stored as
// JSON by [Store].
type Record struct {
	// AccessToken is the bearer token (RFC 6750); empty when none was
	// issued yet.
	AccessToken string `json:"access_token,omitempty"`
	// TokenType is the token type, normally "Bearer".
	TokenType string `json:"token_type,omitempty"`
	// RefreshToken renews the access token (RFC 6749 §6).
	RefreshToken string `json:"refresh_token,omitempty"`
	// Expiry is when the access token expires; zero means unknown, which
	// is treated as expired.
	Expiry time.Time `json:"expiry,omitzero"`
	// Scopes the token was granted, when the server said.
	Scopes []string `json:"scopes,omitempty"`

	// Provider is the provider name ("google", "microsoft" or custom).
	Provider string `json:"provider,omitempty"`
	// AuthURL and TokenURL override the provider's endpoints when set.
	AuthURL  string `json:"auth_url,omitempty"`
	TokenURL string `json:"token_url,omitempty"`
	// ClientID and ClientSecret identify the application.
	ClientID     string `json:"client_id,omitempty"`
	ClientSecret string `json:"client_secret,omitempty"`
	// RedirectURL is the redirect URI the authorization used.
	RedirectURL string `json:"redirect_url,omitempty"`

	// Verifier and State belong to an authorization that was started and
	// not yet exchanged; they are cleared by a successful exchange.
	Verifier string `json:"pkce_verifier,omitempty"`
	State    string `json:"state,omitempty"`

	// LastError records why the last refresh failed for good, such as
	// invalid_grant (CASE-30); cleared by the next success.
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
	// Updated is when the record was last written.
	Updated time.Time `json:"updated,omitzero"`
}

// Token returns the record's tokens as an oauth2.Token.
func (r *Record) Token() *oauth2.Token {
	return &oauth2.Token{
		AccessToken:  r.AccessToken,
		TokenType:    r.TokenType,
		RefreshToken: r.RefreshToken,
		Expiry:       r.Expiry,
	}
}

// SetToken stores t's tokens. A token without a refresh token keeps the
// one already recorded; a token with a new one replaces it (RFC 6749 §6).
// The granted scopes are taken from the token's "scope" field when the
// server sent one. A pending error is cleared.
func (r *Record) SetToken(t *oauth2.Token) {
	r.AccessToken = t.AccessToken
	r.TokenType = t.TokenType
	r.Expiry = t.Expiry
	if t.RefreshToken != "" {
		r.RefreshToken = t.RefreshToken
	}
	if s, ok := t.Extra("scope").(string); ok && s != "" {
		r.Scopes = strings.Fields(s)
	}
	r.LastError = ""
	r.LastErrorAt = time.Time{}
}

// SetClient records c's provider and credentials so that the file alone
// suffices to refresh.
func (r *Record) SetClient(c *Client) {
	r.Provider = c.Provider.Name
	r.AuthURL = c.Provider.AuthURL
	r.TokenURL = c.Provider.TokenURL
	r.ClientID = c.ClientID
	r.ClientSecret = c.ClientSecret
	r.RedirectURL = c.RedirectURL
	if c.Scopes != nil {
		r.Scopes = append([]string(nil), c.Scopes...)
	}
}

// Client returns a [Client] built from the record: the named provider with
// the recorded endpoints and credentials. It reports false when the record
// names no token endpoint and no built-in provider.
func (r *Record) Client() (*Client, bool) {
	p, ok := ProviderByName(r.Provider)
	if !ok {
		p = Provider{Name: r.Provider}
	}
	if r.AuthURL != "" {
		p.AuthURL = r.AuthURL
	}
	if r.TokenURL != "" {
		p.TokenURL = r.TokenURL
	}
	if p.TokenURL == "" {
		return nil, false
	}
	c := &Client{Provider: p, ClientID: r.ClientID, ClientSecret: r.ClientSecret,
		RedirectURL: r.RedirectURL}
	if len(r.Scopes) > 0 {
		c.Scopes = append([]string(nil), r.Scopes...)
	}
	return c, true
}
