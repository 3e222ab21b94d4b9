// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// SEC-34: inline AUTH payloads are redacted however the line is spelt.
func TestRedactAuthSEC34(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"AUTH PLAIN dGVzdAB0ZXN0ADEyMzQ=", "AUTH PLAIN [redacted]"},
		{"AUTH\tPLAIN\tdGVzdAB0ZXN0ADEyMzQ=", "AUTH PLAIN [redacted]"},
		{"auth plain dGVzdAB0ZXN0ADEyMzQ=", "AUTH plain [redacted]"},
		{"  AUTH  PLAIN   dGVz  more", "AUTH PLAIN [redacted]"},
		{"AUTH LOGIN", "AUTH LOGIN"},
		{"AUTH", "AUTH"},
		{"AUTH secret=value", "AUTH [redacted]"},
		{"AUTH PLAIN =", "AUTH PLAIN [redacted]"},
	}
	for _, tt := range tests {
		got, ok := redactAuth([]byte(tt.in))
		if !ok || string(got) != tt.want {
			t.Errorf("redactAuth(%q) = %q, %v, want %q", tt.in, got, ok, tt.want)
		}
	}
	for _, in := range []string{"MAIL FROM:<a@b>", "AUTHX PLAIN x", "EHLO auth"} {
		if _, ok := redactAuth([]byte(in)); ok {
			t.Errorf("redactAuth(%q) treated it as AUTH", in)
		}
	}
}

// SEC-34, SEC-35: the tracer redacts every client line from AUTH until a
// reply other than 334.
func TestTracerSEC35(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	tr := &tracer{w: &buf}
	tr.client([]byte("auth login"))
	tr.server([]byte("334 VXNlcm5hbWU6"))
	tr.client([]byte("dXNlcg=="))
	tr.server([]byte("334 UGFzc3dvcmQ6"))
	tr.client([]byte("cGFzcw=="))
	tr.server([]byte("235 2.7.0 ok"))
	tr.client([]byte("MAIL FROM:<a@example.com>"))
	want := "C: AUTH login\nS: 334 VXNlcm5hbWU6\nC: [redacted]\nS: 334 UGFzc3dvcmQ6\nC: [redacted]\n" +
		"S: 235 2.7.0 ok\nC: MAIL FROM:<a@example.com>\n"
	if buf.String() != want {
		t.Errorf("trace:\n%s\nwant:\n%s", buf.String(), want)
	}
}

// FuzzRedactAuth holds SEC-34 for every line a server would read as AUTH
// (first word AUTH in any case, words split at SP and HT): the output is
// "AUTH", the mechanism only when it has the shape of a mechanism name,
// and nothing else of the line.
func FuzzRedactAuth(f *testing.F) {
	for _, s := range []string{"AUTH PLAIN dGVzdA==", "auth\tplain\tx", "AUTH x y z", "AUTH"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		words := strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' })
		out, ok := redactAuth([]byte(line))
		isAuth := len(words) > 0 && strings.EqualFold(words[0], "AUTH")
		if ok != isAuth {
			t.Fatalf("redactAuth(%q) ok = %v, want %v", line, ok, isAuth)
		}
		if !ok {
			return
		}
		want := "AUTH"
		if len(words) > 1 {
			if isMechanismName([]byte(words[1])) {
				want += " " + words[1]
			} else {
				want += " " + redacted
			}
		}
		if len(words) > 2 {
			want += " " + redacted
		}
		if string(out) != want {
			t.Fatalf("redactAuth(%q) = %q, want %q", line, out, want)
		}
	})
}

// SEC-35 through a slog.Handler: the same redacted lines arrive as Debug
// records with dir and line attributes, and a handler that is not enabled
// for Debug gets nothing.
func TestTraceHandlerSEC35(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	h := slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}})
	tr := &tracer{h: h}
	tr.client([]byte("AUTH PLAIN dXNlcgB1c2VyAHNlY3JldA=="))
	tr.server([]byte("235 2.7.0 ok"))
	want := `level=DEBUG msg=smtp dir=C line="AUTH PLAIN [redacted]"` + "\n" +
		`level=DEBUG msg=smtp dir=S line="235 2.7.0 ok"` + "\n"
	if buf.String() != want {
		t.Errorf("records:\n%s\nwant:\n%s", buf.String(), want)
	}
	var quiet bytes.Buffer
	tr = &tracer{h: slog.NewTextHandler(&quiet, nil)}
	tr.client([]byte("NOOP"))
	if quiet.Len() != 0 {
		t.Errorf("an Info handler got %q", quiet.String())
	}
}
