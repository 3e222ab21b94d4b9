// SPDX-License-Identifier: Apache-2.0

package oauthgmail

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Client obtains tokens from one provider for one registered application.
// A Client is safe for concurrent use once its fields are set.
type Client struct {
	// Provider holds the endpoints and default scopes. Use [Google] or
	// [Microsoft] and change endpoints as needed.
	Provider Provider
	// ClientID and ClientSecret identify the application (RFC 6749 §2.3).
	// ClientSecret may be empty for a public client using PKCE.
	ClientID     string
	ClientSecret string
	// RedirectURL is where the authorization server sends the user back
	// with the code; for installed applications a loopback URL.
	RedirectURL string
	// Scopes to request; nil means Provider.SMTPScopes.
	Scopes []string
	// HTTPClient makes the token requests; nil means http.DefaultClient.
	HTTPClient *http.Client
	// Rand is the source of PKCE verifiers and states; nil means
	// crypto/rand.
	Rand io.Reader
	// Now returns the current time, for token expiry; nil means time.Now.
	Now func() time.Time
	// Retries is how many times a token request that failed with a 5xx
	// answer or a network error is tried again; 0 means 2. Negative
	// means never.
	Retries int
	// Sleep waits between retries; nil waits on a timer and returns early
	// with ctx's error when ctx ends.
	Sleep func(ctx context.Context, d time.Duration) error
}

// AuthRequest is what one authorization needs to remember between
// [Client.AuthCodeURL] and [Client.Exchange].
type AuthRequest struct {
	// URL is the authorization URL to open in the user's browser.
	URL string
	// State is the value the redirect must carry back (RFC 6749 §10.12).
	State string
	// Verifier is the PKCE code verifier (RFC 7636 §4.1) to give to
	// [Client.Exchange].
	Verifier string
}

func (c *Client) config() *oauth2.Config {
	scopes := c.Scopes
	if scopes == nil {
		scopes = c.Provider.SMTPScopes
	}
	return &oauth2.Config{
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		Endpoint:     c.Provider.endpoint(),
		RedirectURL:  c.RedirectURL,
		Scopes:       scopes,
	}
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) random(n int) (string, error) {
	r := c.Rand
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("oauthgmail: random: %v", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// AuthCodeURL starts an authorization: it makes a state and a PKCE verifier
// and returns them with the URL that asks for a code with the S256 challenge
// (RFC 7636 §4.2) and for offline access, so that a refresh token comes
// back.
func (c *Client) AuthCodeURL() (*AuthRequest, error) {
	state, err := c.random(16)
	if err != nil {
		return nil, err
	}
	verifier, err := c.random(32)
	if err != nil {
		return nil, err
	}
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	for k, v := range c.Provider.Offline {
		opts = append(opts, oauth2.SetAuthURLParam(k, v))
	}
	u := c.config().AuthCodeURL(state, opts...)
	return &AuthRequest{URL: u, State: state, Verifier: verifier}, nil
}

// Challenge returns the S256 PKCE challenge of a verifier (RFC 7636 §4.2).
func Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Exchange trades an authorization code for tokens (RFC 6749 §4.1.3).
// Verifier is the PKCE verifier from [Client.AuthCodeURL], or empty when
// the authorization used none. A code works once: a second exchange gets
// a [*TokenError] with Code "invalid_grant", which matches
// [ErrReauthRequired].
func (c *Client) Exchange(ctx context.Context, code, verifier string) (*oauth2.Token, error) {
	if code == "" {
		return nil, errors.New("oauthgmail: empty authorization code")
	}
	var opts []oauth2.AuthCodeOption
	if verifier != "" {
		opts = append(opts, oauth2.VerifierOption(verifier))
	}
	return c.retry(ctx, "authorization_code", func(ctx context.Context) (*oauth2.Token, error) {
		return c.config().Exchange(ctx, code, opts...)
	})
}

// Refresh gets a new access token with a refresh token (RFC 6749 §6). When
// the answer has no refresh token, the returned token keeps the one given;
// when it has a new one (rotation), the caller must keep the new one and
// drop the old (RFC 6749 §6), which [TokenSource] does.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	if refreshToken == "" {
		return nil, fmt.Errorf("%w: no refresh token", ErrNoToken)
	}
	return c.retry(ctx, "refresh_token", func(ctx context.Context) (*oauth2.Token, error) {
		old := &oauth2.Token{RefreshToken: refreshToken, Expiry: time.Unix(1, 0)}
		return c.config().TokenSource(ctx, old).Token()
	})
}

// GetAccessToken is the classic one-call form: it exchanges an
// authorization code, or refreshes when isRefreshToken is true, and returns
// the access token, the refresh token (the new one, or the one given when
// the server issued none) and the access token's lifetime (often one
// hour). Service names the provider as [ProviderByName] reads it; it must
// agree with c.Provider when that is set, and selects the built-in
// provider when c.Provider is empty. Codes are exchanged without PKCE; use
// [Client.Exchange] for codes from [Client.AuthCodeURL].
func (c *Client) GetAccessToken(ctx context.Context, service, codeOrRefreshToken string,
	isRefreshToken bool) (accessToken, refreshToken string, lifetime time.Duration, err error) {
	cc, err := c.forService(service)
	if err != nil {
		return "", "", 0, err
	}
	var t *oauth2.Token
	if isRefreshToken {
		t, err = cc.Refresh(ctx, codeOrRefreshToken)
	} else {
		t, err = cc.Exchange(ctx, codeOrRefreshToken, "")
	}
	if err != nil {
		return "", "", 0, err
	}
	return t.AccessToken, t.RefreshToken, time.Duration(t.ExpiresIn) * time.Second, nil
}

func (c *Client) forService(service string) (*Client, error) {
	if service == "" {
		if c.Provider.TokenURL == "" {
			return nil, errors.New("oauthgmail: no provider: give a service name or set Client.Provider")
		}
		return c, nil
	}
	p, ok := ProviderByName(service)
	if !ok {
		return nil, fmt.Errorf("oauthgmail: unknown service %q (want google or microsoft)", service)
	}
	if c.Provider.TokenURL == "" {
		cc := *c
		cc.Provider = p
		return &cc, nil
	}
	if c.Provider.Name != p.Name {
		return nil, fmt.Errorf("oauthgmail: service %q does not match the client's provider %q",
			service, c.Provider.Name)
	}
	return c, nil
}

// retry runs one token request, retrying 5xx answers and network errors,
// and turns the answer into our types.
func (c *Client) retry(ctx context.Context, grant string,
	do func(context.Context) (*oauth2.Token, error)) (*oauth2.Token, error) {
	if c.HTTPClient != nil {
		ctx = context.WithValue(ctx, oauth2.HTTPClient, c.HTTPClient)
	}
	tries := c.Retries
	if tries == 0 {
		tries = 2
	}
	delay := 500 * time.Millisecond
	for attempt := 0; ; attempt++ {
		t, err := do(ctx)
		if err == nil {
			return c.stamp(t), nil
		}
		err = tokenError(grant, err)
		var te *TokenError
		transient := !errors.As(err, &te) || te.Temporary()
		if !transient || attempt >= tries || ctx.Err() != nil {
			return nil, err
		}
		if serr := c.sleep(ctx, delay); serr != nil {
			return nil, err
		}
		delay *= 2
	}
}

// stamp recomputes the expiry with the injectable clock.
func (c *Client) stamp(t *oauth2.Token) *oauth2.Token {
	if t.ExpiresIn > 0 {
		t.Expiry = c.now().Add(time.Duration(t.ExpiresIn) * time.Second)
	}
	return t
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	return sleepCtx(ctx, d)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// tokenError converts x/oauth2's errors. The endpoint's body is dropped so
// no token can leak through an error; network errors keep their text.
func tokenError(grant string, err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		if strings.HasPrefix(err.Error(), "oauth2: ") {
			return fmt.Errorf("oauthgmail: token endpoint: %s",
				strings.TrimPrefix(err.Error(), "oauth2: "))
		}
		return fmt.Errorf("oauthgmail: token endpoint: %w", err)
	}
	te := &TokenError{Grant: grant, Code: re.ErrorCode, Description: re.ErrorDescription}
	if re.Response != nil {
		te.StatusCode = re.Response.StatusCode
	}
	return te
}
