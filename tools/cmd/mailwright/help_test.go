// SPDX-License-Identifier: Apache-2.0

package main

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
)

// TestHelpEveryCommand: -h and --help exit 0 and print the command's flags
// on standard output, for every command and action; "help CMD" prints the
// same.
func TestHelpEveryCommand(t *testing.T) {
	tests := []struct {
		args []string
		want []string // all in stdout
	}{
		{[]string{"send"}, []string{"-plain", "-allow-plain-auth", "-timeout", "-local-name",
			"-tls-version", "-reply-to", "loopback", "opportunistic"}},
		{[]string{"dkim"}, []string{"dkim keygen", "dkim verify", "live DNS", "--txt-file"}},
		{[]string{"dkim", "verify"}, []string{"-txt-file", "-dns", "live DNS"}},
		{[]string{"dkim", "sign"}, []string{"-selector", "-canon"}},
		{[]string{"smime"}, []string{"--sign-cert FILE", "then encrypt (the certificate flag is --sign-cert)", "$TMPDIR"}},
		{[]string{"smime", "encrypt"}, []string{"-sign-cert", "-cipher"}},
		{[]string{"smime", "verify"}, []string{"-ca"}},
		{[]string{"token"}, []string{"import", "token endpoint", "no other host"}},
		{[]string{"token", "refresh"}, []string{"-store"}},
		{[]string{"transcript"}, []string{"-mode", "-secret"}},
		{[]string{"queue"}, []string{"queue show   --queue DIR [--message] ID", "Flags come before the IDs"}},
		{[]string{"queue", "show"}, []string{"-queue", "-message"}},
		{[]string{"demo"}, []string{"no flags"}},
		{[]string{"probe"}, []string{"-ca-file"}},
		{[]string{"agent"}, []string{"-grace"}},
		{[]string{"version"}, []string{"no flags"}},
	}
	for _, tt := range tests {
		var first string
		for _, h := range []string{"-h", "--help"} {
			args := append(append([]string(nil), tt.args...), h)
			code, stdout, stderr := run(t, nil, args...)
			if code != 0 || stderr != "" {
				t.Errorf("%q: exit %d, stderr %q; want 0 and nothing", args, code, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("%q: stdout lacks %q:\n%s", args, w, stdout)
				}
			}
			first = stdout
		}
		code, stdout, _ := run(t, nil, append([]string{"help"}, tt.args...)...)
		if code != 0 || stdout != first {
			t.Errorf("help %q: exit %d, output differs from -h:\n%s", tt.args, code, stdout)
		}
	}
}

// TestUsageAligned: every summary in "mailwright help" starts in the same
// column, the longest name (transcript) included.
func TestUsageAligned(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"help", "-h"}} {
		code, stdout, _ := run(t, nil, args...)
		if code != 0 {
			t.Errorf("%q: exit %d", args, code)
		}
		line := regexp.MustCompile(`(?m)^  (\S+)( +)\S`)
		col := -1
		for _, m := range line.FindAllStringSubmatch(stdout, -1) {
			c := len(m[1]) + len(m[2])
			if col >= 0 && c != col {
				t.Errorf("%q: %q starts its summary at %d, others at %d", args, m[1], c, col)
			}
			col = c
		}
		if !strings.Contains(stdout, "  transcript  turn") || !strings.Contains(stdout, "version") {
			t.Errorf("%q:\n%s", args, stdout)
		}
	}
	if code, _, _ := run(t, nil); code != 2 {
		t.Errorf("no arguments: exit %d, want 2", code)
	}
}

func TestVersion(t *testing.T) {
	tests := []struct {
		bi   *debug.BuildInfo
		ok   bool
		want string
	}{
		{nil, false, "(devel)"},
		{&debug.BuildInfo{}, true, "(devel)"},
		{&debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}}, true,
			"(devel) go1.26.0"},
		{&debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v0.3.1"}}, true,
			"v0.3.1 go1.26.0"},
	}
	for _, tt := range tests {
		got := version(func() (*debug.BuildInfo, bool) { return tt.bi, tt.ok })
		if got != tt.want {
			t.Errorf("version(%+v) = %q, want %q", tt.bi, got, tt.want)
		}
	}
	code, stdout, _ := run(t, nil, "version")
	if code != 0 || !strings.HasPrefix(stdout, "mailwright (devel)") {
		t.Errorf("version: exit %d, %q; want a test binary to be (devel)", code, stdout)
	}
}

// TestTokenImportWithoutProvider: the import warns that renewing needs a
// token endpoint, and refresh then names the command that records one.
func TestTokenImportWithoutProvider(t *testing.T) {
	dir := t.TempDir()
	classic := filepath.Join(dir, "token.txt")
	os.WriteFile(classic, []byte("ya29.classic-access\r\n1//0gClassicRefresh\r\n2030-01-02 03:04:05\r\n"), 0o600)
	store := filepath.Join(dir, "gmail.json")
	_, errOut, code := runCLI(t, nil, "token", "import", "--store", store, "--classic", classic)
	if code != 0 || !strings.HasPrefix(errOut, "warning: "+store+" names no token endpoint") ||
		!strings.Contains(errOut, "--provider google|microsoft") {
		t.Errorf("import: exit %d, stderr %q; want 0 and the warning", code, errOut)
	}
	_, errOut, code = runCLI(t, nil, "token", "refresh", "--store", store)
	if code != 1 || !strings.Contains(errOut, `"mailwright token import --store FILE`) ||
		strings.Contains(errOut, "TokenSource") {
		t.Errorf("refresh: exit %d, stderr %q; want 1 and the CLI fix", code, errOut)
	}
}

// TestDemoRefusesArguments: a stray argument is a usage error, not a run.
func TestDemoRefusesArguments(t *testing.T) {
	code, stdout, stderr := run(t, nil, "demo", "now")
	if code != 2 || stdout != "" || !strings.Contains(stderr, `unexpected argument "now"`) {
		t.Errorf("exit %d, stdout %q, stderr %q; want 2 and a usage error", code, stdout, stderr)
	}
}
