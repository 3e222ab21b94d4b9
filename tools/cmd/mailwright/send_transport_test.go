// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailwright/mailwright/mailsender"
	"github.com/mailwright/mailwright/mailsender/queue"
	"github.com/mailwright/mailwright/saslmech"
	"github.com/mailwright/mailwright/smtpclient"
)

// transport is what the flags decide about the connection.
type transport struct {
	TLS, SSL       bool
	Policy         string
	Port           int
	Insecure       saslmech.Insecure
	Mechanism      string
	Classic        bool
	LocalName, Ver string
	Timeout        time.Duration
}

func transportOf(s *mailsender.Sender) transport {
	return transport{TLS: s.TLS, SSL: s.SSL, Policy: s.TLSPolicy.String(), Port: s.Port,
		Insecure: s.Insecure, Mechanism: s.AuthMechanism,
		Classic:   fmt.Sprint(s.AuthPolicy) == fmt.Sprint(mailsender.ClassicAuthOrder),
		LocalName: s.LocalName, Ver: s.TLSVersion, Timeout: s.Timeout}
}

// TestSendTransportFlags: without --tls, --ssl or --plain send uses
// opportunistic STARTTLS on port 25, or with credentials TLS required and
// verified (SECURITY rules 1 and 6); --insecure only skips the certificate
// check; AUTH in clear to a remote host needs --allow-plain-auth.
func TestSendTransportFlags(t *testing.T) {
	all := saslmech.Insecure{ChallengeResponse: true, RevealSecret: true}
	tests := []struct {
		name string
		args []string
		want transport
	}{
		{"default", nil, transport{TLS: true, Policy: "may", Port: 25}},
		{"default port kept", []string{"--port", "2525"}, transport{TLS: true, Policy: "may", Port: 2525}},
		{"insecure alone", []string{"--insecure"}, transport{TLS: true, Policy: "may", Port: 25}},
		{"credentials", []string{"--user", "u", "--password", "p"},
			transport{TLS: true, Policy: "verify", Port: 25}},
		{"credentials to loopback", []string{"--host", "127.0.0.1", "--user", "u", "--password", "p"},
			transport{TLS: true, Policy: "may", Port: 25}},
		{"token", []string{"--password", "[oauth]tok"}, transport{TLS: true, Policy: "verify", Port: 25}},
		{"credentials insecure", []string{"--user", "u", "--password", "p", "--insecure"},
			transport{TLS: true, Policy: "encrypt", Port: 25}},
		{"credentials plain", []string{"--user", "u", "--password", "p", "--plain"},
			transport{Policy: "none"}},
		{"tls", []string{"--tls"}, transport{TLS: true, Policy: "verify"}},
		{"tls insecure", []string{"--tls", "--insecure"}, transport{TLS: true, Policy: "encrypt"}},
		{"ssl", []string{"--ssl"}, transport{SSL: true, Policy: "verify"}},
		{"ssl insecure", []string{"--ssl", "--insecure"}, transport{SSL: true, Policy: "encrypt"}},
		{"plain", []string{"--plain"}, transport{Policy: "none"}},
		{"plain auth", []string{"--plain", "--allow-plain-auth"},
			transport{Policy: "none", Insecure: all}},
		{"classic", []string{"--tls", "--auth", "Classic"},
			transport{TLS: true, Policy: "verify", Classic: true}},
		{"one mechanism", []string{"--tls", "--auth", "cram-md5"},
			transport{TLS: true, Policy: "verify", Mechanism: "CRAM-MD5"}},
		{"identity", []string{"--tls", "--local-name", "client.example.test", "--tls-version", "1.3",
			"--timeout", "45s"}, transport{TLS: true, Policy: "verify", LocalName: "client.example.test",
			Ver: "1.3", Timeout: 45 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"--host", "mail.example.test", "--from", "a@example.test",
				"--to", "b@example.test", "--subject", "s"}, tt.args...)
			job, err := parseSend(args, func(string) string { return "" }, new(bytes.Buffer))
			if err != nil {
				t.Fatal(err)
			}
			if got := transportOf(job.sender); got != tt.want {
				t.Errorf("%q:\n got %+v\nwant %+v", tt.args, got, tt.want)
			}
		})
	}
}

func TestSendReplyTo(t *testing.T) {
	job, err := parseSend([]string{"--host", "h", "--from", "a@b.test", "--to", "c@d.test",
		"--subject", "s", "--reply-to", "r1@b.test", "--reply-to", "R <r2@b.test>"},
		func(string) string { return "" }, new(bytes.Buffer))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"r1@b.test", "R <r2@b.test>"}; !slices.Equal(job.msg.ReplyTo, want) {
		t.Errorf("ReplyTo = %q, want %q", job.msg.ReplyTo, want)
	}
}

// TestSendTransportUsageErrors: flags that contradict each other, and
// --user without any password, are refused before any connection.
func TestSendTransportUsageErrors(t *testing.T) {
	srv, _ := startTestServer(t)
	base := []string{"send", "--host", "127.0.0.1", "--port", strconv.Itoa(srv.port()),
		"--from", "a@b.test", "--to", "c@d.test", "--subject", "s"}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--plain", "--tls"}, "--plain excludes --tls and --ssl"},
		{[]string{"--plain", "--ssl"}, "--plain excludes --tls and --ssl"},
		{[]string{"--plain", "--insecure"}, "--plain excludes --insecure"},
		{[]string{"--plain", "--ca-file", "ca.pem"}, "exclude --plain"},
		{[]string{"--plain", "--tls-version", "1.2"}, "exclude --plain"},
		{[]string{"--tls-version", "2.0"}, `--tls-version "2.0": want 1.0, 1.1, 1.2 or 1.3`},
		{[]string{"--timeout", "-1s"}, "--timeout -1s: must not be negative"},
		{[]string{"--timeout", "soon"}, "invalid value"},
		{[]string{"--auth", "classic", "--queue", t.TempDir()}, "--auth classic cannot be queued"},
		{[]string{"--auth", "DIGEST-MD5"}, `--auth "DIGEST-MD5": not a mechanism mailwright speaks`},
		{[]string{"--allow-plain-auth", "--queue", t.TempDir()}, "apply to a direct send"},
		{[]string{"--local-name", "me.example.test", "--queue", t.TempDir()}, "apply to a direct send"},
		{[]string{"--timeout", "1m", "--queue", t.TempDir()}, "apply to a direct send"},
		{[]string{"--user", "u"}, "--user u has no password: give --password, $MAILWRIGHT_PASSWORD " +
			"or --token-store"},
	}
	for _, tt := range tests {
		code, stdout, stderr := run(t, nil, append(base, tt.args...)...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
	if n := srv.connections(); n != 0 {
		t.Errorf("the server saw %d connections", n)
	}
}

// TestSendTransportWarnings sends through servers with and without
// STARTTLS and checks what goes to stdout and the warning on stderr.
func TestSendTransportWarnings(t *testing.T) {
	demo, ca := startTestServer(t)
	clear := startXOAUTH2SMTP(t) // offers no STARTTLS
	clearPort := strconv.Itoa(clear.ln.Addr().(*net.TCPAddr).Port)
	openPort := strconv.Itoa(startOpenRelay(t)) // STARTTLS, no AUTH needed
	pass := map[string]string{"MAILWRIGHT_PASSWORD": "pw-for-tests"}
	tests := []struct {
		name     string
		args     []string
		vars     map[string]string
		code     int
		stdout   string // regular expression
		stderr   string
		starttls bool // the transcript shows STARTTLS
	}{
		{"opportunistic TLS", []string{"--port", openPort}, nil, 0,
			`^250 2.0.0 Ok: queued as OPEN1\nTLS: 1\.[23]; Cipher Suite [0-9A-F]{4}\n$`,
			"warning: certificate not verified (opportunistic STARTTLS; --tls requires TLS and " +
				"verifies the certificate)\n", true},
		{"tls verified", []string{"--port", strconv.Itoa(demo.port()), "--user", demoUser, "--tls",
			"--ca-file", ca}, pass, 0,
			`^250 2.0.0 Ok: queued as DEMO\d\nTLS: 1\.[23]; Cipher Suite [0-9A-F]{4}\n$`, "", true},
		{"tls insecure", []string{"--port", strconv.Itoa(demo.port()), "--user", demoUser, "--tls",
			"--insecure"}, pass, 0,
			`^250 2.0.0 Ok: queued as DEMO\d\nTLS: 1\.[23]; Cipher Suite [0-9A-F]{4}\n$`,
			"warning: certificate not verified (--insecure)\n", true},
		{"loopback credentials opportunistic", []string{"--port", strconv.Itoa(demo.port()),
			"--user", demoUser}, pass, 0,
			`^250 2.0.0 Ok: queued as DEMO\d\nTLS: 1\.[23]; Cipher Suite [0-9A-F]{4}\n$`,
			"warning: certificate not verified (opportunistic STARTTLS; --tls requires TLS and " +
				"verifies the certificate)\n", true},
		{"opportunistic clear", []string{"--port", clearPort}, nil, 0, `^250 2.0.0 Ok: queued as X1\n$`,
			"warning: sent without TLS: the server did not offer STARTTLS " +
				"(--tls refuses to send in clear)\n", false},
		{"plain", []string{"--port", clearPort, "--plain"}, nil, 0, `^250 2.0.0 Ok: queued as X1\n$`,
			"warning: sent without TLS (--plain)\n", false},
		{"plain never starts TLS", []string{"--port", strconv.Itoa(demo.port()), "--plain"}, nil, 1, "^$",
			"mailwright send: MAIL FROM rejected: 530 5.7.0 Must issue a STARTTLS command first", false},
		{"tls required", []string{"--port", clearPort, "--tls"}, nil, 1, "^$",
			"mailwright send: ", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			transcript := filepath.Join(t.TempDir(), "t.txt")
			args := append([]string{"send", "--host", "127.0.0.1", "--from", demoUser,
				"--to", "ada@example.test", "--subject", "S", "--body", "hi",
				"--transcript", transcript}, tt.args...)
			code, stdout, stderr := run(t, tt.vars, args...)
			if code != tt.code || !regexp.MustCompile(tt.stdout).MatchString(stdout) ||
				(tt.code == 0 && stderr != tt.stderr) || !strings.HasPrefix(stderr, tt.stderr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d, %q, %q",
					code, stdout, stderr, tt.code, tt.stdout, tt.stderr)
			}
			tr, _ := os.ReadFile(transcript)
			if got := bytes.Contains(tr, []byte("C: STARTTLS")); got != tt.starttls {
				t.Errorf("STARTTLS in transcript = %v, want %v:\n%s", got, tt.starttls, tr)
			}
			if tt.code != 0 && bytes.Contains(tr, []byte("C: AUTH")) {
				t.Errorf("a failed send authenticated:\n%s", tr)
			}
		})
	}
}

// TestSendCLIErrors: advice that names the library's Go API is given in
// flags, and the relay hint is not shown after a successful AUTH.
func TestSendCLIErrors(t *testing.T) {
	relay := &mailsender.SendError{Recipients: []*mailsender.RecipientError{{Addr: "x@elsewhere.test",
		Err: &smtpclient.Error{Command: "RCPT TO", Code: 554, EnhancedCode: smtpclient.EnhancedCode{5, 7, 1},
			Message: "<x@elsewhere.test>: Relay access denied"}}}}
	relayAuth := &mailsender.SendError{Recipients: relay.Recipients, Authenticated: true}
	anon, user := &mailsender.Sender{}, &mailsender.Sender{Username: "u", Password: "p"}
	tests := []struct {
		name      string
		err       error
		s         *mailsender.Sender
		want, not string
	}{
		{"not tls", fmt.Errorf("%w: x", smtpclient.ErrServerNotTLS), anon,
			"not implicit TLS; use --tls instead of --ssl on this port", "Dial"},
		{"no greeting", fmt.Errorf("%w: x", smtpclient.ErrNoGreeting), anon,
			"(port 465), use --ssl", "DialTLS"},
		{"relay anonymous", relay, anon, "give a user name and password", "AUTH succeeded"},
		{"relay after auth", relayAuth, user, "AUTH succeeded, but the server does not let this account send this message",
			"give a user name"},
		{"no mechanism", fmt.Errorf("x: %w", saslmech.ErrNoMechanism), user,
			"with --auth MECH; --auth classic", "--allow-plain-auth"},
		{"no tls for auth", fmt.Errorf("x: %w", saslmech.ErrNoTLS), user,
			"--allow-plain-auth sends the credentials in clear", "--auth MECH"},
	}
	for _, tt := range tests {
		got := sendCLIError(tt.err, tt.s)
		if !errors.Is(got, tt.err) || !strings.Contains(got.Error(), tt.want) ||
			strings.Contains(got.Error(), tt.not) {
			t.Errorf("%s: %q; want it to wrap the error, contain %q and not %q",
				tt.name, got, tt.want, tt.not)
		}
	}
}

// TestSendNoMechanismHintsAuth: a mechanism the server does not offer is
// reported with the --auth advice.
func TestSendNoMechanismHintsAuth(t *testing.T) {
	srv, ca := startTestServer(t)
	code, _, stderr := run(t, map[string]string{"MAILWRIGHT_PASSWORD": "pw-for-tests"},
		sendArgs(srv, ca, filepath.Join(t.TempDir(), "t.txt"), "--auth", "SCRAM-SHA-256")...)
	if code != 1 || !strings.Contains(stderr, "--auth MECH") {
		t.Errorf("exit %d, stderr %q; want 1 and the --auth advice", code, stderr)
	}
}

// redirect is a Dialer that connects to a loopback port whatever the
// address, so that a send to a name that is not loopback can be tested.
type redirect struct{ port int }

func (r redirect) DialContext(ctx context.Context, network, _ string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port)))
}

// TestSendCredentialsNeedTLS (SECURITY rules 1 and 6): with credentials and
// none of --tls, --ssl or --plain, a host that is not loopback gets TLS
// required and verified; nothing is authenticated on a connection that is
// in clear or unverified, and --insecure is the explicit choice to skip the
// certificate check.
func TestSendCredentialsNeedTLS(t *testing.T) {
	demo, _ := startTestServer(t)
	clear := startXOAUTH2SMTP(t) // offers no STARTTLS
	clearPort := clear.ln.Addr().(*net.TCPAddr).Port
	tests := []struct {
		name           string
		port           int
		args           []string
		code           int
		stdout, stderr string
	}{
		{"unverified certificate", demo.port(), []string{"--user", demoUser}, 1, "^$",
			"mailwright send: smtpclient: TLS handshake failed: tls: failed to verify certificate: " +
				"x509: certificate is valid for localhost, not mail.example.test\n"},
		{"insecure", demo.port(), []string{"--user", demoUser, "--insecure"}, 0,
			`^250 2.0.0 Ok: queued as DEMO\d\nTLS: 1\.[23]; Cipher Suite [0-9A-F]{4}\n$`,
			"warning: certificate not verified (--insecure)\n"},
		{"no STARTTLS", clearPort, []string{"--password", "[oauth]ya29.cli-access-1"}, 1, "^$",
			"mailwright send: smtpclient: TLS required but the server does not offer it: " +
				"STARTTLS not offered (--plain sends in clear)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			transcript := filepath.Join(t.TempDir(), "t.txt")
			args := append([]string{"--host", "mail.example.test", "--from", demoUser,
				"--to", "ada@example.test", "--subject", "S", "--body", "hi",
				"--transcript", transcript}, tt.args...)
			var out, errOut bytes.Buffer
			job, err := parseSend(args, func(k string) string {
				return map[string]string{"MAILWRIGHT_PASSWORD": "pw-for-tests"}[k]
			}, &errOut)
			if err != nil {
				t.Fatal(err)
			}
			job.sender.Dialer = redirect{tt.port}
			code := 0
			if err := execute(context.Background(), &out, job); err != nil {
				code = 1
				fmt.Fprintf(&errOut, "mailwright send: %v\n", err)
			}
			if code != tt.code || !regexp.MustCompile(tt.stdout).MatchString(out.String()) ||
				errOut.String() != tt.stderr {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d, %q, %q",
					code, out.String(), errOut.String(), tt.code, tt.stdout, tt.stderr)
			}
			tr, _ := os.ReadFile(transcript)
			if tt.code != 0 && bytes.Contains(tr, []byte("C: AUTH")) {
				t.Errorf("a failed send authenticated:\n%s", tr)
			}
		})
	}
}

// TestSendQueueKeepsTransport: a queued message carries the transport the
// flags chose, for the agent to apply.
func TestSendQueueKeepsTransport(t *testing.T) {
	tests := []struct {
		args             []string
		security, policy string
	}{
		{nil, "starttls", "may"},
		{[]string{"--plain"}, "none", ""},
		{[]string{"--tls", "--insecure"}, "starttls", "encrypt"},
		{[]string{"--user", "u", "--credential", "env:PW"}, "starttls", "verify"},
		{[]string{"--ssl"}, "tls", "verify"},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		args := append([]string{"send", "--host", "mail.example.test", "--from", "a@example.test",
			"--to", "b@example.test", "--subject", "s", "--body", "x", "--queue", dir}, tt.args...)
		code, stdout, stderr := run(t, nil, args...)
		if code != 0 {
			t.Fatalf("%q: exit %d, %s", tt.args, code, stderr)
		}
		sp, err := queue.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		e, err := sp.Load(strings.TrimSpace(strings.TrimPrefix(stdout, "queued as ")))
		if err != nil || e.Profile.Security != tt.security || e.Profile.TLSPolicy != tt.policy {
			t.Errorf("%q: profile %+v (%v); want security %s, policy %q",
				tt.args, e.Profile, err, tt.security, tt.policy)
		}
	}
}
