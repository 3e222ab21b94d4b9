// SPDX-License-Identifier: Apache-2.0

package conformance_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildDir  string
)

// mailwrightBinary builds tools/cmd/mailwright once per test run.
func mailwrightBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "mailwright-bin-*")
		if buildErr != nil {
			return
		}
		goBin, err := exec.LookPath("go")
		if err != nil {
			goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		binPath = filepath.Join(buildDir, "mailwright")
		cmd := exec.Command(goBin, "build", "-o", binPath, "./cmd/mailwright")
		cmd.Dir = "../tools"
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

var cliTLSLine = regexp.MustCompile(`^TLS: 1\.[0-3]; Cipher Suite [0-9A-F]{4}$`)

// runCLI runs the mailwright binary with the password in the environment.
func runCLI(t *testing.T, password string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(mailwrightBinary(t), args...)
	cmd.Env = append(os.Environ(), "MAILWRIGHT_PASSWORD="+password)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("running mailwright: %v", err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errOut.String()
}

// TestPeerTierCLI sends with "mailwright send" through Postfix, STARTTLS and
// implicit TLS with each mechanism, DKIM simple/simple so that the
// signature proves the delivered body and signed fields are the bytes sent.
func TestPeerTierCLI(t *testing.T) {
	dir := t.TempDir()
	keyFile, txtFile := dkimKey(t, dir)
	body := filepath.Join(dir, "body.txt")
	if err := os.WriteFile(body, []byte("Hello from the CLI.\n.leading dot\nGrüße\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	html := filepath.Join(dir, "body.html")
	attachment := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(html, []byte("<p>Hello from the <b>CLI</b>.</p>\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(attachment, []byte("attached by mailwright send\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, port := range []struct {
		name, port, mode string
	}{{"starttls", submitPort, "--tls"}, {"implicit", smtpsPort, "--ssl"}} {
		for _, mech := range []string{"PLAIN", "LOGIN", "CRAM-MD5"} {
			t.Run(port.name+"/"+mech, func(t *testing.T) {
				peer(t, port.port)
				subject := fmt.Sprintf("cli %s %s %d", port.name, mech, time.Now().UnixNano())
				transcript := filepath.Join(dir, port.name+mech+".txt")
				code, stdout, stderr := runCLI(t, testPass, "send",
					"--host", "127.0.0.1", "--port", port.port, port.mode, "--ca-file", caFile(),
					"--user", testUser, "--auth", mech, "--from", "CLI <user@example.test>",
					"--to", "carol@example.test", "--subject", subject, "--body-file", body,
					"--html-file", html, "--attach", attachment,
					"--dkim-key", keyFile, "--dkim-domain", "example.test", "--dkim-selector", "sel",
					"--dkim-canon", "simple/simple", "--transcript", transcript)
				if code != 0 {
					t.Fatalf("mailwright send: exit %d\n%s%s", code, stdout, stderr)
				}
				lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
				if len(lines) != 2 || !strings.HasPrefix(lines[0], "250 2.0.0 Ok: ") ||
					!cliTLSLine.MatchString(lines[1]) {
					t.Errorf("stdout = %q, want the 250 reply and the TLS line", stdout)
				}
				got := delivered(t, "carol", subject)
				verifyDKIM(t, got, txtFile)
				// The file is attached byte for byte (LF kept), base64 encoded.
				attached := base64.StdEncoding.EncodeToString([]byte("attached by mailwright send\n"))
				for _, part := range []string{"Content-Type: text/html", "<b>CLI</b>",
					`filename="notes.txt"`, attached} {
					if !bytes.Contains(got, []byte(part)) {
						t.Errorf("delivered message lacks %q", part)
					}
				}
				tr, err := os.ReadFile(transcript)
				if err != nil {
					t.Fatal(err)
				}
				b64 := base64.StdEncoding.EncodeToString([]byte(testPass))
				if !bytes.Contains(tr, []byte("C: AUTH "+mech)) || !bytes.Contains(tr, []byte("<redacted>")) ||
					bytes.Contains(tr, []byte(testPass)) || bytes.Contains(tr, []byte(b64)) {
					t.Errorf("transcript lacks AUTH %s and <redacted>, or shows the password:\n%s", mech, tr)
				}
			})
		}
	}
}

// TestPeerTierCLIFailures: the CLI reports a refusal in one line with the
// command, the server's code, enhanced code and text, and exits 1.
func TestPeerTierCLIFailures(t *testing.T) {
	tests := []struct {
		name, port, password string
		extra                []string
		want                 string
	}{
		{"relay denied", smtpPort, "", []string{"--to", "victim@elsewhere.test"},
			"RCPT TO rejected: 554 5.7.1 <victim@elsewhere.test>: Relay access denied"},
		{"no STARTTLS", submitPort, "", []string{"--plain", "--to", "alice@example.test"},
			"MAIL FROM rejected: 530 5.7.0 Must issue a STARTTLS command first"},
		{"wrong password", submitPort, "wrong", []string{"--tls", "--ca-file", caFile(),
			"--user", testUser, "--to", "alice@example.test"}, "AUTH rejected: 535 5.7.8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			peer(t, tt.port)
			args := append([]string{"send", "--host", "127.0.0.1", "--port", tt.port,
				"--from", testUser, "--subject", "refused", "--body", "x"}, tt.extra...)
			code, stdout, stderr := runCLI(t, tt.password, args...)
			if code != 1 || stdout != "" || strings.Count(stderr, "\n") != 1 ||
				!strings.HasPrefix(stderr, "mailwright send: "+tt.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 1 and one line starting %q",
					code, stdout, stderr, "mailwright send: "+tt.want)
			}
		})
	}
}
