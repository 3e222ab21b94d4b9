// SPDX-License-Identifier: Apache-2.0

package oauthgmail

import (
	"context"
	"io"
	"net"
	"net/url"
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

// SecureEndpoint reports whether an API endpoint may receive a bearer
// token: an https URL, or an http URL of a loopback address (a local test
// server or proxy), so that a token never crosses the network in clear.
func SecureEndpoint(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || strings.ContainsAny(raw, " \t\r\n") {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		ip := net.ParseIP(u.Hostname())
		return u.Hostname() == "localhost" || ip != nil && ip.IsLoopback()
	}
	return false
}
