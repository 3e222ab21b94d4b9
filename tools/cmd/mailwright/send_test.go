// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/mailwright/mailwright/saslmech"
	"github.com/mailwright/mailwright/tlsprofile"
)

// run runs one mailwright command line with vars as its environment.
func run(t *testing.T, vars map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	e := &env{stdout: &out, stderr: &errOut, stdin: strings.NewReader(""),
		getenv: func(k string) string { return vars[k] }}
	code = runMain(context.Background(), e, args)
	return code, out.String(), errOut.String()
}

func TestParseSendFlags(t *testing.T) {
	dir := t.TempDir()
	body := filepath.Join(dir, "body.txt")
	html := filepath.Join(dir, "body.html")
	os.WriteFile(body, []byte("text body\n"), 0o600)
	os.WriteFile(html, []byte("<p>html</p>\n"), 0o600)
	job, err := parseSend([]string{
		"--host", "mail.example.test", "--port", "2587", "--tls", "--insecure",
		"--ca-file", "ca.pem", "--user", "u@example.test", "--auth", "cram-md5",
		"--from", "Me <u@example.test>", "--to", "a@example.test", "--to", "b@example.test",
		"--cc", "c@example.test", "--bcc", "d@example.test", "--subject", "S",
		"--body-file", body, "--html-file", html, "--attach", "x.pdf", "--attach", "y.png",
		"--dkim-key", "k.pem", "--dkim-domain", "example.test", "--dkim-selector", "sel",
		"--dkim-canon", "simple/simple", "--transcript", "t.txt",
	}, func(k string) string {
		return map[string]string{"MAILWRIGHT_PASSWORD": "from-env"}[k]
	}, new(bytes.Buffer))
	if err != nil {
		t.Fatalf("parseSend: %v", err)
	}
	s, m := job.sender, job.msg
	if s.Host != "mail.example.test" || s.Port != 2587 || !s.TLS || s.SSL || s.CAFile != "ca.pem" ||
		s.Username != "u@example.test" || s.Password != "from-env" || s.AuthMechanism != "CRAM-MD5" {
		t.Errorf("Sender = %+v", s)
	}
	if s.TLSPolicy != tlsprofile.Encrypt || s.Insecure != (saslmech.Insecure{}) {
		t.Errorf("--insecure with --tls: policy %v, insecure %+v; want encrypt and no AUTH in clear",
			s.TLSPolicy, s.Insecure)
	}
	if m.From != "Me <u@example.test>" || len(m.To) != 2 || m.Cc[0] != "c@example.test" ||
		m.Bcc[0] != "d@example.test" || m.Subject != "S" || m.Body != "text body\n" ||
		m.HTMLBody != "<p>html</p>\n" || len(m.Attachments) != 2 || m.Attachments[1].Path != "y.png" {
		t.Errorf("Message = %+v", m)
	}
	if d := s.DKIM; d == nil || d.KeyFile != "k.pem" || d.Domain != "example.test" ||
		d.Selector != "sel" || d.Canonicalization != "simple/simple" {
		t.Errorf("DKIM = %+v", d)
	}
	if job.transcript != "t.txt" {
		t.Errorf("transcript = %q", job.transcript)
	}
}

func TestParseSendPasswordFlagWins(t *testing.T) {
	job, err := parseSend([]string{"--host", "h", "--from", "a@b.test", "--to", "c@d.test",
		"--subject", "s", "--user", "u", "--password", "flag"},
		func(string) string { return "env" }, new(bytes.Buffer))
	if err != nil || job.sender.Password != "flag" {
		t.Fatalf("parseSend = %v, %v; want the --password value", job, err)
	}
}

func TestSendUsageErrors(t *testing.T) {
	base := []string{"send", "--host", "h", "--from", "a@b.test", "--to", "c@d.test", "--subject", "s"}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"send", "--from", "a@b.test", "--to", "c@d.test", "--subject", "s"}, "--host is required"},
		{[]string{"send", "--host", "h", "--to", "c@d.test", "--subject", "s"}, "--from is required"},
		{[]string{"send", "--host", "h", "--from", "a@b.test", "--subject", "s"}, "--to is required"},
		{append(base, "--tls", "--ssl"), "exclude each other"},
		{append(base, "--body", "x", "--body-file", "f"), "exclude each other"},
		{append(base, "--dkim-key", "k"), "--dkim-key needs"},
		{append(base, "--dkim-key", "k", "--dkim-domain", "d", "--dkim-selector", "s",
			"--dkim-canon", "loose"), "--dkim-canon"},
		{append(base, "--port", "x"), "invalid value"},
		{append(base, "stray"), "unexpected argument"},
	}
	for _, tt := range tests {
		code, stdout, stderr := run(t, nil, tt.args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

// sendArgs is a full command line for the demo server.
func sendArgs(srv *demoServer, ca, transcript string, extra ...string) []string {
	return append([]string{"send", "--host", "127.0.0.1", "--port", strconv.Itoa(srv.port()),
		"--tls", "--ca-file", ca, "--user", demoUser, "--from", demoUser,
		"--to", "ada@example.test", "--subject", "CLI test", "--body", "hello",
		"--transcript", transcript}, extra...)
}

func startTestServer(t *testing.T) (srv *demoServer, ca string) {
	t.Helper()
	srv, err := startDemoServer(demoUser, "pw-for-tests")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.close)
	ca = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, srv.caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return srv, ca
}

var tlsLine = regexp.MustCompile(`(?m)^TLS: 1\.[23]; Cipher Suite [0-9A-F]{4}$`)

func TestSendCommand(t *testing.T) {
	srv, ca := startTestServer(t)
	transcript := filepath.Join(t.TempDir(), "t.txt")
	code, stdout, stderr := run(t, map[string]string{"MAILWRIGHT_PASSWORD": "pw-for-tests"},
		sendArgs(srv, ca, transcript)...)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if !strings.HasPrefix(stdout, "250 2.0.0 Ok: queued as DEMO1\n") || !tlsLine.MatchString(stdout) {
		t.Errorf("stdout = %q, want the final reply and a TLS line", stdout)
	}
	tr, err := os.ReadFile(transcript)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(tr, []byte("C: STARTTLS")) || !bytes.Contains(tr, []byte("C: AUTH")) {
		t.Errorf("transcript lacks STARTTLS or AUTH:\n%s", tr)
	}
	if bytes.Contains(tr, []byte("pw-for-tests")) || bytes.Contains(tr, []byte("cHctZm9yLXRlc3Rz")) {
		t.Errorf("transcript shows the password:\n%s", tr)
	}
	if n := len(srv.messages()); n != 1 {
		t.Errorf("server received %d messages", n)
	}
}

func TestSendCommandFailsInOneLine(t *testing.T) {
	srv, ca := startTestServer(t)
	transcript := filepath.Join(t.TempDir(), "t.txt")
	code, stdout, stderr := run(t, map[string]string{"MAILWRIGHT_PASSWORD": "wrong"},
		sendArgs(srv, ca, transcript)...)
	want := "mailwright send: AUTH rejected: 535 5.7.8 Authentication credentials invalid" +
		" (check the user name and password)\n"
	if code != 1 || stdout != "" || stderr != want {
		t.Errorf("exit %d, stdout %q, stderr %q; want 1 and %q", code, stdout, stderr, want)
	}
}

// SEC-17 at the command line: a Subject with a line break is refused before
// any connection.
func TestSendCommandRefusesHeaderInjectionSEC17(t *testing.T) {
	srv, ca := startTestServer(t)
	args := sendArgs(srv, ca, filepath.Join(t.TempDir(), "t.txt"))
	for i, a := range args {
		if a == "CLI test" {
			args[i] = "Hi\r\nBcc: victim@example.org"
		}
	}
	code, _, stderr := run(t, map[string]string{"MAILWRIGHT_PASSWORD": "pw-for-tests"}, args...)
	if code != 1 || strings.Count(stderr, "\n") != 1 || strings.Contains(stderr, "victim") {
		t.Errorf("exit %d, stderr %q; want 1 and one line not repeating the input", code, stderr)
	}
	if srv.connections() != 0 {
		t.Errorf("the server saw %d connections", srv.connections())
	}
}
