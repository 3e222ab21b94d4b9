// SPDX-License-Identifier: Apache-2.0

package mime

import "strings"

// Line limits of RFC 5322 §2.1.1 and RFC 2047 §2.
const (
	foldAt      = 78  // preferred longest line, CRLF excluded
	foldAtWords = 76  // longest line that holds an encoded word
	maxLine     = 998 // longest line allowed, CRLF excluded
	minWordRoom = 24  // smallest room worth starting an encoded word in
)

// headerBuf renders header fields, folding them (RFC 5322 §2.2.3) only by
// putting CRLF in front of white space that separates two tokens, so that
// unfolding gives back the unfolded field exactly.
type headerBuf struct {
	b       []byte
	lineLen int  // octets on the current physical line
	hasWord bool // the current line holds an encoded word
	first   bool // no token written yet in this field's body
	empty   bool // the last token was empty (a run of spaces)
	err     error
}

// field starts a header field called name.
func (h *headerBuf) field(name string) {
	h.b = append(h.b, name...)
	h.b = append(h.b, ':')
	h.lineLen, h.hasWord, h.first, h.empty = len(name)+1, false, true, false
}

// end finishes the current field.
func (h *headerBuf) end() {
	h.b = append(h.b, '\r', '\n')
}

// tok appends one unbreakable token after a space, folding in front of
// the space when the line would grow past its limit. The first token of
// a field stays on the name's line unless it is an encoded word that does
// not fit there. A fold is never put next to a run of spaces, since some
// readers collapse the white space around a fold.
func (h *headerBuf) tok(t token) {
	limit := foldAt
	if h.hasWord || t.word {
		limit = foldAtWords
	}
	over := h.lineLen+1+len(t.s) > limit
	canFold := h.lineLen > 1 && t.s != "" && !h.empty && (!h.first || t.word)
	if over && canFold {
		h.b = append(h.b, '\r', '\n')
		h.lineLen, h.hasWord = 0, false
	}
	h.b = append(h.b, ' ')
	h.b = append(h.b, t.s...)
	h.lineLen += 1 + len(t.s)
	h.hasWord = h.hasWord || t.word
	h.first, h.empty = false, t.s == ""
	if h.lineLen > maxLine && h.err == nil {
		h.err = &Error{Reason: "header line longer than 998 octets cannot be folded"}
	}
}

// words appends text as encoded words, the first sized to the room left
// on the current line.
func (h *headerBuf) words(text string) {
	first := min(maxWordLen, foldAtWords-h.lineLen-1)
	if first < minWordRoom {
		first = maxWordLen
	}
	for _, w := range encodeWords(text, first, maxWordLen) {
		h.tok(token{s: w, word: true})
	}
}

// text appends unstructured text (RFC 5322 §3.2.5): as it is, split at
// its spaces, when it is printable ASCII, otherwise as encoded words.
// With encodeLong, text with a run too long to fit a line is encoded
// too, since encoded words can be broken anywhere.
func (h *headerBuf) text(s string, encodeLong bool) {
	long := encodeLong && longestRun(s) > maxLine-h.lineLen-1
	if long || needsEncoding(s) || strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") {
		h.words(s)
		return
	}
	for _, w := range strings.Split(s, " ") {
		h.tok(token{s: w})
	}
}

// addressList appends addresses separated by ", " (CASE-06: a space after
// every comma, so that a relay's refolding cannot change the relaxed
// canonical form).
func (h *headerBuf) addressList(list []Address) {
	for i, a := range list {
		toks := a.tokens()
		if i < len(list)-1 {
			toks[len(toks)-1].s += ","
		}
		for _, t := range toks {
			h.tok(t)
		}
	}
}

// unstructured writes a whole field of unstructured text; see text.
func (h *headerBuf) unstructured(name, value string, encodeLong bool) {
	h.field(name)
	h.text(value, encodeLong)
	h.end()
}

// longestRun returns the length of the longest run of s without a space.
func longestRun(s string) int {
	n := 0
	for _, w := range strings.Split(s, " ") {
		n = max(n, len(w))
	}
	return n
}
