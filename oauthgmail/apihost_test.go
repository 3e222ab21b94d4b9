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
