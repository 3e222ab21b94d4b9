// SPDX-License-Identifier: Apache-2.0

package saslmech

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// OAuthError is the error a server reports for a rejected token in an
// XOAUTH2 or OAUTHBEARER exchange: a challenge carrying a JSON object
// (RFC 7628 section 3.2.2; Google's XOAUTH2 document). The client has
// already sent the closing response the protocol requires. A caller that
// gets Status "400", "401" or "invalid_token" usually fetches a new access
// token and makes one new attempt.
type OAuthError struct {
	// Mechanism is "XOAUTH2" or "OAUTHBEARER".
	Mechanism string
	// Status is the "status" member: an HTTP status code such as "401" or
	// an RFC 6750 error code such as "invalid_token".
	Status string
	// Schemes is the "schemes" member, the authorization schemes the
	// server accepts, for example "bearer"; empty when absent.
	Schemes string
	// Scope is the "scope" member, the scope the token needs; empty when
	// absent.
	Scope string
	// OpenIDConfiguration is the "openid-configuration" member (RFC 7628),
	// a discovery URL; empty when absent.
	OpenIDConfiguration string
	// Challenge is the decoded challenge as the server sent it.
	Challenge []byte
}

// Error gives the mechanism and the decoded members.
func (e *OAuthError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "saslmech: %s: token rejected", e.Mechanism)
	if e.Status != "" {
		fmt.Fprintf(&b, ": status %s", e.Status)
	}
	if e.Schemes != "" {
		fmt.Fprintf(&b, ", schemes %q", e.Schemes)
	}
	if e.Scope != "" {
		fmt.Fprintf(&b, ", scope %q", e.Scope)
	}
	return b.String()
}

// parseOAuthError decodes a server's error challenge. A challenge that is
// not a JSON object still yields an OAuthError, with only Challenge set:
// the server refused the token either way.
func parseOAuthError(mech string, challenge []byte) *OAuthError {
	e := &OAuthError{Mechanism: mech, Challenge: append([]byte(nil), challenge...)}
	var obj map[string]json.RawMessage
	if json.Unmarshal(challenge, &obj) != nil {
		return e
	}
	e.Status = jsonText(obj["status"])
	e.Schemes = jsonText(obj["schemes"])
	e.Scope = jsonText(obj["scope"])
	e.OpenIDConfiguration = jsonText(obj["openid-configuration"])
	return e
}

// jsonText returns a JSON string's value, or a number's text (some servers
// send "status":401), and "" for anything else.
func jsonText(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		return ""
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		if _, err := strconv.ParseFloat(n.String(), 64); err == nil {
			return n.String()
		}
	}
	return ""
}
