// SPDX-License-Identifier: Apache-2.0

package mailsender_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailwright/mailwright/mailsender"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update once to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Compose output differs from %s (go test -update rewrites it):\n--- got\n%s\n--- want\n%s",
			path, got, want)
	}
}

// fullMessage uses every property of the classic component's message.
func fullMessage(t *testing.T) *mailsender.Message {
	t.Helper()
	report := filepath.Join(t.TempDir(), "report.csv")
	if err := os.WriteFile(report, []byte("month,total\r\n2026-11,42\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return &mailsender.Message{
		From:     "alice@example.test",
		FromName: "Alice Ünal",
		To:       []string{"Bob <bob@example.test>", "carol@example.test"},
		Cc:       []string{"dave@example.test"},
		Bcc:      []string{"hidden@example.test"},
		ReplyTo:  []string{"Support <support@example.test>"},
		Subject:  "Monthly report – November",
		Body:     "Hello,\r\n\r\nthe report is attached.\r\n",
		HTMLBody: "<p>Hello,</p><p>the report is attached. <img src=\"cid:logo\"></p>\r\n",
		Attachments: []mailsender.Attachment{
			{Path: report},
			{Content: strings.NewReader("PNG-ish bytes\x00\x01\x02"), Name: "logo.png",
				ContentType: "image/png", Inline: true, ContentID: "logo"},
		},
		Header:    []mailsender.Field{{Name: "List-Unsubscribe", Value: "<mailto:unsub@example.test>"}},
		MessageID: "report-2026-11@example.test",
	}
}

// TestComposeGolden pins the whole composed message, signed and unsigned,
// so that any change to what goes on the wire is seen in review. The Bcc
// address must appear in no header.
func TestComposeGolden(t *testing.T) {
	s := &mailsender.Sender{Now: func() time.Time { return fixedNow }}
	for _, tt := range []struct {
		file string
		dkim *mailsender.DKIM
	}{
		{"compose-full.golden", nil},
		{"compose-full-dkim.golden", &mailsender.DKIM{Signer: testKey(t), Domain: "example.test",
			Selector: "sel", Canonicalization: "simple/simple"}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			got := composed(t, s, fullMessage(t), tt.dkim)
			if bytes.Contains(got, []byte("hidden@example.test")) {
				t.Error("the Bcc address appears in the message")
			}
			golden(t, tt.file, got)
			if tt.dkim != nil {
				verifyWithDkimpy(t, got)
			}
		})
	}
}

// TestMessageIDInternationalDomain: the generated Message-ID of a message
// from an internationalised domain uses the domain's A-label form, since a
// msg-id is ASCII (RFC 5322 §3.6.4).
func TestMessageIDInternationalDomain(t *testing.T) {
	s := &mailsender.Sender{Host: "h.test", Rand: bytes.NewReader(make([]byte, 64))}
	var out bytes.Buffer
	m := &mailsender.Message{From: "Alice <alice@bücher.example>", To: []string{"bob@example.test"},
		Subject: "s", Body: "b"}
	if err := s.Compose(&out, m, nil); err != nil {
		t.Fatal(err)
	}
	want := "Message-ID: <00000000000000000000000000000000@xn--bcher-kva.example>\r\n"
	if !strings.Contains(out.String(), want) {
		t.Errorf("composed message lacks %q:\n%s", want, out.String())
	}
}
