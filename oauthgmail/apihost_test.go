// SPDX-License-Identifier: Apache-2.0

package oauthgmail

import "testing"

func TestAPIHost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		host    string
		service string
		ok      bool
	}{
		{"Google API", ServiceGmail, true},
		{"google api", ServiceGmail, true},
		{"  GOOGLE   API ", ServiceGmail, true},
		{"Gmail API", ServiceGmail, true},
		{"gmail.googleapis.com", ServiceGmail, true},
		{"Microsoft Graph", ServiceGraph, true},
		{"graph.microsoft.com", ServiceGraph, true},
		{"Graph API", ServiceGraph, true},
		{"smtp.gmail.com", "", false},
		{"smtp.office365.com", "", false},
		{"GoogleAPI", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		s, ok := APIHost(tt.host)
		if s != tt.service || ok != tt.ok {
			t.Errorf("APIHost(%q) = %q, %v, want %q, %v", tt.host, s, ok, tt.service, tt.ok)
		}
	}
}

// TestSecureEndpoint: a bearer token goes only to https, or to http on a
// loopback address.
func TestSecureEndpoint(t *testing.T) {
	for raw, want := range map[string]bool{
		"https://gmail.googleapis.com":   true,
		"https://graph.microsoft.com/v1": true,
		"http://127.0.0.1:8080":          true,
		"http://[::1]:8080/x":            true,
		"http://localhost:9":             true,
		"http://gmail.googleapis.com":    false,
		"http://10.0.0.1":                false,
		"ftp://127.0.0.1":                false,
		"https://":                       false,
		"https://a.test/\r\nX: y":        false,
		"":                               false,
	} {
		if got := SecureEndpoint(raw); got != want {
			t.Errorf("SecureEndpoint(%q) = %v, want %v", raw, got, want)
		}
	}
}
