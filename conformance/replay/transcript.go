// SPDX-License-Identifier: Apache-2.0

package replay

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Op is the kind of one step of a transcript.
type Op int

const (
	// Send is a server line ("S:"), written with CRLF appended.
	Send Op = iota
	// Expect is a client line ("C:") the client must send next.
	Expect
	// ExpectData is "C: <data>": the client's message text up to and
	// including the line ".", recorded for the test to inspect.
	ExpectData
	// Raw writes bytes exactly as given ("@raw" with a Go-quoted string).
	Raw
	// Flush writes what is buffered now ("@flush").
	Flush
	// StartTLS performs the server side of a TLS handshake ("@starttls").
	StartTLS
	// Close closes the connection ("@close").
	Close
	// Stall stops answering for a while or until the client hangs up
	// ("@stall" or "@stall 2s").
	Stall
	// Repeat writes Go-quoted bytes Count times, streamed ("@repeat N
	// text"), for floods such as an endless multi-line reply. A client
	// that hangs up during the flood ends the dialogue without error.
	Repeat
)

// Step is one line of a transcript.
type Step struct {
	Op    Op
	Text  string         // Send, Expect: the line without prefix; Raw: the bytes
	re    *regexp.Regexp // Expect: the line with placeholders compiled
	Wait  time.Duration  // Stall: how long (0 = until the client hangs up)
	Count int            // Repeat: how many times Text is written
	Line  int            // line number in the transcript file
}

// Transcript is a parsed transcript: settings from its header lines and the
// steps of the dialogue.
type Transcript struct {
	Name     string
	Settings map[string][]string // "key: value" lines before the dialogue
	Steps    []Step
}

// Get returns the first value of a setting, or "".
func (t *Transcript) Get(key string) string {
	if v := t.Settings[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// placeholders maps the names usable inside "C:" lines to what they match.
var placeholders = map[string]string{
	"<b64>":      `[A-Za-z0-9+/]*={0,2}`,
	"<any>":      `.*`,
	"<word>":     `[^ ]+`,
	"<num>":      `[0-9]+`,
	"<hostname>": `[A-Za-z0-9.\-\[\]:]+`,
}

var placeholderRE = regexp.MustCompile(`<(b64|any|word|num|hostname)>`)

// compile turns a client line with placeholders into an anchored regexp.
func compile(line string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	last := 0
	for _, m := range placeholderRE.FindAllStringIndex(line, -1) {
		b.WriteString(regexp.QuoteMeta(line[last:m[0]]))
		b.WriteString(placeholders[line[m[0]:m[1]]])
		last = m[1]
	}
	b.WriteString(regexp.QuoteMeta(line[last:]))
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// Match reports whether a client line (without CRLF) is what step s expects.
func (s *Step) Match(line string) bool { return s.re.MatchString(line) }

// Parse reads a transcript. Lines before the first dialogue line are
// settings ("key: value") or comments ("#"); then each line is "S: text",
// "C: text" or a directive starting with "@".
func Parse(name string, r io.Reader) (*Transcript, error) {
	t := &Transcript{Name: name, Settings: map[string][]string{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if err := t.parseLine(line, n); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(t.Steps) == 0 {
		return nil, fmt.Errorf("%s: no dialogue", name)
	}
	return t, nil
}

func (t *Transcript) parseLine(line string, n int) error {
	switch {
	case line == "" || strings.HasPrefix(line, "#"):
		return nil
	case strings.HasPrefix(line, "S: ") || line == "S:":
		t.add(Step{Op: Send, Text: strings.TrimPrefix(strings.TrimPrefix(line, "S:"), " "), Line: n})
	case strings.HasPrefix(line, "C: ") || line == "C:":
		text := strings.TrimPrefix(strings.TrimPrefix(line, "C:"), " ")
		if text == "<data>" {
			t.add(Step{Op: ExpectData, Line: n})
			return nil
		}
		if !utf8.ValidString(text) {
			return fmt.Errorf("client line is not valid UTF-8; write 8-bit octets with <any>")
		}
		t.add(Step{Op: Expect, Text: text, re: compile(text), Line: n})
	case strings.HasPrefix(line, "@"):
		return t.parseDirective(line, n)
	case len(t.Steps) == 0:
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return fmt.Errorf("setting %q has no colon", line)
		}
		k = strings.ToLower(strings.TrimSpace(k))
		t.Settings[k] = append(t.Settings[k], strings.TrimSpace(v))
	default:
		return fmt.Errorf("line %q is not S:, C: or a directive", line)
	}
	return nil
}

func (t *Transcript) parseDirective(line string, n int) error {
	word, arg, _ := strings.Cut(line[1:], " ")
	arg = strings.TrimSpace(arg)
	switch word {
	case "raw":
		s, err := strconv.Unquote(arg)
		if err != nil {
			return fmt.Errorf("@raw wants a Go-quoted string: %v", err)
		}
		t.add(Step{Op: Raw, Text: s, Line: n})
	case "repeat":
		count, text, _ := strings.Cut(arg, " ")
		c, err := strconv.Atoi(count)
		if err != nil || c < 1 {
			return fmt.Errorf("@repeat wants a positive count, got %q", count)
		}
		s, err := strconv.Unquote(strings.TrimSpace(text))
		if err != nil || s == "" {
			return fmt.Errorf("@repeat wants a non-empty Go-quoted string")
		}
		t.add(Step{Op: Repeat, Text: s, Count: c, Line: n})
	case "flush":
		t.add(Step{Op: Flush, Line: n})
	case "starttls":
		t.add(Step{Op: StartTLS, Line: n})
	case "close":
		t.add(Step{Op: Close, Line: n})
	case "stall":
		var d time.Duration
		if arg != "" {
			var err error
			if d, err = time.ParseDuration(arg); err != nil {
				return fmt.Errorf("@stall: %v", err)
			}
		}
		t.add(Step{Op: Stall, Wait: d, Line: n})
	default:
		return fmt.Errorf("unknown directive @%s", word)
	}
	return nil
}

func (t *Transcript) add(s Step) { t.Steps = append(t.Steps, s) }
