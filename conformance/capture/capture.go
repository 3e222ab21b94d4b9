// SPDX-License-Identifier: Apache-2.0

package capture

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode"
)

// Options tunes [Redact].
type Options struct {
	// Secrets are strings that must not survive anywhere in the output,
	// in any line or setting, whatever the protocol state: passwords,
	// tokens, user names. Each occurrence becomes "[redacted]". Secrets
	// are matched case-sensitively. A secret shorter than 4 bytes or
	// holding a line break is refused: it cannot be told apart from the
	// transcript's own text.
	Secrets []string
	// Mode is the transcript's "mode" setting ("plain", "starttls",
	// "opportunistic" or "tls"). When empty, Redact writes "starttls" if
	// the capture shows a STARTTLS, else "plain". A capture cannot show
	// implicit TLS from its lines alone; say "tls" for a port-465 capture.
	Mode string
	// Source fills the transcript's "source" setting.
	Source string
}

// mask replaces a secret; minSecret is the shortest secret accepted.
const (
	mask      = "[redacted]"
	minSecret = 4
)

// maxLine bounds one capture line; longer lines are an error rather than
// a reason to hold arbitrary amounts of memory.
const maxLine = 1 << 20

// dir is the direction of one captured line.
type dir int

const (
	none dir = iota
	client
	server
	tlsStarted
)

// parseLine recognises the two capture formats: "C: "/"S: " (the
// smtpclient trace, and transcripts themselves) and swaks's " -> ",
// "<-  ", " ~> ", "<~  " with "=== " remarks.
func parseLine(line string) (dir, string) {
	switch {
	case strings.HasPrefix(line, "C: "), line == "C:":
		return client, strings.TrimPrefix(strings.TrimPrefix(line, "C:"), " ")
	case strings.HasPrefix(line, "S: "), line == "S:":
		return server, strings.TrimPrefix(strings.TrimPrefix(line, "S:"), " ")
	case strings.HasPrefix(line, " -> "), strings.HasPrefix(line, " ~> "):
		return client, line[4:]
	case line == " ->", line == " ~>":
		return client, ""
	case strings.HasPrefix(line, "<-  "), strings.HasPrefix(line, "<~  "):
		return server, line[4:]
	case strings.HasPrefix(line, "=== TLS started"):
		return tlsStarted, ""
	}
	return none, ""
}

// state follows the SMTP exchange as a server would.
type state struct {
	o        *Options
	out      []string // dialogue lines
	from     string
	to       []string
	ehlo     string
	auth     string
	inAuth   bool     // an AUTH exchange is open: client lines are payloads
	inData   bool     // message text: client lines up to "." are dropped
	pending  []string // commands sent and not answered yet (pipelining)
	tlsNext  bool     // STARTTLS accepted: "@starttls" before the next client line
	sawTLS   bool
	final    string // reply to the last end of data or BDAT LAST
	redactor *strings.Replacer
}

var (
	sizeParam = regexp.MustCompile(`(?i)( SIZE=)[0-9]+`)
	bdatLine  = regexp.MustCompile(`(?i)^BDAT [0-9]+( LAST)?$`)
	bodyNote  = regexp.MustCompile(`^\[message body, [0-9]+ octets( in BDAT chunks)?\]$`)
	pathArg   = regexp.MustCompile(`(?i)^(MAIL FROM|RCPT TO):\s*<([^>]*)>`)
)

// Redact reads a captured SMTP session from r and writes a transcript to
// w: settings that describe the client's job, then the dialogue with
// every SASL payload replaced by <b64>, the message text by <data>, the
// SIZE parameter and BDAT sizes by <num>, and every string of o.Secrets
// by "[redacted]". Lines that are neither client nor server lines
// (remarks, blank lines) are dropped.
//
// The result replays with [github.com/mailwright/mailwright/conformance/replay];
// check its "expect" and "auth" settings before adding it to a corpus:
// Redact cannot know the credentials, so it writes placeholders that the
// <b64> payload lines accept.
func Redact(w io.Writer, r io.Reader, o *Options) error {
	if o == nil {
		o = &Options{}
	}
	st := &state{o: o}
	var pairs []string
	for i, s := range o.Secrets {
		if len(s) < minSecret || strings.ContainsAny(s, "\r\n") {
			return fmt.Errorf("capture: secret %d is shorter than %d bytes or holds a line break", i+1, minSecret)
		}
		pairs = append(pairs, s, mask)
	}
	st.redactor = strings.NewReplacer(pairs...)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	for sc.Scan() {
		d, text := parseLine(strings.TrimRight(sc.Text(), "\r"))
		switch d {
		case client:
			st.client(text)
		case server:
			st.server(text)
		case tlsStarted:
			if st.tlsNext {
				st.out = append(st.out, "@starttls")
				st.tlsNext = false
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("capture: reading the capture: %w", err)
	}
	return st.write(w)
}

func (st *state) client(text string) {
	if st.tlsNext {
		st.out = append(st.out, "@starttls")
		st.tlsNext = false
	}
	switch {
	case bodyNote.MatchString(text):
		// The smtpclient trace stands for the message text in one note.
		if st.inData {
			st.endData()
		}
		return
	case st.inData:
		if text == "." {
			st.endData()
		}
		return
	case st.inAuth:
		st.out = append(st.out, "C: <b64>")
		return
	}
	words := strings.FieldsFunc(text, isSeparator)
	verb := ""
	if len(words) > 0 {
		verb = strings.ToUpper(words[0])
	}
	if isAuthLine(text) {
		// Whatever follows AUTH is split the same way, so that no odd
		// separator (a form feed, a NUL) turns a payload into part of the
		// verb and lets it through (found by FuzzRedact).
		verb, words = "AUTH", append([]string{"AUTH"}, strings.FieldsFunc(text[4:], isSeparator)...)
	}
	st.pending = append(st.pending, verb)
	switch verb {
	case "AUTH":
		st.inAuth = true
		line := "AUTH"
		if len(words) > 1 {
			mech := strings.ToUpper(words[1])
			if !knownMechanisms[mech] {
				// Not a mechanism this redactor knows: it may be a payload
				// sent where the name belongs (found by FuzzRedact).
				mech = "<word>"
			} else if st.auth == "" {
				st.auth = mech
			}
			line += " " + mech
		}
		if len(words) > 2 {
			line += " <b64>"
		}
		st.out = append(st.out, "C: "+line)
		return
	case "EHLO", "HELO", "LHLO":
		if len(words) > 1 && st.ehlo == "" {
			st.ehlo = words[1]
		}
	case "MAIL", "RCPT":
		if m := pathArg.FindStringSubmatch(text); m != nil {
			if verb == "MAIL" {
				st.from = m[2]
			} else {
				st.to = append(st.to, m[2])
			}
		}
		text = sizeParam.ReplaceAllString(text, "${1}<num>")
	case "BDAT":
		if bdatLine.MatchString(text) {
			text = "BDAT <num>" + strings.ToUpper(bdatLine.FindStringSubmatch(text)[1])
		}
	}
	st.out = append(st.out, "C: "+st.redactor.Replace(text))
}

func (st *state) server(text string) {
	st.out = append(st.out, "S: "+st.redactor.Replace(text))
	if len(text) > 3 && text[3] == '-' {
		return // a continuation line: the reply is not complete
	}
	code := text[:min(3, len(text))]
	if len(st.pending) == 0 {
		return // the greeting, or a reply nobody asked for
	}
	cmd := st.pending[0]
	if cmd == "AUTH" && code == "334" {
		return // the exchange goes on; the next client line is a payload
	}
	st.pending = st.pending[1:]
	switch cmd {
	case "AUTH":
		st.inAuth = false
	case "STARTTLS":
		if code == "220" {
			st.tlsNext, st.sawTLS = true, true
		}
	case "DATA":
		if code == "354" {
			st.inData = true
			// The reply to the end of the data comes later.
			st.pending = append([]string{"."}, st.pending...)
		}
	case ".", "BDAT":
		st.final = text
	}
}

// isSeparator reports whether r separates the words of a command line:
// white space and every control character.
func isSeparator(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }

// isAuthLine reports whether a client line is an AUTH command: "AUTH" in
// any case, alone or followed by anything that cannot continue a word.
// Servers differ in what they take as the separator, so a redactor must
// take the widest reading.
func isAuthLine(text string) bool {
	if len(text) < 4 || !strings.EqualFold(text[:4], "AUTH") {
		return false
	}
	if len(text) == 4 {
		return true
	}
	c := text[4]
	return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_')
}

// endData closes the message text.
func (st *state) endData() {
	st.inData = false
	st.out = append(st.out, "C: <data>")
}

// knownMechanisms are the registered SASL mechanism names (and the
// vendor ones seen in SMTP) that are written as they are; any other second
// word of an AUTH line becomes <word>, so that a payload can never pass
// for a name.
var knownMechanisms = map[string]bool{
	"PLAIN": true, "LOGIN": true, "CRAM-MD5": true, "DIGEST-MD5": true, "NTLM": true,
	"GSSAPI": true, "GSS-SPNEGO": true, "XOAUTH": true, "XOAUTH2": true, "OAUTHBEARER": true,
	"SCRAM-SHA-1": true, "SCRAM-SHA-1-PLUS": true, "SCRAM-SHA-256": true, "SCRAM-SHA-256-PLUS": true,
	"ANONYMOUS": true, "EXTERNAL": true, "PLAIN-CLIENTTOKEN": true, "SRP": true, "KERBEROS_V4": true,
}

func (st *state) write(w io.Writer) error {
	var b bytes.Buffer
	b.WriteString("# Redacted by mailwright's conformance/capture: SASL payloads are <b64>,\n")
	b.WriteString("# the message text is <data>. Check the expect and auth settings.\n")
	set := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%s: %s\n", k, st.redactor.Replace(v))
		}
	}
	set("source", st.o.Source)
	mode := st.o.Mode
	if mode == "" {
		mode = "plain"
		if st.sawTLS {
			mode = "starttls"
		}
	}
	set("mode", mode)
	set("ehlo", st.ehlo)
	if st.auth != "" {
		set("auth", st.auth+" user password")
	}
	set("from", st.from)
	for _, t := range st.to {
		set("to", t)
	}
	set("expect", expectation(st.final))
	for _, l := range st.out {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	out, err := st.scrub(b.String())
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, out)
	return err
}

// scrub removes the secrets from every line of the finished transcript,
// whole lines included, so that a secret made of a line's fixed prefix
// and captured text is caught too. Replacing may itself form a secret
// again (a secret that overlaps the mask), so it repeats; a line that
// still holds a secret is dropped. If a secret survives even then, it is
// part of the transcript's own wording and Redact fails rather than
// write it.
func (st *state) scrub(text string) (string, error) {
	if len(st.o.Secrets) == 0 {
		return text, nil
	}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		for range 4 {
			if !st.holdsSecret(l) {
				break
			}
			l = st.redactor.Replace(l)
		}
		if st.holdsSecret(l) {
			l = "# (line dropped: it still held a secret)"
		}
		lines[i] = l
	}
	out := strings.Join(lines, "\n")
	if st.holdsSecret(out) {
		return "", fmt.Errorf("capture: a secret is part of the transcript's own wording; it cannot be redacted")
	}
	return out, nil
}

func (st *state) holdsSecret(s string) bool {
	for _, sec := range st.o.Secrets {
		if strings.Contains(s, sec) {
			return true
		}
	}
	return false
}

// expectation turns the reply to the end of the message into an "expect"
// setting.
func expectation(final string) string {
	if final == "" {
		return ""
	}
	if final[0] == '2' {
		return "ok"
	}
	f := strings.Fields(final)
	if len(f) > 1 && isEnhanced(f[1]) {
		return "error " + f[0] + " " + f[1]
	}
	return "error " + f[0]
}

func isEnhanced(s string) bool {
	p := strings.Split(s, ".")
	if len(p) != 3 || len(p[0]) != 1 || (p[0] != "2" && p[0] != "4" && p[0] != "5") {
		return false
	}
	for _, x := range p[1:] {
		if x == "" || len(x) > 3 || strings.Trim(x, "0123456789") != "" {
			return false
		}
	}
	return true
}
