// SPDX-License-Identifier: Apache-2.0

package oauthgmail

import (
	"strings"

	"golang.org/x/oauth2"
)

// Scopes a mail client asks for.
const (
	// ScopeGoogleMail is Google's full mail scope, the one SMTP and IMAP
	// XOAUTH2 need.
	ScopeGoogleMail = "https://mail.google.com/"
	// ScopeGmailSend lets the Gmail API send mail and nothing else.
	ScopeGmailSend = "https://www.googleapis.com/auth/gmail.send"
	// ScopeMicrosoftSMTP is Microsoft 365's scope for SMTP AUTH XOAUTH2.
	ScopeMicrosoftSMTP = "https://outlook.office.com/SMTP.Send"
	// ScopeGraphMailSend is Microsoft Graph's scope for sendMail.
	ScopeGraphMailSend = "https://graph.microsoft.com/Mail.Send"
	// ScopeOfflineAccess asks Microsoft's identity platform for a refresh
	// token. Google uses the access_type=offline parameter instead.
	ScopeOfflineAccess = "offline_access"
)

// Provider names an OAuth 2.0 authorization server and the endpoints and
// scopes a mail client uses with it. Every field may be changed, which is how
// tests point a Provider at a local server.
type Provider struct {
	// Name is "google" or "microsoft" for the built-in providers; any other
	// name is a custom provider.
	Name string
	// AuthURL is the authorization endpoint (RFC 6749 §3.1).
	AuthURL string
	// TokenURL is the token endpoint (RFC 6749 §3.2).
	TokenURL string
	// SMTPScopes are requested when a [Client] has no Scopes of its own:
	// what SMTP XOAUTH2 needs.
	SMTPScopes []string
	// APIScopes are what the provider's HTTPS send API needs: Gmail's
	// users.messages.send or Graph's sendMail.
	APIScopes []string
	// AuthStyle says how the client credentials reach the token endpoint.
	// The zero value, [oauth2.AuthStyleAutoDetect], tries both ways.
	AuthStyle oauth2.AuthStyle
	// Offline holds extra authorization URL parameters that ask for a
	// refresh token (Google: access_type=offline and prompt=consent).
	Offline map[string]string
}

// Google returns the configuration of Google's OAuth 2.0 server for Gmail.
func Google() Provider {
	return Provider{
		Name:       "google",
		AuthURL:    "https://accounts.google.com/o/oauth2/auth",
		TokenURL:   "https://oauth2.googleapis.com/token",
		SMTPScopes: []string{ScopeGoogleMail},
		APIScopes:  []string{ScopeGmailSend},
		AuthStyle:  oauth2.AuthStyleInParams,
		Offline:    map[string]string{"access_type": "offline", "prompt": "consent"},
	}
}

// Microsoft returns the configuration of the Microsoft identity platform for
// Microsoft 365 mail. Tenant is a tenant ID or domain; empty means "common",
// which accepts work, school and personal accounts.
func Microsoft(tenant string) Provider {
	if tenant == "" {
		tenant = "common"
	}
	base := "https://login.microsoftonline.com/" + tenant + "/oauth2/v2.0/"
	return Provider{
		Name:       "microsoft",
		AuthURL:    base + "authorize",
		TokenURL:   base + "token",
		SMTPScopes: []string{ScopeMicrosoftSMTP, ScopeOfflineAccess},
		APIScopes:  []string{ScopeGraphMailSend, ScopeOfflineAccess},
		AuthStyle:  oauth2.AuthStyleInParams,
	}
}

// ProviderByName returns a built-in provider by the names users give it:
// "google", "gmail" or "google api", and "microsoft", "office365", "o365",
// "outlook" or "m365", in any case. The Microsoft provider uses the
// "common" tenant.
func ProviderByName(name string) (Provider, bool) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "google", "gmail", "google api":
		return Google(), true
	case "microsoft", "office365", "office 365", "o365", "outlook", "m365", "microsoft 365":
		return Microsoft(""), true
	}
	return Provider{}, false
}

func (p *Provider) endpoint() oauth2.Endpoint {
	return oauth2.Endpoint{AuthURL: p.AuthURL, TokenURL: p.TokenURL, AuthStyle: p.AuthStyle}
}
