// SPDX-License-Identifier: Apache-2.0

package oauthgmail

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestGraphSendMIME: sendMail receives the message as standard base64 with
// Content-Type text/plain, and decoding it gives back the exact bytes.
func TestGraphSendMIME(t *testing.T) {
	msg := "From: user@contoso.example\r\nTo: bob@example.test\r\nSubject: =?UTF-8?B?w6k=?=\r\n\r\n>>>?\r\n"
	tests := []struct {
		user, path string
	}{
		{"", "/v1.0/me/sendMail"},
		{"user@contoso.example", "/v1.0/users/user@contoso.example/sendMail"},
	}
	for _, tt := range tests {
		f, srv := newFakeAPI(t, "graph", onlyToken(testAccess))
		res, err := NewGraphSender(staticSource{testAccess}, &GraphOptions{Endpoint: srv.URL, User: tt.user}).
			Send(context.Background(), strings.NewReader(msg))
		if err != nil {
			t.Fatal(err)
		}
		if res.RequestID != "b3a7c9e1-0000-4000-8000-000000000001" || res.ID != "" {
			t.Errorf("result = %+v", res)
		}
		r := f.requests()[0]
		if r.method != "POST" || r.path != tt.path || r.contentType != "text/plain" ||
			r.auth != "Bearer "+testAccess {
			t.Errorf("request = %s %s %s %s", r.method, r.path, r.contentType, r.auth)
		}
		if want := base64.StdEncoding.EncodeToString([]byte(msg)); string(r.body) != want {
			t.Errorf("body = %s, want %s", r.body, want)
		}
		back, err := base64.StdEncoding.DecodeString(string(r.body))
		if err != nil || string(back) != msg {
			t.Errorf("body decodes to %q, %v", back, err)
		}
	}
}

func TestGraphErrors(t *testing.T) {
	tests := []struct {
		name      string
		script    []reply
		wantErr   string
		wantIs    error
		wantReqs  int
		wantWaits []time.Duration
	}{
		{"403 names Mail.Send", []reply{{403, nil, graph403}},
			"lacks the scope https://graph.microsoft.com/Mail.Send", ErrInsufficientScope, 1, nil},
		{"429 retry-after", []reply{{429, map[string]string{"Retry-After": "3"}, graph429}},
			"", nil, 2, []time.Duration{3 * time.Second}},
		{"500 then ok", []reply{{500, nil, `{"error":{"code":"generalException","message":"General failure."}}`}},
			"", nil, 2, []time.Duration{time.Second}},
		{"400 permanent", []reply{{400, nil, `{"error":{"code":"ErrorMimeContentInvalidBase64String","message":"Invalid base64 string for MIME content."}}`}},
			"HTTP 400 ErrorMimeContentInvalidBase64String: Invalid base64 string for MIME content.", nil, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFakeAPI(t, "graph", nil, tt.script...)
			sl := &sleeps{}
			_, err := NewGraphSender(staticSource{testAccess}, &GraphOptions{Endpoint: srv.URL,
				Retry: RetryOptions{Sleep: sl.sleep}}).Send(context.Background(), strings.NewReader("x"))
			if tt.wantErr == "" && err != nil {
				t.Errorf("Send = %v, want success", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("Send = %v, want %q", err, tt.wantErr)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.wantIs)
			}
			if n := len(f.requests()); n != tt.wantReqs {
				t.Errorf("%d requests, want %d", n, tt.wantReqs)
			}
			if !equalDurations(sl.get(), tt.wantWaits) {
				t.Errorf("waits = %v, want %v", sl.get(), tt.wantWaits)
			}
		})
	}
}

// TestGraph401Renews: Microsoft's expired-token 401 renews through the
// store once, with the rotated refresh token saved.
func TestGraph401Renews(t *testing.T) {
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	as, ts, _ := newSource(t, "microsoft", "M.C-RT-0", now.Add(time.Hour))
	f, srv := newFakeAPI(t, "graph", func(tok string) bool { return strings.HasPrefix(tok, "eyJ") })
	if _, err := NewGraphSender(ts, &GraphOptions{Endpoint: srv.URL}).
		Send(context.Background(), strings.NewReader("Subject: x\r\n\r\nhi\r\n")); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 2 || as.refreshes != 1 || !bytes.Equal(reqs[0].body, reqs[1].body) {
		t.Fatalf("%d requests, %d refreshes", len(reqs), as.refreshes)
	}
	r, _ := ts.Store.Load()
	if r.RefreshToken == "M.C-RT-0" || !strings.HasPrefix(r.RefreshToken, "M.C509") {
		t.Errorf("rotated refresh token not saved: %q", r.RefreshToken)
	}
}

func TestGraphTooLarge(t *testing.T) {
	f, srv := newFakeAPI(t, "graph", nil)
	_, err := NewGraphSender(staticSource{testAccess}, &GraphOptions{Endpoint: srv.URL, MaxSize: 10}).
		Send(context.Background(), strings.NewReader("01234567890"))
	if !errors.Is(err, ErrMessageTooLarge) || len(f.requests()) != 0 {
		t.Errorf("Send of 11 bytes, MaxSize 10 = %v after %d requests", err, len(f.requests()))
	}
}
