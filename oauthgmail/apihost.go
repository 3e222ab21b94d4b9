// SPDX-License-Identifier: Apache-2.0

package oauthgmail

import (
	"context"
	"io"
	"strings"
)

// APISender sends a complete message through an HTTPS mail API; both
// [*GmailSender] and [*GraphSender] are one.
type APISender interface {
	Send(ctx context.Context, raw io.Reader) (*SendResult, error)
}

var (
	_ APISender = (*GmailSender)(nil)
	_ APISender = (*GraphSender)(nil)
)

// Service names of the HTTPS send APIs, as [APIHost] returns them.
const (
	ServiceGmail = "gmail"
	ServiceGraph = "graph"
)

// APIHost reports whether a classic Host value names an HTTPS send API
// instead of an SMTP server, and which: "Google API" (the classic
// component's name), "Gmail API" and "gmail.googleapis.com" give
// [ServiceGmail]; "Microsoft Graph", "Graph API" and "graph.microsoft.com"
// give [ServiceGraph]. Case and surrounding spaces do not matter. Any other
// value is an SMTP host.
func APIHost(host string) (service string, ok bool) {
	switch strings.ToLower(strings.Join(strings.Fields(host), " ")) {
	case "google api", "gmail api", "gmail.googleapis.com":
		return ServiceGmail, true
	case "microsoft graph", "graph api", "microsoft graph api", "graph.microsoft.com":
		return ServiceGraph, true
	}
	return "", false
}
