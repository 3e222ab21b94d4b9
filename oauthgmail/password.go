// SPDX-License-Identifier: Apache-2.0

package oauthgmail

import "strings"

// OAuthPrefix marks a password that is really an OAuth 2.0 access token,
// as the classic component reads it. Case does not matter.
const OAuthPrefix = "[oauth]"

// IsOAuthPassword reports whether p starts with [OAuthPrefix] in any case
// and returns the token after it, with surrounding spaces removed. The
// token may be empty; callers should refuse that.
func IsOAuthPassword(p string) (token string, ok bool) {
	if len(p) < len(OAuthPrefix) || !strings.EqualFold(p[:len(OAuthPrefix)], OAuthPrefix) {
		return "", false
	}
	return strings.TrimSpace(p[len(OAuthPrefix):]), true
}
