// SPDX-License-Identifier: Apache-2.0

package conformance_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailwright/mailwright/mailsender"
	"github.com/mailwright/mailwright/smtpclient"
)

// testToken is the bearer token the OAuth stub always accepts; matrix_test.go
// uses it too.
var testToken = env("TEST_TOKEN", "test-oauth-token")

// ed25519Key writes a fresh Ed25519 key (PKCS#8 PEM) and its TXT record
// value (RFC 8463 section 4.2) to dir.
func ed25519Key(t *testing.T, dir string) (keyFile, txtFile string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	keyFile, txtFile = filepath.Join(dir, "ed.key"), filepath.Join(dir, "ed.txt")
	txt := "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(txtFile, []byte(txt), 0o644); err != nil {
		t.Fatal(err)
	}
	return keyFile, txtFile
}

// TestPeerTierAttachmentEd25519 sends a message with every classic part
// (text, HTML, an inline image, a file attachment, Reply-To, Bcc) signed
// with Ed25519 (RFC 8463) through Postfix, and checks the delivered copy
// byte for byte and with python3-dkim and OpenDKIM. The Bcc recipient gets
// the message without seeing its own address in it.
func TestPeerTierAttachmentEd25519(t *testing.T) {
	p := peer(t, submitPort)
	dir := t.TempDir()
	keyFile, txtFile := ed25519Key(t, dir)
	pdf := filepath.Join(dir, "invoice.pdf")
	if err := os.WriteFile(pdf, bytes.Repeat([]byte("%PDF-1.7 \x00\xff binary\n"), 4000), 0o600); err != nil {
		t.Fatal(err)
	}
	now := time.Now().Truncate(time.Second)
	id := fmt.Sprintf("peertier-attach-%d@example.test", now.UnixNano())
	s := &mailsender.Sender{Host: "127.0.0.1", Port: p, TLS: true, CAFile: caFile(),
		Username: testUser, Password: testPass, Now: func() time.Time { return now }}
	d := &mailsender.DKIM{KeyFile: keyFile, Domain: "example.test", Selector: "sel"}
	// An attachment given as a reader is read once: each use gets its own.
	newMessage := func() *mailsender.Message {
		return &mailsender.Message{
			From: "user@example.test", FromName: "Peer Tier",
			To: []string{"dave@example.test"}, Bcc: []string{"carol@example.test"},
			ReplyTo: []string{"alice@example.test"}, Subject: "invoice with attachment",
			Body:     "The invoice is attached.\r\n",
			HTMLBody: "<p>The invoice is attached. <img src=\"cid:logo\"></p>\r\n",
			Attachments: []mailsender.Attachment{
				{Path: pdf},
				{Content: strings.NewReader("\x89PNG\r\n\x1a\n"), Name: "logo.png", ContentType: "image/png",
					Inline: true, ContentID: "logo"},
			},
			MessageID: id,
		}
	}
	var want bytes.Buffer
	s.Rand = fixedRand(uint64(now.UnixNano()))
	if err := s.Compose(&want, newMessage(), d); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(want.Bytes(), []byte("carol@")) {
		t.Fatal("the Bcc address is in the message")
	}
	s.Rand = fixedRand(uint64(now.UnixNano()))
	if _, err := s.SendCertified(context.Background(), newMessage(), d); err != nil {
		t.Fatalf("SendCertified: %v", err)
	}
	for _, box := range []string{"dave", "carol"} {
		got := delivered(t, box, id)
		if !bytes.HasSuffix(got, want.Bytes()) {
			t.Fatalf("%s's copy differs from the message sent", box)
		}
		if !bytes.HasPrefix(want.Bytes(), []byte("DKIM-Signature: v=1; a=ed25519-sha256;")) {
			t.Fatalf("not an Ed25519 signature: %.60q", want.Bytes())
		}
		verifyDKIM(t, got, txtFile)
	}
}

// TestPeerTierOAuthToken: a Password of the form "[oauth]TOKEN" is sent
// with XOAUTH2, and Dovecot accepts it after asking peers/oauth2-stub.py.
// A token the stub does not know gets Dovecot's JSON challenge, an empty
// answer from the client and then 535 (SEC-36), as a typed error that does
// not contain the token.
func TestPeerTierOAuthToken(t *testing.T) {
	p := peer(t, submitPort)
	for _, tt := range []struct {
		name, token string
		wantCode    int
	}{{"valid token", testToken, 250}, {"unknown token", "not-a-token-" + testToken, 535}} {
		t.Run(tt.name, func(t *testing.T) {
			var trace bytes.Buffer
			s := &mailsender.Sender{Host: "127.0.0.1", Port: p, TLS: true, CAFile: caFile(),
				Username: testUser, Password: "[oauth]" + tt.token, Trace: &trace}
			res, err := s.Send(context.Background(), peerMessage("oauth "+tt.name))
			if !bytes.Contains(trace.Bytes(), []byte("C: AUTH XOAUTH2")) ||
				bytes.Contains(trace.Bytes(), []byte(tt.token)) {
				t.Errorf("trace lacks AUTH XOAUTH2 or shows the token:\n%s", trace.Bytes())
			}
			if tt.wantCode == 250 {
				if err != nil || res.Code != 250 {
					t.Fatalf("Send = %+v, %v; want 250", res, err)
				}
				return
			}
			var se *smtpclient.Error
			if !errors.As(err, &se) || se.Code != tt.wantCode {
				t.Fatalf("Send = %v, want a *smtpclient.Error with %d", err, tt.wantCode)
			}
			if strings.Contains(err.Error(), tt.token) {
				t.Errorf("the error shows the token: %v", err)
			}
		})
	}
}

// TestPeerTierSmugglingSEC25 sends bodies written to smuggle a second
// message past a server that took a bare LF for a line end (SEC-25,
// SEC-26, CVE-2023-51764). Postfix must deliver exactly one message, to
// alice only, whose body still holds the would-be commands as text, and
// the DKIM signature, made over the CRLF form, must verify.
func TestPeerTierSmugglingSEC25(t *testing.T) {
	p := peer(t, submitPort)
	dir := t.TempDir()
	keyFile, txtFile := dkimKey(t, dir)
	for _, tt := range []struct{ name, end string }{
		{"LF.LF", "\n.\n"}, {"LF.CRLF", "\n.\r\n"}, {"CRLF.LF", "\r\n.\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			marker := fmt.Sprintf("smuggled-%d", time.Now().UnixNano())
			s := &mailsender.Sender{Host: "127.0.0.1", Port: p, TLS: true, CAFile: caFile(),
				Username: testUser, Password: testPass}
			d := &mailsender.DKIM{KeyFile: keyFile, Domain: "example.test", Selector: "sel"}
			m := peerMessage("smuggling " + tt.name + " " + marker)
			m.Body = "first" + tt.end + "MAIL FROM:<x@elsewhere.test>\nRCPT TO:<dave@example.test>\n" +
				"DATA\nSubject: " + marker + "-inner\n\ninner\n.\n"
			if _, err := s.SendCertified(context.Background(), m, d); err != nil {
				t.Fatalf("SendCertified: %v", err)
			}
			got := delivered(t, "alice", marker)
			for _, part := range []string{"first\r\n.\r\nMAIL FROM:<x@elsewhere.test>", "RCPT TO:<dave@example.test>",
				"Subject: " + marker + "-inner\r\n\r\ninner\r\n.\r\n"} {
				if !bytes.Contains(got, []byte(part)) {
					t.Errorf("alice's copy lacks %q:\n%s", part, got)
				}
			}
			verifyDKIM(t, got, txtFile)
			// Delivery is asynchronous: leave time for a smuggled copy.
			time.Sleep(500 * time.Millisecond)
			for _, box := range []string{"dave", "alice"} {
				if n := countWith(t, box, marker+"-inner"); n != map[string]int{"dave": 0, "alice": 1}[box] {
					t.Errorf("%s holds %d messages with the inner Subject", box, n)
				}
			}
		})
	}
}

// countWith counts the messages in mailbox that contain marker.
func countWith(t *testing.T, mailbox, marker string) int {
	t.Helper()
	dir := filepath.Join(peersDir, "mail", "example.test", mailbox, "new")
	files, _ := os.ReadDir(dir)
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f.Name()))
		if err == nil && bytes.Contains(b, []byte(marker)) {
			n++
		}
	}
	return n
}
