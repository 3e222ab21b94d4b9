// SPDX-License-Identifier: Apache-2.0

package saslmech

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// conv sends one client line and returns the server's reply code and text.
type conv func(line string) (code int, text string, err error)

// maxRounds bounds an exchange: no mechanism here needs more than four
// challenges, so a server that keeps challenging is cut off (SEC-36).
const maxRounds = 8

var b64 = base64.StdEncoding

// authenticate drives m over c exactly as the [Mechanism] contract says
// a protocol client does, with SMTP AUTH framing (RFC 4954).
func authenticate(m Mechanism, s *ServerInfo, c conv) error {
	if err := Permit(m, s); err != nil {
		return err
	}
	ir, err := m.Start(s)
	if err != nil {
		return err
	}
	line := "AUTH " + m.Name()
	if ir != nil {
		line += " " + encodeResponse(ir)
	}
	code, text, err := c(line)
	for round := 0; err == nil; round++ {
		switch {
		case code == 235:
			if f, ok := m.(Finisher); ok {
				return f.Finish()
			}
			return nil
		case code != 334:
			return fmt.Errorf("server: %d %s", code, text)
		case round == maxRounds:
			c("*")
			return errors.New("driver: too many challenges")
		}
		ch, derr := b64.DecodeString(text)
		if derr != nil {
			c("*")
			return fmt.Errorf("driver: challenge not base64: %w", derr)
		}
		resp, merr := m.Next(ch)
		if merr != nil && resp == nil {
			c("*")
			return merr
		}
		code, text, err = c(b64.EncodeToString(resp))
		if merr != nil {
			if err == nil && code == 235 {
				return fmt.Errorf("driver: server accepted after a mechanism error: %w", merr)
			}
			return merr
		}
	}
	return err
}

// encodeResponse writes an initial response: "=" for an empty one.
func encodeResponse(ir []byte) string {
	if len(ir) == 0 {
		return "="
	}
	return b64.EncodeToString(ir)
}

// script is a fake server that replays a transcript: each client line must
// match the next "C:" line, and the "S:" line after it is the reply.
type script struct {
	t     *testing.T
	lines []string
	pos   int
	sent  []string
}

func (s *script) conv(line string) (int, string, error) {
	s.t.Helper()
	s.sent = append(s.sent, line)
	if s.pos >= len(s.lines) {
		s.t.Fatalf("client sent %q after the end of the script", line)
	}
	want := strings.TrimPrefix(s.lines[s.pos], "C: ")
	if line != want {
		s.t.Fatalf("client line %d = %q, want %q", s.pos, line, want)
	}
	s.pos++
	if s.pos >= len(s.lines) {
		return 0, "", errors.New("script: no reply")
	}
	reply := strings.TrimPrefix(s.lines[s.pos], "S: ")
	s.pos++
	var code int
	fmt.Sscanf(reply, "%d", &code)
	text := strings.TrimPrefix(reply[3:], " ")
	return code, text, nil
}

// done fails the test when lines of the script were not played.
func (s *script) done() {
	s.t.Helper()
	if s.pos != len(s.lines) {
		s.t.Errorf("script stopped at line %d of %d: %q", s.pos, len(s.lines), s.lines[s.pos])
	}
}

func replay(t *testing.T, lines ...string) *script {
	return &script{t: t, lines: lines}
}

// loadVector reads testdata/vectors/name into v.
func loadVector(t *testing.T, name string, v any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "vectors", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// tlsInfo is a TLS connection to a remote test host.
func tlsInfo() *ServerInfo {
	return &ServerInfo{Host: "mail.example.test", TLS: true}
}
