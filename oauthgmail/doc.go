// SPDX-License-Identifier: Apache-2.0

// Package oauthgmail implements OAuth 2.0 tokens that renew themselves for
// mail, and sending through the Gmail API and Microsoft Graph, built on
// golang.org/x/oauth2.
//
// It covers:
//
//   - RFC 6749, the authorization code grant (§4.1), refresh (§6) and
//     error answers (§5.2), with providers for Google and Microsoft 365
//     ([Google], [Microsoft]) whose every endpoint can be changed;
//   - RFC 7636, PKCE with the S256 method ([Client.AuthCodeURL]);
//   - RFC 6750, bearer tokens, and the insufficient_scope challenge (§3);
//   - RFC 4648 §5, the base64url alphabet of the Gmail API's "raw" field;
//   - RFC 9110 §10.2.3, Retry-After;
//   - Gmail's users.messages.send, JSON and media upload, and Microsoft
//     Graph's sendMail in MIME form.
//
// # Tokens
//
// A [Client] makes the authorization URL, exchanges the code and refreshes.
// A [Store] keeps the tokens in a private JSON file, and a [TokenSource]
// over it renews the access token shortly before it expires, saving each
// new or rotated token before it is used. Tokens from the classic three-line
// file are imported with [ImportClassic]. A password in the classic
// "[oauth]token" form is recognised by [IsOAuthPassword]. [UseToken] runs
// an SMTP session with a token and, when the server refuses it, renews it
// once and runs the session again.
//
// # Sending
//
// [GmailSender] and [GraphSender] send a complete message. A 401 answer
// renews the token once ([Renewer]) and tries again; 429 and 5xx answers
// are retried with backoff, honouring Retry-After; a 403 for a missing
// scope names the scope ([ErrInsufficientScope]); other answers are
// permanent [*APIError] values with the service's message. [DecodeRaw]
// reads the API's base64url values, padded or not. [APIHost] tells a
// classic Host value such as "Google API" from an SMTP host name.
//
// # Errors
//
// Token endpoint refusals are [*TokenError]; invalid_grant matches
// [ErrReauthRequired]: the user must consent again, retrying does not
// help. File problems are [*FileError] naming the file.
//
// # Security
//
// Access and refresh tokens never appear in errors or traces: token
// endpoint bodies are dropped, server messages are scrubbed of the token,
// and traces show "Authorization: Bearer [redacted]". Token files are mode
// 0600, written atomically with fsync of the file and the directory, and
// refused when group or others can read them.
package oauthgmail
