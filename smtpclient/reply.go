// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"bufio"
	"errors"
	"strings"
)

// Bounds on what the client reads from a server (SECURITY rule 5). Postfix
// caps reply lines at 2048 octets; 4096 leaves room for long texts. AUTH
// challenges may be longer (RFC 4954 section 4 names 12288 octets).
const (
	maxReplyLine = 4096
	maxAuthLine  = 12288
	maxReplyRows = 128
	maxReplySize = 64 << 10
	readBufSize  = maxAuthLine + 2
)

// Reply is a complete server reply.
type Reply struct {
	// Code is the three-digit reply code.
	Code int
	// EnhancedCode is the RFC 3463 code of the first line; zero if none.
	EnhancedCode EnhancedCode
	// Message is the text of every line with the codes removed, the lines
	// joined with "\n".
	Message string

	multi bool // more than one line
}

// err turns the reply into an *Error for command.
func (r *Reply) err(command string) *Error {
	return &Error{Command: command, Code: r.Code, EnhancedCode: r.EnhancedCode, Message: r.Message}
}

// errBadReply is the cause wrapped for malformed replies.
var errBadReply = errors.New("bad reply")

// readReply reads one complete reply, enforcing the line, row and size
// bounds and the rule that every line of a multi-line reply carries the
// same code (RFC 5321 section 4.2.1). lineMax is maxReplyLine or, inside
// an AUTH exchange, maxAuthLine. It returns the reply and whether it had
// a malformed reply is a *ProtocolError.
func readReply(br *bufio.Reader, t *tracer, command string, lineMax int) (*Reply, error) {
	var (
		r     Reply
		text  strings.Builder
		total int
	)
	for row := 0; ; row++ {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull || len(line) > lineMax+2 {
			return nil, &ProtocolError{Command: command, Reason: "reply line too long"}
		}
		if err != nil {
			return nil, err
		}
		total += len(line)
		if row >= maxReplyRows || total > maxReplySize {
			return nil, &ProtocolError{Command: command, Reason: "reply too long"}
		}
		line = trimEOL(line)
		t.server(line)
		code, last, reason := parseReplyLine(line)
		if reason != "" {
			return nil, &ProtocolError{Command: command, Reason: reason}
		}
		if row == 0 {
			r.Code = code
		} else if code != r.Code {
			return nil, &ProtocolError{Command: command, Reason: "reply code changed inside a multi-line reply"}
		}
		msg := ""
		if len(line) > 4 {
			msg = string(line[4:])
		}
		if ec, n, ok := parseEnhancedCode(msg); ok && ec[0] == code/100 {
			if row == 0 {
				r.EnhancedCode = ec
			}
			msg = strings.TrimLeft(msg[n:], " ")
		}
		switch row {
		case 0:
			r.Message = msg
		case 1:
			text.WriteString(r.Message)
			fallthrough
		default:
			text.WriteByte('\n')
			text.WriteString(msg)
		}
		if last {
			if row > 0 {
				r.Message = text.String()
				r.multi = true
			}
			return &r, nil
		}
	}
}

// trimEOL removes a trailing CRLF or LF.
func trimEOL(line []byte) []byte {
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line
}

// parseReplyLine checks one reply line without its line end: three digits
// (2-5, 0-5, 0-9), then end, SP or "-". It returns the code, whether this
// is the last line, and a reason when the line is malformed.
func parseReplyLine(line []byte) (code int, last bool, reason string) {
	if len(line) < 3 {
		return 0, false, "reply line shorter than a code"
	}
	d0, d1, d2 := line[0]-'0', line[1]-'0', line[2]-'0'
	if d0 < 2 || d0 > 5 || d1 > 5 || d2 > 9 {
		return 0, false, "reply code is not a valid three-digit code"
	}
	code = int(d0)*100 + int(d1)*10 + int(d2)
	switch {
	case len(line) == 3 || line[3] == ' ':
		return code, true, ""
	case line[3] == '-':
		return code, false, ""
	}
	return 0, false, "reply code not followed by a space or hyphen"
}
