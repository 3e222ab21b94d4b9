// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"time"
)

// tracer writes the dialogue to the caller's trace writer, one "C: " or
// "S: " line per protocol line, with AUTH payloads replaced by [redacted]
// (SECURITY rule 7). It follows the exchange from the lines themselves, as
// a server would parse them: a client line whose first word is AUTH (any
// case, separated by spaces or tabs) starts an exchange, and every client
// line after it is redacted until the server answers with anything but 334.
type tracer struct {
	w      io.Writer
	h      slog.Handler
	inAuth bool
	buf    []byte
}

// redacted replaces secrets in the trace.
const redacted = "[redacted]"

// client traces a line the client sends (without CRLF).
func (t *tracer) client(line []byte) {
	if t == nil {
		return
	}
	if t.inAuth {
		t.emit("C: ", []byte(redacted))
		return
	}
	if out, ok := redactAuth(line); ok {
		t.inAuth = true
		t.emit("C: ", out)
		return
	}
	t.emit("C: ", line)
}

// server traces a line the server sent (without CRLF).
func (t *tracer) server(line []byte) {
	if t == nil {
		return
	}
	if t.inAuth && !bytes.HasPrefix(line, []byte("334")) {
		t.inAuth = false
	}
	t.emit("S: ", line)
}

// note traces a remark that is not a protocol line, such as the size of a
// message body.
func (t *tracer) note(s string) {
	if t != nil {
		t.emit("C: ", []byte(s))
	}
}

func (t *tracer) emit(prefix string, line []byte) {
	if t.h != nil {
		t.record(prefix[:1], line)
	}
	if t.w == nil {
		return
	}
	t.buf = append(t.buf[:0], prefix...)
	t.buf = append(t.buf, line...)
	t.buf = append(t.buf, '\n')
	t.w.Write(t.buf) //nolint:errcheck // a failing trace must not fail the session
}

// record hands one line to the slog.Handler at level Debug.
func (t *tracer) record(dir string, line []byte) {
	ctx := context.Background()
	if !t.h.Enabled(ctx, slog.LevelDebug) {
		return
	}
	r := slog.NewRecord(time.Now(), slog.LevelDebug, "smtp", 0)
	r.AddAttrs(slog.String("dir", dir), slog.String("line", string(line)))
	t.h.Handle(ctx, r) //nolint:errcheck // a failing trace must not fail the session
}

// redactAuth reports whether line is an AUTH command, splitting it into
// words at spaces and tabs as a server's parser does; if so it returns the
// line as "AUTH <mechanism> [redacted]", or "AUTH <mechanism>" when there
// is no initial response.
func redactAuth(line []byte) ([]byte, bool) {
	words := bytes.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' })
	if len(words) == 0 || !bytes.EqualFold(words[0], []byte("AUTH")) {
		return nil, false
	}
	out := []byte("AUTH")
	if len(words) > 1 {
		out = append(out, ' ')
		if isMechanismName(words[1]) {
			out = append(out, words[1]...)
		} else {
			out = append(out, redacted...)
		}
	}
	if len(words) > 2 {
		out = append(out, " "+redacted...)
	}
	return out, true
}

// isMechanismName reports whether b has the shape of a SASL mechanism name
// (RFC 4422 section 3.1: 1 to 20 of A-Z, 0-9, "-" and "_"), in any case.
func isMechanismName(b []byte) bool {
	if len(b) == 0 || len(b) > 20 {
		return false
	}
	for _, c := range b {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}
