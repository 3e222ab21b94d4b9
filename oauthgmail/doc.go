// SPDX-License-Identifier: Apache-2.0

// Package oauthgmail obtains and renews OAuth 2.0 tokens for mail and sends
// through the Gmail API and Microsoft Graph.
package oauthgmail
