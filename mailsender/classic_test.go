// SPDX-License-Identifier: Apache-2.0

package mailsender_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mailwright/mailwright/mailsender"
)

// TestClassicAdders: the Add methods fill the same fields as setting them
// directly, and the composed message shows the names as given.
func TestClassicAdders(t *testing.T) {
	m := &mailsender.Message{From: "alice@example.test", Subject: "classic"}
	m.AddAddress("bob@example.test", "Bob")
	m.AddAddress("carol@example.test", "")
	m.AddCC("dave@example.test", "Dave, Jr.")
	m.AddBCC("hidden@example.test", "Hidden")
	m.AddReplyTo("support@example.test", `Support "24/7"`)
	m.AddAttachment("testdata/dkim-rsa.txt")
	want := &mailsender.Message{
		From: "alice@example.test", Subject: "classic",
		To:          []string{"Bob <bob@example.test>", "carol@example.test"},
		Cc:          []string{`"Dave, Jr." <dave@example.test>`},
		Bcc:         []string{"Hidden <hidden@example.test>"},
		ReplyTo:     []string{`"Support \"24/7\"" <support@example.test>`},
		Attachments: []mailsender.Attachment{{Path: "testdata/dkim-rsa.txt"}},
	}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Fatalf("message after the Add calls (-want +got):\n%s", diff)
	}
	s := &mailsender.Sender{Now: func() time.Time { return fixedNow }}
	got := composed(t, s, m, nil)
	for _, h := range []string{"To: Bob <bob@example.test>, carol@example.test\r\n",
		"Cc: \"Dave, Jr.\" <dave@example.test>\r\n",
		"Reply-To: \"Support \\\"24/7\\\"\" <support@example.test>\r\n",
		`filename="dkim-rsa.txt"`} {
		if !bytes.Contains(got, []byte(h)) {
			t.Errorf("composed message lacks %q:\n%s", h, got)
		}
	}
	if bytes.Contains(got, []byte("hidden@")) {
		t.Error("the Bcc address is in the message")
	}
}

// TestClassicAddRefusesInjectionSEC19: a display name with a line break
// given to an Add method is refused when sending, not silently cleaned.
func TestClassicAddRefusesInjectionSEC19(t *testing.T) {
	f := newFakeServer(t, nil)
	m := message()
	m.AddCC("carol@example.test", "Carol\r\nBcc: victim@example.org")
	_, err := sender(f).Send(context.Background(), m)
	var fe *mailsender.FieldError
	if !errors.As(err, &fe) || fe.Field != "Message.Cc[0]" || f.connections() != 0 {
		t.Fatalf("Send = %v, want a *FieldError for Message.Cc[0] and no connection", err)
	}
}

func TestEncodeHeader(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Hello", "Hello"},
		// RFC 2047 section 8 shows the same shape: =?charset?encoding?text?=.
		{"Grüße", "=?UTF-8?B?R3LDvMOfZQ==?="},
	} {
		if got := mailsender.EncodeHeader(tt.in); got != tt.want {
			t.Errorf("EncodeHeader(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
