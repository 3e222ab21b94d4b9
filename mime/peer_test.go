// SPDX-License-Identifier: Apache-2.0

package mime

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// pyResult is what testdata/pyread.py reports about one message.
type pyResult struct {
	Defects  []string `json:"defects"`
	Subject  string   `json:"subject"`
	FromName string   `json:"from_name"`
	FromAddr string   `json:"from_addr"`
	Parts    []struct {
		Type     string `json:"type"`
		Filename string `json:"filename"`
		Body     []byte `json:"body"`
	} `json:"parts"`
}

// python3 returns the path of python3, or skips the test when there is
// none; with MAILPEERS=1 (as CI sets) a missing peer fails the test.
func python3(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err == nil {
		return py
	}
	if os.Getenv("MAILPEERS") == "1" {
		t.Fatalf("MAILPEERS=1 but python3 is not installed: %v", err)
	}
	t.Skip("python3 is not installed; it is the second message reader (set MAILPEERS=1 to require it)")
	return ""
}

// pyRead runs all messages through testdata/pyread.py in one process.
func pyRead(t *testing.T, py string, msgs [][]byte) []pyResult {
	t.Helper()
	in, err := json.Marshal(msgs)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "testdata/pyread.py")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pyread.py: %v\n%s", err, stderr.Bytes())
	}
	var r []pyResult
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("pyread.py output %q: %v", out, err)
	}
	if len(r) != len(msgs) {
		t.Fatalf("pyread.py read %d messages of %d", len(r), len(msgs))
	}
	return r
}

// lf turns CRLF into LF: Python's quoted-printable decoder ends lines in
// LF where base64 keeps the CRLF that was encoded.
func lf(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// checkPython asserts that Python's email package reads msg, written from
// m, without a defect and with the Subject, From and parts that Go's
// readers see (which the other tests hold to the input).
func checkPython(t *testing.T, r *pyResult, m *Message, msg []byte) {
	t.Helper()
	if len(r.Defects) != 0 {
		t.Errorf("Python finds defects %q in:\n%s", r.Defects, msg)
	}
	if r.Subject != m.Subject {
		t.Errorf("Python reads Subject %q, want %q", r.Subject, m.Subject)
	}
	// Python reduces each run of white space in a display name to one
	// space, even inside an encoded word; a phrase's spacing carries no
	// meaning (RFC 5322 §3.2.2), so the names are compared that way.
	if collapse(r.FromName) != collapse(m.From.Name) || r.FromAddr != m.From.Addr {
		t.Errorf("Python reads From %q <%s>, want %q <%s>", r.FromName, r.FromAddr, m.From.Name, m.From.Addr)
	}
	_, leaves := parseMessage(t, msg)
	if len(r.Parts) != len(leaves) {
		t.Fatalf("Python reads %d parts, Go %d", len(r.Parts), len(leaves))
	}
	for i, l := range leaves {
		p := r.Parts[i]
		body, want := string(p.Body), l.Body
		if strings.HasPrefix(l.MediaType, "text/") {
			body, want = lf(body), lf(want)
		}
		if p.Type != l.MediaType || p.Filename != l.DispParams["filename"] || body != want {
			t.Errorf("part %d: Python reads %s %q %q, Go %s %q %q", i, p.Type, p.Filename, body,
				l.MediaType, l.DispParams["filename"], want)
		}
	}
}

// TestPeerTierPythonReader checks the golden messages and random ones with
// non-ASCII subjects, display names, file names and bodies against a
// second, independent reader: Python's email package with its modern
// policy, which reports every structural and header defect it finds.
func TestPeerTierPythonReader(t *testing.T) {
	py := python3(t)
	var names []string
	var msgs []*Message
	golden := goldenMessages()
	for name := range golden {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		msgs = append(msgs, golden[name])
	}
	r := rand.New(rand.NewPCG(11, 12))
	pieces := []string{"a", "Word", " ", "é", "Grüße", "日本", "😀", "=?", "?=", "\"", ",", ";", "(", "x=y", "_", "."}
	text := func(n int) string {
		var b strings.Builder
		for b.Len() < n {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		return strings.TrimSpace(b.String())
	}
	for i := 0; len(msgs) < len(golden)+100; i++ {
		m := baseMessage()
		m.Subject = text(r.IntN(150))
		m.From.Name = text(r.IntN(40))
		m.Text = text(r.IntN(400)) + "\n"
		m.HTML = "<p>" + text(r.IntN(400)) + "</p>\n"
		m.Attachments = []Attachment{{Filename: text(1+r.IntN(60)) + ".txt", Data: []byte(text(200))}}
		if m.Validate() == nil { // not a refused input, such as a subject holding "=?" words
			names = append(names, fmt.Sprintf("random %d", i))
			msgs = append(msgs, m)
		}
	}
	wire := make([][]byte, len(msgs))
	for i, m := range msgs {
		wire[i] = write(t, m)
	}
	for i, res := range pyRead(t, py, wire) {
		t.Run(names[i], func(t *testing.T) {
			checkPython(t, &res, msgs[i], wire[i])
		})
	}
}
