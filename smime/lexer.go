// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// The lexer cuts a MIME entity, read as a stream, into line text, line
// ends and the delimiter lines of the multiparts it is inside, so that
// canonicalization never needs more than one buffer of it at a time.
//
// Lines end as toCRLF ends them: at LF, CRLF or a lone CR. A line break
// in front of a delimiter line belongs to the delimiter (RFC 2046
// §5.1.1), so the lexer reads one line ahead before it hands out a line
// end. Lines longer than the buffer come out in several text tokens; a
// delimiter line longer than the buffer (only possible with absurd
// amounts of trailing white space) is not recognised.

// lexBufSize is the lexer's buffer: the longest piece of a line handed out
// at once, and the longest delimiter line recognised. Tests make it
// smaller to reach its edges.
var lexBufSize = 64 << 10

type tokKind int

const (
	tokText  tokKind = iota // text of a line, without its end
	tokEOL                  // a line end that is content
	tokDelim                // a delimiter line of bounds[level]
	tokEOF                  // the end of the input
)

type token struct {
	kind  tokKind
	data  []byte // tokText: valid until the next call; tokEOL: the line end as it was
	level int    // tokDelim: index into bounds
	close bool   // tokDelim: the closing delimiter
}

type lexer struct {
	r    *bufio.Reader
	size int // of r's buffer
	// bounds are "--" + boundary of each multipart the reader is inside,
	// outermost first. Callers push and pop.
	bounds [][]byte
	// discard is how much of the buffer the last token used.
	discard int
	// lineStart means that the next byte starts a line, which may be a
	// delimiter line.
	lineStart bool
	err       error
}

func newLexer(r io.Reader) *lexer {
	return &lexer{r: bufio.NewReaderSize(r, lexBufSize), size: lexBufSize, lineStart: true}
}

var (
	eolCRLF = []byte("\r\n")
	eolLF   = []byte("\n")
	eolCR   = []byte("\r")
)

// next returns the next token.
func (l *lexer) next() (token, error) {
	if l.err != nil {
		return token{}, l.err
	}
	if l.discard > 0 {
		l.r.Discard(l.discard) // buffered, cannot fail
		l.discard = 0
	}
	if l.lineStart {
		l.lineStart = false
		if t, ok, err := l.delimiter(); err != nil || ok {
			return t, l.fail(err)
		}
	}
	win, i, err := l.window()
	if err != nil {
		return token{}, l.fail(err)
	}
	if len(win) == 0 {
		return token{kind: tokEOF}, nil
	}
	switch {
	case i < 0:
		l.discard = len(win) // a piece of a long line, or the last line
		return token{kind: tokText, data: win}, nil
	case i > 0:
		l.discard = i
		return token{kind: tokText, data: win[:i]}, nil
	}
	eol := eolLF
	if win[0] == '\r' {
		eol = eolCR
		if len(win) > 1 && win[1] == '\n' {
			eol = eolCRLF
		}
	}
	l.r.Discard(len(eol))
	t, ok, err := l.delimiter()
	if err != nil || ok {
		return t, l.fail(err) // the line end belongs to the delimiter
	}
	l.lineStart = true // checked again on the next call: bounds may change
	return token{kind: tokEOL, data: eol}, nil
}

// fail records a read error other than the end of the input.
func (l *lexer) fail(err error) error {
	if err != nil {
		l.err = err
	}
	return err
}

// delimiter consumes the line at the read position, and its line end,
// when it is a delimiter line of one of the bounds (the outermost first,
// as an outer delimiter ends the inner parts too).
func (l *lexer) delimiter() (token, bool, error) {
	if len(l.bounds) == 0 {
		return token{}, false, nil
	}
	if b, _ := l.r.Peek(2); len(b) < 2 || b[0] != '-' || b[1] != '-' {
		return token{}, false, nil
	}
	win, end, err := l.window()
	if err != nil {
		return token{}, false, err
	}
	line, n := win, len(win)
	switch {
	case end >= 0:
		line, n = win[:end], end+1
		if win[end] == '\r' && end+1 < len(win) && win[end+1] == '\n' {
			n++
		}
	case len(win) == l.size:
		return token{}, false, nil // longer than the buffer
	}
	for level, dash := range l.bounds {
		if close, ok := delimiter(line, dash); ok {
			l.r.Discard(n)
			l.lineStart = true
			return token{kind: tokDelim, level: level, close: close}, true, nil
		}
	}
	return token{}, false, nil
}

// window returns the buffered input from the read position, and where
// the first line end in it is (-1: none): it holds at least one whole
// line, with its line end and the byte after a CR, unless the line is
// longer than the buffer or the input ends first. It reads only when the
// buffered bytes do not hold that, so that most calls copy nothing.
func (l *lexer) window() ([]byte, int, error) {
	win, _ := l.r.Peek(l.r.Buffered())
	if i := lineEnd(win); i >= 0 && i+1 < len(win) {
		return win, i, nil
	}
	win, err := l.r.Peek(l.size)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, -1, err
	}
	return win, lineEnd(win), nil
}

// lineEnd returns the index of the first CR or LF in b, or -1.
func lineEnd(b []byte) int {
	i := bytes.IndexByte(b, '\n')
	lim := i
	if i < 0 {
		lim = len(b)
	}
	if j := bytes.IndexByte(b[:lim], '\r'); j >= 0 {
		return j
	}
	return i
}

func (l *lexer) push(boundary string) { l.bounds = append(l.bounds, []byte("--"+boundary)) }

func (l *lexer) pop() { l.bounds = l.bounds[:len(l.bounds)-1] }

// depth is the number of open multiparts.
func (l *lexer) depth() int { return len(l.bounds) }
