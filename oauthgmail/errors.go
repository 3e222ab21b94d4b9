// SPDX-License-Identifier: Apache-2.0

package oauthgmail

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors callers branch on. They are matched with [errors.Is]; the
// error values returned carry more detail.
var (
	// ErrReauthRequired means the refresh token or authorization code is
	// no longer accepted (RFC 6749 §5.2 invalid_grant): the user has to
	// consent again. Retrying does not help.
	ErrReauthRequired = errors.New("oauthgmail: new consent required")
	// ErrInsufficientScope means the access token lacks a scope the API
	// call needs (RFC 6750 §3.1).
	ErrInsufficientScope = errors.New("oauthgmail: token lacks a required scope")
	// ErrMessageTooLarge means the message exceeds the API's size limit.
	ErrMessageTooLarge = errors.New("oauthgmail: message too large")
	// ErrInsecureFile means a token file or its directory can be read or
	// changed by other users, so it is not used.
	ErrInsecureFile = errors.New("oauthgmail: token file not private")
	// ErrNoToken means the token store holds no usable token.
	ErrNoToken = errors.New("oauthgmail: no token")
)

// TokenError is an error answer from a token endpoint (RFC 6749 §5.2). It
// never holds a token: the endpoint's body is not kept.
type TokenError struct {
	// StatusCode is the HTTP status; 0 when the answer was not HTTP.
	StatusCode int
	// Code is the RFC 6749 "error" value, such as "invalid_grant".
	Code string
	// Description is the "error_description" value, if any.
	Description string
	// Grant is the grant that failed: "authorization_code" or
	// "refresh_token".
	Grant string
}

// Error explains the failure; for invalid_grant it says what to do.
func (e *TokenError) Error() string {
	var b strings.Builder
	b.WriteString("oauthgmail: token endpoint refused the ")
	b.WriteString(strings.ReplaceAll(e.Grant, "_", " "))
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.StatusCode)
	}
	if e.Code != "" {
		b.WriteString(": " + e.Code)
	}
	if e.Description != "" {
		b.WriteString(": " + e.Description)
	}
	if e.Code == "invalid_grant" {
		switch e.Grant {
		case "authorization_code":
			b.WriteString("; an authorization code works once and expires within minutes," +
				" start again with a new authorization URL")
		default:
			b.WriteString("; the refresh token is expired or revoked and the user must" +
				" consent again (Google expires refresh tokens after 7 days for apps" +
				" whose consent screen is in Testing)")
		}
	}
	return b.String()
}

// Is reports whether e matches target: an invalid_grant answer matches
// [ErrReauthRequired].
func (e *TokenError) Is(target error) bool {
	return target == ErrReauthRequired && e.Code == "invalid_grant"
}

// Temporary reports whether retrying later may succeed: a 5xx answer or
// one with the "temporarily_unavailable" or "server_error" codes.
func (e *TokenError) Temporary() bool {
	return e.StatusCode >= 500 || e.Code == "temporarily_unavailable" || e.Code == "server_error"
}

// APIError is a failed send through the Gmail API or Microsoft Graph. It
// holds the service's own message but never the token.
type APIError struct {
	// Service is "gmail" or "graph".
	Service string
	// StatusCode is the HTTP status.
	StatusCode int
	// Status is the service's error status or code, such as Google's
	// "PERMISSION_DENIED" or Graph's "ErrorAccessDenied".
	Status string
	// Reason is Google's first error reason, such as
	// "insufficientPermissions"; empty for Graph.
	Reason string
	// Message is the service's human-readable message.
	Message string
	// Scope lists the scopes the service asked for, from its
	// WWW-Authenticate header (RFC 6750 §3) or, without one, the scopes
	// the call is documented to need. Set for 403 scope failures.
	Scope []string
	// RetryAfter is the wait the service asked for; zero if none.
	RetryAfter time.Duration
}

// Error describes the failure and, for scope failures, names the scope.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "oauthgmail: %s: HTTP %d", e.Service, e.StatusCode)
	if e.Status != "" {
		b.WriteString(" " + e.Status)
	}
	if len(e.Scope) > 0 {
		b.WriteString(": the token lacks the scope " + strings.Join(e.Scope, " or ") +
			"; obtain a new token with it")
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %v)", e.RetryAfter)
	}
	return b.String()
}

// Is matches [ErrInsufficientScope] for scope failures and
// [ErrMessageTooLarge] for HTTP 413.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrInsufficientScope:
		return len(e.Scope) > 0
	case ErrMessageTooLarge:
		return e.StatusCode == 413
	}
	return false
}

// Temporary reports whether the send may succeed later: HTTP 408, 429
// and 5xx.
func (e *APIError) Temporary() bool {
	return e.StatusCode == 408 || e.StatusCode == 429 || e.StatusCode >= 500
}

// Permanent reports whether retrying the same request cannot succeed.
func (e *APIError) Permanent() bool { return !e.Temporary() }

// FileError is a token file that cannot be used. It names the file.
type FileError struct {
	// Path is the file.
	Path string
	// Line is the 1-based line a parse error refers to; 0 if none.
	Line int
	// Reason says what is wrong.
	Reason string
	// Err is the cause, if any: [ErrInsecureFile], an *fs.PathError.
	Err error
}

// Error names the file, the line and the reason.
func (e *FileError) Error() string {
	s := "oauthgmail: " + e.Path
	if e.Line > 0 {
		s += fmt.Sprintf(":%d", e.Line)
	}
	s += ": " + e.Reason
	if e.Err != nil && e.Err != ErrInsecureFile && !strings.Contains(e.Reason, e.Err.Error()) {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *FileError) Unwrap() error { return e.Err }
