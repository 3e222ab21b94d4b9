// SPDX-License-Identifier: Apache-2.0

package mailsender_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mailwright/mailwright/mailsender"
)

// Bad settings and messages that cannot be built give a typed error naming
// the field, and nothing is sent: the server never sees a connection.
// SEC-17 (Subject CRLF injection), SEC-18 (bare CR/LF in a header value),
// SEC-19 (display-name injection), SEC-22 (ambiguous address) at the
// facade.
func TestSendRefusesBadInputSEC17(t *testing.T) {
	tests := []struct {
		name   string
		sender func(*mailsender.Sender)
		msg    func(*mailsender.Message)
		field  string // FieldError.Field, or "" for an error of the composer
	}{
		{"no host", func(s *mailsender.Sender) { s.Host = "" }, nil, "Sender.Host"},
		{"bad port", func(s *mailsender.Sender) { s.Port = 70000 }, nil, "Sender.Port"},
		{"tls and ssl", func(s *mailsender.Sender) { s.TLS, s.SSL = true, true }, nil, "Sender.SSL"},
		{"tls version", func(s *mailsender.Sender) { s.TLSVersion = "3.0" }, nil, "Sender.TLSVersion"},
		{"password without user", func(s *mailsender.Sender) { s.Password = "pw" }, nil, "Sender.Username"},
		{"user with CRLF", func(s *mailsender.Sender) { s.Username = "a\r\nMAIL FROM:<x@y>" }, nil,
			"Sender.Username"},
		{"no from", nil, func(m *mailsender.Message) { m.From = "" }, "Message.From"},
		{"no recipient", nil, func(m *mailsender.Message) { m.To = nil }, "Message.To"},
		{"bad recipient", nil, func(m *mailsender.Message) { m.To = []string{"a@b@c"} }, "Message.To[0]"},
		{"SEC-22 ambiguous", nil, func(m *mailsender.Message) {
			m.Cc = []string{"alice@example.org)<bob@example.org>"}
		}, "Message.Cc[0]"},
		{"SEC-14 RCPT injection", nil, func(m *mailsender.Message) {
			m.Bcc = []string{"x@example.net>\r\nDATA\r\n"}
		}, "Message.Bcc[0]"},
		{"SEC-19 display name", nil, func(m *mailsender.Message) {
			m.From = "\"Alice\r\nBcc: x\" <alice@example.test>"
		}, "Message.From"},
		{"SEC-17 subject CRLF", nil, func(m *mailsender.Message) {
			m.Subject = "Hi\r\nBcc: victim@example.org"
		}, ""},
		{"SEC-18 subject LF", nil, func(m *mailsender.Message) { m.Subject = "Hi\nBcc: x" }, ""},
		{"SEC-18 subject CR", nil, func(m *mailsender.Message) { m.Subject = "Hi\rBcc: x" }, ""},
		{"SEC-20 header name", nil, func(m *mailsender.Message) {
			m.Header = []mailsender.Field{{Name: "X-Foo\r\nBcc", Value: "x"}}
		}, ""},
		{"missing attachment", nil, func(m *mailsender.Message) {
			m.Attachments = []mailsender.Attachment{{Path: "testdata/does-not-exist"}}
		}, "Message.Attachments[0]"},
	}
	t.Run("nil message", func(t *testing.T) {
		f := newFakeServer(t, nil)
		_, err := sender(f).Send(context.Background(), nil)
		var fe *mailsender.FieldError
		if !errors.As(err, &fe) || fe.Field != "Message" || f.connections() != 0 {
			t.Errorf("Send(nil) = %v after %d connections, want a *FieldError for Message and none",
				err, f.connections())
		}
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeServer(t, nil)
			s, m := sender(f), message()
			if tt.sender != nil {
				tt.sender(s)
			}
			if tt.msg != nil {
				tt.msg(m)
			}
			_, err := s.Send(context.Background(), m)
			if err == nil {
				t.Fatal("Send succeeded")
			}
			var fe *mailsender.FieldError
			if tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field) {
				t.Errorf("Send = %v, want a *FieldError for %s", err, tt.field)
			}
			if strings.Contains(err.Error(), "victim@") || strings.Contains(err.Error(), "MAIL FROM:<x") {
				t.Errorf("error %q repeats the injected text", err)
			}
			if n := f.connections(); n != 0 {
				t.Errorf("Send connected %d times for input it refused", n)
			}
		})
	}
}

func TestSendCertifiedRefusesBadDKIM(t *testing.T) {
	tests := []struct {
		name  string
		dkim  *mailsender.DKIM
		field string
	}{
		{"none", nil, "Sender.DKIM"},
		{"no domain", &mailsender.DKIM{Selector: "s", KeyFile: "k"}, "DKIM.Domain"},
		{"foreign domain", &mailsender.DKIM{Domain: "elsewhere.test", Selector: "s", KeyFile: "k"},
			"DKIM.Domain"},
		{"no selector", &mailsender.DKIM{Domain: "example.test", KeyFile: "k"}, "DKIM.Selector"},
		{"no key", &mailsender.DKIM{Domain: "example.test", Selector: "s"}, "DKIM.Signer"},
		{"missing key file", &mailsender.DKIM{Domain: "example.test", Selector: "s",
			KeyFile: "testdata/nope.pem"}, "DKIM.KeyFile"},
		{"canonicalization", &mailsender.DKIM{Domain: "example.test", Selector: "s",
			Signer: testKey(t), Canonicalization: "loose/loose"}, "DKIM.Canonicalization"},
		{"algorithm", &mailsender.DKIM{Domain: "example.test", Selector: "s",
			Signer: testKey(t), Algorithm: "rsa-md5"}, "DKIM.Algorithm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeServer(t, nil)
			_, err := sender(f).SendCertified(context.Background(), message(), tt.dkim)
			var fe *mailsender.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Errorf("SendCertified = %v, want a *FieldError for %s", err, tt.field)
			}
			if f.connections() != 0 {
				t.Errorf("SendCertified connected for settings it refused")
			}
		})
	}
}
