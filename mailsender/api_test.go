// SPDX-License-Identifier: Apache-2.0

package mailsender_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailwright/mailwright/mailsender"
	"github.com/mailwright/mailwright/oauthgmail"
)

// rawOf decodes the "raw" field of a users.messages.send JSON body.
func rawOf(t *testing.T, body []byte) []byte {
	t.Helper()
	var doc struct {
		Raw string `json:"raw"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("request body %.80q is not JSON: %v", body, err)
	}
	if strings.ContainsAny(doc.Raw, "+/") {
		t.Errorf("raw uses the standard base64 alphabet, want base64url (CASE-29)")
	}
	raw, err := oauthgmail.DecodeRaw(doc.Raw)
	if err != nil {
		t.Fatalf("DecodeRaw: %v", err)
	}
	return raw
}

// TestAPIGmailRawCASE29: Host "Google API" sends the composed message as
// the base64url "raw" field of users.messages.send, with the token as a
// bearer token, and returns Gmail's ids.
func TestAPIGmailRawCASE29(t *testing.T) {
	for _, host := range []string{"Google API", "google api", " GOOGLE  API "} {
		t.Run(host, func(t *testing.T) {
			api := newFakeAPI(t, gmailOK)
			s := apiSender(api, host, nil)
			s.Password = "[OAuth]static-tok"
			m := message()
			want := composed(t, s, m, nil)

			res, err := s.Send(context.Background(), m)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			calls := api.received()
			if len(calls) != 1 {
				t.Fatalf("%d requests, want 1", len(calls))
			}
			c := calls[0]
			if c.Method != "POST" || c.Path != "/gmail/v1/users/me/messages/send" ||
				c.ContentType != "application/json" || c.Auth != "Bearer static-tok" {
				t.Errorf("request = %s %s (%s, %s), want POST /gmail/v1/users/me/messages/send "+
					"(application/json, Bearer static-tok)", c.Method, c.Path, c.ContentType, c.Auth)
			}
			if diff := cmp.Diff(string(want), string(rawOf(t, c.Body))); diff != "" {
				t.Errorf("Gmail received (-Compose +raw):\n%s", diff)
			}
			wantRes := &mailsender.Result{API: "gmail", APIMessageID: "18c1f00d", ThreadID: "18c1f00e",
				MessageID: res.MessageID, Accepted: []string{"bob@example.test"},
				Reply: "sent through the Gmail API as message 18c1f00d in thread 18c1f00e"}
			if diff := cmp.Diff(wantRes, res); diff != "" {
				t.Errorf("Result (-want +got):\n%s", diff)
			}
			if !bytes.Contains(want, []byte("Message-ID: <"+res.MessageID+">")) {
				t.Errorf("Result.MessageID %q is not the message's Message-ID", res.MessageID)
			}
		})
	}
}

// TestAPIGmailMediaUploadStreamed: a message above RawLimit, and above
// the spool's memory limit, is streamed from the spool file as
// message/rfc822 with uploadType=media; a 503 retries it with the same
// bytes.
func TestAPIGmailMediaUploadStreamed(t *testing.T) {
	api := newFakeAPI(t, func(n int, c apiCall) apiAnswer {
		if n == 0 {
			return apiAnswer{Status: 503, Body: `{"error":{"code":503,"message":"backend"}}`}
		}
		return gmailOK(n, c)
	})
	var waits []time.Duration
	s := apiSender(api, "Gmail API", &waits)
	s.API.RawLimit = 1024
	s.Password = "[oauth]tok"
	s.SpoolDir = t.TempDir()
	m := message()
	m.Attachments = []mailsender.Attachment{{Name: "big.bin",
		Content: bytes.NewReader(bytes.Repeat([]byte("0123456789abcdef"), 40<<10))}}
	want := composed(t, s, m, nil)
	m.Attachments[0].Content = bytes.NewReader(bytes.Repeat([]byte("0123456789abcdef"), 40<<10))

	if _, err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	calls := api.received()
	if len(calls) != 2 || len(waits) != 1 {
		t.Fatalf("%d requests and %d waits, want 2 and 1 (one retry after the 503)", len(calls), len(waits))
	}
	for i, c := range calls {
		if c.Path != "/upload/gmail/v1/users/me/messages/send" || c.Query != "uploadType=media" ||
			c.ContentType != "message/rfc822" {
			t.Errorf("request %d = %s?%s (%s), want the media upload", i, c.Path, c.Query, c.ContentType)
		}
		if !bytes.Equal(c.Body, want) {
			t.Errorf("request %d: %d bytes received, want the %d bytes Compose writes", i,
				len(c.Body), len(want))
		}
	}
	if left, _ := os.ReadDir(s.SpoolDir); len(left) != 0 {
		t.Errorf("spool directory keeps %d files after the send", len(left))
	}
}

// TestAPIBccAndDKIM: the API takes the recipients from the header, so a
// Bcc field goes with the message (the service removes it); the DKIM
// signature comes first and does not cover it.
func TestAPIBccAndDKIM(t *testing.T) {
	api := newFakeAPI(t, gmailOK)
	s := apiSender(api, "Google API", nil)
	s.Password = "[oauth]tok"
	d := &mailsender.DKIM{Signer: testKey(t), Domain: "example.test", Selector: "sel"}
	m := message()
	m.Bcc = []string{"Carol <carol@example.test>", "dave@example.test"}
	want := composed(t, s, m, d)

	res, err := s.SendCertified(context.Background(), m, d)
	if err != nil {
		t.Fatalf("SendCertified: %v", err)
	}
	got := rawOf(t, api.received()[0].Body)
	field := "Bcc: carol@example.test, dave@example.test\r\n"
	i := bytes.Index(got, []byte(field))
	if i < 0 || !bytes.HasPrefix(got, []byte("DKIM-Signature:")) {
		t.Fatalf("message does not start with DKIM-Signature and hold %q:\n%.600s", field, got)
	}
	if !bytes.Equal(got[:i], want[:i]) || !bytes.HasSuffix(got[:i], []byte("\r\n")) ||
		bytes.Contains(got[:i], []byte("\r\nFrom:")) {
		t.Errorf("Bcc field is not right after the signature:\n%.600s", got)
	}
	if diff := cmp.Diff(string(want), string(got[:i])+string(got[i+len(field):])); diff != "" {
		t.Errorf("message without the Bcc field (-Compose +sent):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"bob@example.test", "carol@example.test", "dave@example.test"},
		res.Accepted); diff != "" {
		t.Errorf("Accepted (-want +got):\n%s", diff)
	}
}

// TestAPIBccFolded: a long Bcc list is folded before 78 columns.
func TestAPIBccFolded(t *testing.T) {
	api := newFakeAPI(t, gmailOK)
	s := apiSender(api, "Google API", nil)
	s.Password = "[oauth]tok"
	m := message()
	for _, n := range []string{"one", "two", "three", "four", "five", "six"} {
		m.Bcc = append(m.Bcc, n+"-recipient@example.test")
	}
	if _, err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := string(rawOf(t, api.received()[0].Body))
	want := "Bcc: one-recipient@example.test, two-recipient@example.test,\r\n" +
		" three-recipient@example.test, four-recipient@example.test,\r\n" +
		" five-recipient@example.test, six-recipient@example.test\r\n"
	if !strings.HasPrefix(got, want) {
		t.Errorf("message starts\n%.260q\nwant\n%q", got, want)
	}
}

// TestAPIGraph: Host "Microsoft Graph" posts the message, base64, as
// text/plain to sendMail, and returns Graph's request id.
func TestAPIGraph(t *testing.T) {
	api := newFakeAPI(t, func(int, apiCall) apiAnswer {
		return apiAnswer{Status: 202, Header: map[string]string{"request-id": "req-42"}}
	})
	te := newFakeTokenEndpoint(t, false)
	ts, _ := tokenStore(t, te)
	s := apiSender(api, "Microsoft Graph", nil)
	s.TokenSource = ts
	s.API.User = "alice@example.test"
	m := message()
	want := composed(t, s, m, nil)

	res, err := s.Send(context.Background(), m)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	c := api.received()[0]
	if c.Path != "/v1.0/users/alice@example.test/sendMail" || c.ContentType != "text/plain" ||
		c.Auth != "Bearer tok-1" {
		t.Errorf("request = %s (%s, %s), want /v1.0/users/alice@example.test/sendMail "+
			"(text/plain, Bearer tok-1)", c.Path, c.ContentType, c.Auth)
	}
	got, err := base64.StdEncoding.DecodeString(string(c.Body))
	if err != nil {
		t.Fatalf("body is not base64: %v", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("Graph received (-Compose +sent):\n%s", diff)
	}
	if res.API != "graph" || res.RequestID != "req-42" || res.APIMessageID != "" ||
		res.Reply != "accepted by Microsoft Graph, request-id req-42" {
		t.Errorf("Result = %+v", res)
	}
	if te.count() != 0 {
		t.Errorf("%d refreshes of a valid token, want 0", te.count())
	}
}

// TestAPI401RenewsOnceCASE28: a 401 renews the token through the token
// store once and the send is retried with the new token, which is saved
// with the rotated refresh token; a second 401 ends the send.
func TestAPI401RenewsOnceCASE28(t *testing.T) {
	unauthorized := apiAnswer{Status: 401, Header: map[string]string{
		"WWW-Authenticate": `Bearer error="invalid_token"`},
		Body: `{"error":{"code":401,"message":"Invalid Credentials","status":"UNAUTHENTICATED"}}`}
	t.Run("renewed", func(t *testing.T) {
		api := newFakeAPI(t, func(n int, c apiCall) apiAnswer {
			if c.Auth != "Bearer tok-2" {
				return unauthorized
			}
			return gmailOK(n, c)
		})
		te := newFakeTokenEndpoint(t, true)
		ts, st := tokenStore(t, te)
		s := apiSender(api, "Google API", nil)
		s.TokenSource = ts
		if _, err := s.Send(context.Background(), message()); err != nil {
			t.Fatalf("Send: %v", err)
		}
		var auths []string
		for _, c := range api.received() {
			auths = append(auths, c.Auth)
		}
		if diff := cmp.Diff([]string{"Bearer tok-1", "Bearer tok-2"}, auths); diff != "" {
			t.Errorf("requests (-want +got):\n%s", diff)
		}
		r, err := st.Load()
		if err != nil || r.AccessToken != "tok-2" || r.RefreshToken != "refresh-2-SECRET" || te.count() != 1 {
			t.Errorf("after one refresh (%d made) the store holds %q/%q (%v), want tok-2/refresh-2-SECRET",
				te.count(), r.AccessToken, r.RefreshToken, err)
		}
	})
	t.Run("refused again", func(t *testing.T) {
		api := newFakeAPI(t, func(int, apiCall) apiAnswer { return unauthorized })
		te := newFakeTokenEndpoint(t, false)
		ts, _ := tokenStore(t, te)
		s := apiSender(api, "Google API", nil)
		s.TokenSource = ts
		_, err := s.Send(context.Background(), message())
		var ae *oauthgmail.APIError
		var se *mailsender.SendError
		if !errors.As(err, &ae) || ae.StatusCode != 401 || !errors.As(err, &se) {
			t.Fatalf("Send = %v, want a *SendError holding HTTP 401", err)
		}
		if n := len(api.received()); n != 2 || te.count() != 1 {
			t.Errorf("%d requests and %d refreshes, want 2 and 1", n, te.count())
		}
	})
	t.Run("static token", func(t *testing.T) {
		api := newFakeAPI(t, func(int, apiCall) apiAnswer { return unauthorized })
		s := apiSender(api, "Google API", nil)
		s.Password = "[oauth]tok-static"
		if _, err := s.Send(context.Background(), message()); err == nil {
			t.Fatal("Send succeeded")
		}
		if n := len(api.received()); n != 1 {
			t.Errorf("%d requests with a token that cannot be renewed, want 1", n)
		}
	})
}

// TestAPI403Scope: a 403 for a missing scope is an *oauthgmail.APIError
// that names the scope and matches ErrInsufficientScope; it is permanent.
func TestAPI403Scope(t *testing.T) {
	scope := "https://www.googleapis.com/auth/gmail.send"
	api := newFakeAPI(t, func(int, apiCall) apiAnswer {
		return apiAnswer{Status: 403, Header: map[string]string{
			"WWW-Authenticate": `Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="` + scope + `"`},
			Body: `{"error":{"code":403,"message":"Request had insufficient authentication scopes.","status":"PERMISSION_DENIED"}}`}
	})
	s := apiSender(api, "Google API", nil)
	s.Password = "[oauth]tok"
	_, err := s.Send(context.Background(), message())
	var ae *oauthgmail.APIError
	var se *mailsender.SendError
	if !errors.Is(err, oauthgmail.ErrInsufficientScope) || !errors.As(err, &ae) || !errors.As(err, &se) {
		t.Fatalf("Send = %v, want a *SendError matching ErrInsufficientScope", err)
	}
	if diff := cmp.Diff([]string{scope}, ae.Scope); diff != "" {
		t.Errorf("Scope (-want +got):\n%s", diff)
	}
	if se.Temporary() || !strings.Contains(err.Error(), scope) {
		t.Errorf("error %q: Temporary = %v, want a permanent error naming the scope", err, se.Temporary())
	}
	if n := len(api.received()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// TestAPI429RetryAfter: a 429 with Retry-After waits as long as asked and
// tries again; one that asks for more than MaxRetryAfter is returned as a
// temporary error.
func TestAPI429RetryAfter(t *testing.T) {
	tooMany := func(after string) apiAnswer {
		return apiAnswer{Status: 429, Header: map[string]string{"Retry-After": after},
			Body: `{"error":{"code":429,"message":"User-rate limit exceeded","status":"RESOURCE_EXHAUSTED"}}`}
	}
	t.Run("honoured", func(t *testing.T) {
		api := newFakeAPI(t, func(n int, c apiCall) apiAnswer {
			if n == 0 {
				return tooMany("7")
			}
			return gmailOK(n, c)
		})
		var waits []time.Duration
		s := apiSender(api, "Google API", &waits)
		s.Password = "[oauth]tok"
		if _, err := s.Send(context.Background(), message()); err != nil {
			t.Fatalf("Send: %v", err)
		}
		if diff := cmp.Diff([]time.Duration{7 * time.Second}, waits); diff != "" {
			t.Errorf("waits (-want +got):\n%s", diff)
		}
		c := api.received()
		if len(c) != 2 || !bytes.Equal(c[0].Body, c[1].Body) {
			t.Errorf("%d requests, want 2 with the same body", len(c))
		}
	})
	t.Run("too long", func(t *testing.T) {
		api := newFakeAPI(t, func(int, apiCall) apiAnswer { return tooMany("3600") })
		var waits []time.Duration
		s := apiSender(api, "Google API", &waits)
		s.Password = "[oauth]tok"
		_, err := s.Send(context.Background(), message())
		var ae *oauthgmail.APIError
		var se *mailsender.SendError
		if !errors.As(err, &ae) || ae.RetryAfter != time.Hour || !errors.As(err, &se) || !se.Temporary() {
			t.Fatalf("Send = %v, want a temporary *SendError with RetryAfter 1h", err)
		}
		if len(waits) != 0 {
			t.Errorf("waited %v, want no wait", waits)
		}
	})
}

// TestAPITokenNeverShownSEC35: neither the access token nor the refresh
// token appears in the error, the trace or the log, even when the service
// repeats the token in its message.
func TestAPITokenNeverShownSEC35(t *testing.T) {
	api := newFakeAPI(t, func(_ int, c apiCall) apiAnswer {
		tok := strings.TrimPrefix(c.Auth, "Bearer ")
		return apiAnswer{Status: 400, Body: `{"error":{"code":400,"message":"bad request for ` +
			tok + `","status":"INVALID_ARGUMENT"}}`}
	})
	te := newFakeTokenEndpoint(t, true)
	ts, _ := tokenStore(t, te)
	var trace, logs bytes.Buffer
	s := apiSender(api, "Google API", nil)
	s.TokenSource = ts
	s.Trace = &trace
	s.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	_, err := s.Send(context.Background(), message())
	if err == nil {
		t.Fatal("Send succeeded")
	}
	if !strings.Contains(trace.String(), "Authorization: Bearer [redacted]") {
		t.Errorf("trace does not show the redacted Authorization header:\n%s", trace.String())
	}
	for name, text := range map[string]string{"error": err.Error(), "trace": trace.String(),
		"log": logs.String()} {
		for _, secret := range []string{"tok-1", "SECRET"} {
			if strings.Contains(text, secret) {
				t.Errorf("%s holds %q:\n%s", name, secret, text)
			}
		}
	}
}

// TestAPIRefusedBeforeNetwork: an API host without a token, with a
// password that is not a token, with both a token source and a password,
// or with an envelope sender, is a *FieldError and nothing is sent.
func TestAPIRefusedBeforeNetwork(t *testing.T) {
	te := newFakeTokenEndpoint(t, false)
	ts, _ := tokenStore(t, te)
	tests := []struct {
		name, field string
		set         func(*mailsender.Sender, *mailsender.Message)
	}{
		{"no token", "Sender.TokenSource", func(*mailsender.Sender, *mailsender.Message) {}},
		{"password", "Sender.Password", func(s *mailsender.Sender, _ *mailsender.Message) {
			s.Username, s.Password = "alice", "app-password"
		}},
		{"empty token", "Sender.Password", func(s *mailsender.Sender, _ *mailsender.Message) {
			s.Password = "[oauth] "
		}},
		{"both", "Sender.Password", func(s *mailsender.Sender, _ *mailsender.Message) {
			s.Password, s.TokenSource = "[oauth]tok", ts
		}},
		{"envelope", "Message.EnvelopeFrom", func(s *mailsender.Sender, m *mailsender.Message) {
			s.Password, m.EnvelopeFrom = "[oauth]tok", "bounces@example.test"
		}},
		{"endpoint", "Sender.API.Endpoint", func(s *mailsender.Sender, _ *mailsender.Message) {
			s.Password, s.API.Endpoint = "[oauth]tok", "ftp://127.0.0.1/"
		}},
		{"endpoint in clear", "Sender.API.Endpoint", func(s *mailsender.Sender, _ *mailsender.Message) {
			s.Password, s.API.Endpoint = "[oauth]tok", "http://gmail.example.test"
		}},
		{"bad address", "Message.To[0]", func(s *mailsender.Sender, m *mailsender.Message) {
			s.Password, m.To = "[oauth]tok", []string{"not an address"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t, gmailOK)
			s := apiSender(api, "Microsoft Graph", nil)
			m := message()
			tt.set(s, m)
			_, err := s.Send(context.Background(), m)
			var fe *mailsender.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Fatalf("Send = %v, want a *FieldError for %s", err, tt.field)
			}
			if n := len(api.received()); n != 0 || te.count() != 0 {
				t.Errorf("%d requests and %d refreshes, want none", n, te.count())
			}
		})
	}
}

// TestEnqueueRefusesAPIHost: the delivery agent speaks SMTP only, so an
// API host is refused with ErrNotQueueable and nothing is stored; a
// TokenSource needs the name of its store.
func TestEnqueueRefusesAPIHost(t *testing.T) {
	sp := openSpool(t)
	s := &mailsender.Sender{Host: "Google API", Password: "[oauth]tok"}
	_, err := s.Enqueue(context.Background(), sp, message(),
		&mailsender.EnqueueOptions{Credential: "tokenstore:/x/token.json"})
	var fe *mailsender.FieldError
	if !errors.Is(err, mailsender.ErrNotQueueable) || !errors.As(err, &fe) || fe.Field != "Sender.Host" {
		t.Fatalf("Enqueue = %v, want a Sender.Host *FieldError matching ErrNotQueueable", err)
	}
	te := newFakeTokenEndpoint(t, false)
	ts, _ := tokenStore(t, te)
	s = &mailsender.Sender{Host: "127.0.0.1", Username: "alice@example.test", TokenSource: ts}
	_, err = s.Enqueue(context.Background(), sp, message(), nil)
	if !errors.As(err, &fe) || fe.Field != "EnqueueOptions.Credential" {
		t.Fatalf("Enqueue = %v, want an EnqueueOptions.Credential *FieldError", err)
	}
	if ids, err := sp.IDs(false); err != nil || len(ids) != 0 {
		t.Errorf("spool holds %v (%v), want nothing", ids, err)
	}
}

// TestAPIGraphTooLarge: a message above Graph's MIME limit (3 MiB) is
// refused with ErrMessageTooLarge before any request.
func TestAPIGraphTooLarge(t *testing.T) {
	api := newFakeAPI(t, func(int, apiCall) apiAnswer { return apiAnswer{Status: 202} })
	s := apiSender(api, "Microsoft Graph", nil)
	s.Password = "[oauth]tok"
	m := message()
	m.Attachments = []mailsender.Attachment{{Name: "big.bin", Content: &patternReader{n: 3 << 20}}}
	_, err := s.Send(context.Background(), m)
	if !errors.Is(err, oauthgmail.ErrMessageTooLarge) {
		t.Fatalf("Send = %v, want ErrMessageTooLarge", err)
	}
	if n := len(api.received()); n != 0 {
		t.Errorf("%d requests, want 0", n)
	}
}

// TestAPIIgnoresSMTPSettings: Port, SSL, TLSVersion and AuthMechanism,
// left over from an SMTP set-up, do not stop an API send.
func TestAPIIgnoresSMTPSettings(t *testing.T) {
	api := newFakeAPI(t, gmailOK)
	s := apiSender(api, "Google API", nil)
	s.Password, s.Port, s.SSL, s.TLSVersion, s.AuthMechanism = "[oauth]tok", 465, true, "1.0", "PLAIN"
	if _, err := s.Send(context.Background(), message()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if n := len(api.received()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}
