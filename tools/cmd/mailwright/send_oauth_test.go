// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailwright/mailwright/mailsender/queue"
	"github.com/mailwright/mailwright/oauthgmail"
)

// cliTokenStore writes a token store whose refresh token the local token
// endpoint of token_test.go accepts; the access token "ya29.old" is
// expired when expired is set. It returns the file's path.
func cliTokenStore(t *testing.T, expired bool) string {
	t.Helper()
	te := httptest.NewServer(&tokenServer{codes: map[string]string{},
		refresh: map[string]bool{"1//0gCLI-refresh": true}})
	t.Cleanup(te.Close)
	path := filepath.Join(t.TempDir(), "token.json")
	exp := time.Now().Add(time.Hour)
	if expired {
		exp = time.Now().Add(-time.Hour)
	}
	err := (&oauthgmail.Store{Path: path}).Save(&oauthgmail.Record{AccessToken: "ya29.old",
		TokenType: "Bearer", RefreshToken: "1//0gCLI-refresh", Expiry: exp, TokenURL: te.URL,
		ClientID: "cli-client", ClientSecret: "cli-secret"})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// apiRequest is one request the local API server received.
type apiRequest struct {
	path, auth, contentType string
	body                    []byte
}

// localAPI is a local server shaped like the Gmail API and Microsoft
// Graph: answer gives the status and body for the n-th request.
type localAPI struct {
	srv    *httptest.Server
	mu     sync.Mutex
	reqs   []apiRequest
	answer func(n int, auth string) (int, string)
}

func newLocalAPI(t *testing.T, answer func(n int, auth string) (int, string)) *localAPI {
	t.Helper()
	a := &localAPI{answer: answer}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		a.mu.Lock()
		n := len(a.reqs)
		a.reqs = append(a.reqs, apiRequest{path: r.URL.Path, auth: r.Header.Get("Authorization"),
			contentType: r.Header.Get("Content-Type"), body: body})
		a.mu.Unlock()
		code, text := a.answer(n, r.Header.Get("Authorization"))
		if code == 403 {
			w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", scope="https://www.googleapis.com/auth/gmail.send"`)
		}
		w.Header().Set("request-id", "req-7")
		w.WriteHeader(code)
		io.WriteString(w, text)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *localAPI) requests() []apiRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]apiRequest(nil), a.reqs...)
}

func apiArgs(host, store, endpoint string, extra ...string) []string {
	return append([]string{"send", "--host", host, "--token-store", store, "--api-endpoint", endpoint,
		"--from", "ada@example.test", "--to", "bob@example.test", "--bcc", "carol@example.test",
		"--subject", "API test", "--body", "hello"}, extra...)
}

// TestSendGmailAPI: send --host "Google API" --token-store renews the
// expired token through the store's token endpoint, posts the message as
// base64url "raw", and prints Gmail's ids.
func TestSendGmailAPI(t *testing.T) {
	store := cliTokenStore(t, true)
	api := newLocalAPI(t, func(int, string) (int, string) {
		return 200, `{"id":"m-1","threadId":"t-1"}`
	})
	code, stdout, stderr := run(t, nil, apiArgs("Google API", store, api.srv.URL)...)
	if code != 0 || stdout != "sent through the Gmail API as message m-1 in thread t-1\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	reqs := api.requests()
	if len(reqs) != 1 || reqs[0].path != "/gmail/v1/users/me/messages/send" ||
		reqs[0].auth != "Bearer ya29.cli-access-1" {
		t.Fatalf("requests = %+v, want one users.messages.send with the renewed token", reqs)
	}
	var doc struct{ Raw string }
	if err := json.Unmarshal(reqs[0].body, &doc); err != nil {
		t.Fatal(err)
	}
	raw, err := oauthgmail.DecodeRaw(doc.Raw)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("raw is not a message: %v", err)
	}
	body, _ := io.ReadAll(m.Body)
	if m.Header.Get("Subject") != "API test" || m.Header.Get("Bcc") != "carol@example.test" ||
		m.Header.Get("To") != "bob@example.test" || strings.TrimSpace(string(body)) != "hello" {
		t.Errorf("message sent:\n%s", raw)
	}
	rec, err := (&oauthgmail.Store{Path: store}).Load()
	if err != nil || rec.AccessToken != "ya29.cli-access-1" {
		t.Errorf("store holds %q (%v), want the renewed token", rec.AccessToken, err)
	}
}

// TestSendGraphAPI: --host "Microsoft Graph" posts base64 MIME to
// sendMail, and a 401 renews the token once.
func TestSendGraphAPI(t *testing.T) {
	store := cliTokenStore(t, false)
	api := newLocalAPI(t, func(_ int, auth string) (int, string) {
		if auth == "Bearer ya29.old" {
			return 401, `{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired."}}`
		}
		return 202, ""
	})
	code, stdout, stderr := run(t, nil, apiArgs("microsoft graph", store, api.srv.URL,
		"--api-user", "ada@example.test")...)
	if code != 0 || stdout != "accepted by Microsoft Graph, request-id req-7\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	reqs := api.requests()
	if len(reqs) != 2 || reqs[1].path != "/v1.0/users/ada@example.test/sendMail" ||
		reqs[1].contentType != "text/plain" || reqs[1].auth != "Bearer ya29.cli-access-1" {
		t.Fatalf("requests = %+v, want a 401 then sendMail with the renewed token", reqs)
	}
	raw, err := base64.StdEncoding.DecodeString(string(reqs[1].body))
	if err != nil || !bytes.Contains(raw, []byte("\r\nSubject: API test\r\n")) {
		t.Errorf("body is not the base64 message (%v):\n%s", err, raw)
	}
}

// TestSendAPIErrors: usage errors exit 2 before any request; a 403 names
// the missing scope and never shows the token.
func TestSendAPIErrors(t *testing.T) {
	store := cliTokenStore(t, false)
	api := newLocalAPI(t, func(int, string) (int, string) {
		return 403, `{"error":{"code":403,"message":"Request had insufficient authentication scopes.","status":"PERMISSION_DENIED"}}`
	})
	base := []string{"send", "--from", "ada@example.test", "--to", "bob@example.test", "--subject", "s"}
	tests := []struct {
		args []string
		code int
		want string
	}{
		{append(base, "--host", "Google API"), 2, `--host "Google API" needs --token-store FILE`},
		{append(base, "--host", "Google API", "--token-store", store, "--password", "x"), 2,
			"--token-store and --password exclude each other"},
		{append(base, "--host", "127.0.0.1", "--api-endpoint", api.srv.URL), 2,
			"--api-endpoint and --api-user need"},
		{append(base, "--host", "Google API", "--token-store", store, "--queue", t.TempDir()), 1,
			"Sender.Host: cannot be queued: it names the Gmail API"},
		{apiArgs("Google API", store, api.srv.URL), 1,
			"the token lacks the scope https://www.googleapis.com/auth/gmail.send"},
	}
	for _, tt := range tests {
		code, stdout, stderr := run(t, nil, tt.args...)
		if code != tt.code || stdout != "" || !strings.Contains(stderr, tt.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want %d and %q", tt.args, code, stdout,
				stderr, tt.code, tt.want)
		}
		if strings.Contains(stderr, "ya29") || strings.Contains(stderr, "1//0g") {
			t.Errorf("%q: stderr shows a token: %q", tt.args, stderr)
		}
	}
	if n := len(api.requests()); n != 1 {
		t.Errorf("%d API requests, want 1 (the 403)", n)
	}
}

// xoauth2SMTP is a minimal SMTP server on 127.0.0.1 that accepts XOAUTH2
// with the token "ya29.cli-access-1" only and records the AUTH blob and
// the message.
type xoauth2SMTP struct {
	ln   net.Listener
	mu   sync.Mutex
	auth []string
	msgs []string
}

func startXOAUTH2SMTP(t *testing.T) *xoauth2SMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &xoauth2SMTP{ln: ln}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.session(c)
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return s
}

func (s *xoauth2SMTP) session(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	say := func(l string) { io.WriteString(c, l+"\r\n") }
	say("220 local ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			say("250-local\r\n250-ENHANCEDSTATUSCODES\r\n250 AUTH XOAUTH2")
		case "AUTH":
			_, ir, _ := strings.Cut(arg, " ")
			blob, _ := base64.StdEncoding.DecodeString(ir)
			s.mu.Lock()
			s.auth = append(s.auth, string(blob))
			s.mu.Unlock()
			if strings.Contains(string(blob), "auth=Bearer ya29.cli-access-1\x01") {
				say("235 2.7.0 Accepted")
			} else {
				say("535 5.7.8 Username and Password not accepted")
			}
		case "DATA":
			say("354 go ahead")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil || l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			s.mu.Lock()
			s.msgs = append(s.msgs, b.String())
			s.mu.Unlock()
			say("250 2.0.0 Ok: queued as X1")
		case "QUIT":
			say("221 2.0.0 bye")
			return
		default:
			say("250 2.0.0 ok")
		}
	}
}

// TestSendSMTPTokenStore: --token-store on an SMTP host sends XOAUTH2 with
// the store's token; the server's 535 to the old token renews it once.
// With --queue the entry names the store, never a token.
func TestSendSMTPTokenStore(t *testing.T) {
	srv := startXOAUTH2SMTP(t)
	store := cliTokenStore(t, false)
	transcript := filepath.Join(t.TempDir(), "t.txt")
	args := []string{"send", "--host", "127.0.0.1", "--port",
		strconv.Itoa(srv.ln.Addr().(*net.TCPAddr).Port), "--user", "ada@example.test",
		"--token-store", store, "--from", "ada@example.test", "--to", "bob@example.test",
		"--subject", "XOAUTH2 test", "--body", "hello", "--transcript", transcript}
	code, stdout, stderr := run(t, map[string]string{"MAILWRIGHT_PASSWORD": "ignored"}, args...)
	if code != 0 || stdout != "250 2.0.0 Ok: queued as X1\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	srv.mu.Lock()
	auth, msgs := srv.auth, srv.msgs
	srv.mu.Unlock()
	want := []string{"user=ada@example.test\x01auth=Bearer ya29.old\x01\x01",
		"user=ada@example.test\x01auth=Bearer ya29.cli-access-1\x01\x01"}
	if strings.Join(auth, "|") != strings.Join(want, "|") || len(msgs) != 1 {
		t.Errorf("AUTH blobs %q and %d messages; want %q and 1", auth, len(msgs), want)
	}
	tr, _ := os.ReadFile(transcript)
	if bytes.Contains(tr, []byte("ya29")) || !bytes.Contains(tr, []byte("AUTH XOAUTH2")) {
		t.Errorf("transcript shows a token or no AUTH:\n%s", tr)
	}

	dir := t.TempDir()
	code, stdout, stderr = run(t, nil, append(args[:len(args)-2], "--queue", dir)...)
	if code != 0 || !strings.HasPrefix(stdout, "queued as ") {
		t.Fatalf("--queue: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	sp, err := queue.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	e, err := sp.Load(strings.TrimSpace(strings.TrimPrefix(stdout, "queued as ")))
	if err != nil || e.Profile.Credential != "tokenstore:"+store {
		t.Errorf("entry credential %q (%v), want tokenstore:%s", e.Profile.Credential, err, store)
	}
}
