// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	stdmime "mime"
	"strings"
)

// maxDepth bounds the nesting of multiparts and messages in an entity.
const maxDepth = 32

// maxLine is the longest line left unencoded (RFC 5322 §2.1.1).
const maxLine = 998

// maxHeader bounds the header of one entity or part, which is the only
// piece of the input held whole.
const maxHeader = 1 << 20

// sideSpoolMem is how much of a part's body is kept in memory while it is
// decided how the part must be encoded; more goes to an encrypted
// temporary file (see spool).
const sideSpoolMem = 256 << 10

// canonicalizeTo reads a MIME entity from r and writes its canonical form
// to w (RFC 8551 §3.1): CRLF line ends everywhere (a bare CR or LF in a
// body becomes CRLF; in a header it is refused), every leaf part 7-bit
// with lines of at most 998 octets and no NUL (8-bit or long-lined text
// re-encoded as quoted-printable, other content as base64 at 76 columns,
// base64 always in 76-column lines), no trailing white space on any line
// and no quoted-printable body ending in a soft line break. A multipart
// keeps its preamble only when it is already in that shape, and loses its
// epilogue, which receivers ignore (RFC 2046 §5.1.1) and relays rewrite.
// Parts already in canonical form come out byte for byte.
//
// It streams: only one header, a buffer of the input and, for a
// quoted-printable or unencoded part whose encoding depends on all its
// content, sideSpoolMem bytes of that part are held; the rest of such a
// part waits in an encrypted temporary file in dir. On error, what was
// written to w is not canonical and must be thrown away.
func canonicalizeTo(w io.Writer, r io.Reader, dir string) error {
	c := &canonicalizer{lx: newLexer(r), out: w, dir: dir}
	end, err := c.entity(0)
	if err != nil {
		return err
	}
	if end.kind != tokEOF {
		return fmt.Errorf("smime: internal error: entity ended at token %d", end.kind)
	}
	return nil
}

// canonicalize is canonicalizeTo for an entity in memory.
func canonicalize(b []byte) ([]byte, error) {
	var out bytes.Buffer
	out.Grow(len(b) + len(b)/16)
	if err := canonicalizeTo(&out, bytes.NewReader(b), ""); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

type canonicalizer struct {
	lx  *lexer
	out io.Writer
	dir string
}

// write writes canonical output; the error is the writer's (a full disk
// under the spool).
func (c *canonicalizer) write(p []byte) error {
	_, err := c.out.Write(p)
	return err
}

func (c *canonicalizer) writeString(s string) error {
	_, err := io.WriteString(c.out, s)
	return err
}

// entity canonicalizes one entity, header and body, read up to the end of
// its part: a delimiter line of an enclosing multipart, or the end of the
// input. It returns that token.
func (c *canonicalizer) entity(depth int) (token, error) {
	if depth > maxDepth {
		return token{}, formatErrorf("entity nested deeper than %d levels", maxDepth)
	}
	fields, end, err := readHeader(c.lx)
	if err != nil {
		return token{}, err
	}
	for i := range fields {
		if err := cleanField(&fields[i]); err != nil {
			return token{}, err
		}
	}
	mediatype, params := "text/plain", map[string]string{}
	if ct, ok := lookup(fields, "Content-Type"); ok {
		if mediatype, params, err = stdmime.ParseMediaType(ct); err != nil {
			return token{}, formatErrorf("Content-Type %q: %v", ct, err)
		}
	}
	cte, _ := lookup(fields, "Content-Transfer-Encoding")
	cte = strings.ToLower(cte)

	composite := strings.HasPrefix(mediatype, "multipart/") || mediatype == "message/rfc822"
	if composite {
		// Only an identity encoding is allowed (RFC 2046 §5.1, §5.2.1).
		newCTE := ""
		switch cte {
		case "", "7bit":
		case "8bit", "binary":
			newCTE = "7bit"
		default:
			return token{}, formatErrorf("composite entity with Content-Transfer-Encoding %q", cte)
		}
		if err := c.write(header(fields, newCTE)); err != nil {
			return token{}, err
		}
		if mediatype == "message/rfc822" {
			return c.entity(depth + 1)
		}
		return c.multipart(params["boundary"], depth)
	}
	return c.leaf(mediatype, cte, fields, end)
}

// readHeader reads an entity's header from lx, up to and including the
// empty line that ends it (found as splitHeader finds it: lines end at
// LF). When the part ends first, end is the token that ended it: the
// entity is then empty (no header and no body) or malformed.
func readHeader(lx *lexer) (fields []rawField, end *token, err error) {
	var h []byte
	lineStart := 0 // where the current LF-ended line starts in h
	for {
		t, err := lx.next()
		if err != nil {
			return nil, nil, err
		}
		switch t.kind {
		case tokText:
			h = append(h, t.data...)
		case tokEOL:
			h = append(h, t.data...)
			if t.data[len(t.data)-1] == '\n' {
				line := bytes.TrimSuffix(h[lineStart:len(h)-1], []byte("\r"))
				if len(line) == 0 {
					fields, _, err := splitHeader(h)
					return fields, nil, err
				}
				lineStart = len(h)
			}
		default:
			if len(h) == 0 {
				return nil, &t, nil
			}
			_, _, err := splitHeader(h) // says what is wrong
			if err == nil {
				err = formatErrorf("no empty line between header and body")
			}
			return nil, nil, err
		}
		if len(h) > maxHeader {
			return nil, nil, formatErrorf("header of an entity longer than %d octets", maxHeader)
		}
	}
}

func checkBoundary(boundary string) error {
	if strings.HasSuffix(boundary, " ") || len(boundary) > 70 {
		return formatErrorf("multipart boundary %q is not valid (RFC 2046 §5.1.1)", boundary)
	}
	if boundary == "" {
		return formatErrorf("multipart without boundary")
	}
	return nil
}

// multipart canonicalizes a multipart body: the preamble when it is
// already canonical, each part, the closing delimiter; the epilogue is
// read and dropped.
func (c *canonicalizer) multipart(boundary string, depth int) (token, error) {
	if err := checkBoundary(boundary); err != nil {
		return token{}, err
	}
	noClose := formatErrorf("multipart body has no closing boundary %q", boundary)
	level := c.lx.depth()
	c.lx.push(boundary)

	pre := newSpool(c.dir, sideSpoolMem)
	defer pre.Close()
	var stats lineStats
	t, err := partBody(c.lx, pre, &stats, true)
	if err != nil {
		return token{}, err
	}
	if t.kind != tokDelim || t.level != level {
		return token{}, noClose
	}
	if pre.Len() > 0 && stats.safe7bit() {
		if _, err := pre.WriteTo(c.out); err != nil {
			return token{}, err
		}
		if err := c.writeString("\r\n"); err != nil {
			return token{}, err
		}
	}
	pre.Close()
	for !t.close {
		if err := c.writeString("--" + boundary + "\r\n"); err != nil {
			return token{}, err
		}
		if t, err = c.entity(depth + 1); err != nil {
			return token{}, err
		}
		if t.kind != tokDelim || t.level != level {
			return token{}, noClose
		}
		if err := c.writeString("\r\n"); err != nil {
			return token{}, err
		}
	}
	if err := c.writeString("--" + boundary + "--\r\n"); err != nil {
		return token{}, err
	}
	c.lx.pop()
	return partBody(c.lx, io.Discard, nil, false) // the epilogue
}

// partBody reads the rest of the current part from lx and writes it to
// w, with every line end as CRLF when crlf is set and as it was
// otherwise, counting into stats when it is not nil. It returns the token
// that ended the part. Canonicalization and VerifyTo both read parts
// with it.
func partBody(lx *lexer, w io.Writer, stats *lineStats, crlf bool) (token, error) {
	for {
		t, err := lx.next()
		if err != nil {
			return token{}, err
		}
		var p []byte
		switch t.kind {
		case tokText:
			p = t.data
			if stats != nil {
				stats.text(p)
			}
		case tokEOL:
			p = t.data
			if crlf {
				p = eolCRLF
			}
			if stats != nil {
				stats.eol()
			}
		default:
			if stats != nil {
				stats.eol()
			}
			return t, nil
		}
		if _, err := w.Write(p); err != nil {
			return token{}, err
		}
	}
}

// leaf canonicalizes a part that is not composite. end is set when the
// part ended with its header (an empty body).
func (c *canonicalizer) leaf(mediatype, cte string, fields []rawField, end *token) (token, error) {
	text := strings.HasPrefix(mediatype, "text/")
	next := func(w io.Writer, stats *lineStats, crlf bool) (token, error) {
		if end != nil {
			if stats != nil {
				stats.eol()
			}
			return *end, nil
		}
		return partBody(c.lx, w, stats, crlf)
	}
	switch cte {
	case "base64":
		if err := c.write(header(fields, "")); err != nil {
			return token{}, err
		}
		bw := &b64Writer{w: c.out}
		rc := &b64Recoder{out: bw}
		t, err := next(rc, nil, false)
		if err == nil {
			err = rc.Close()
		}
		if err == nil {
			err = bw.Close()
		}
		if err != nil {
			return token{}, leafError("base64", mediatype, err)
		}
		return t, nil
	case "quoted-printable":
		if err := c.write(header(fields, "")); err != nil {
			return token{}, err
		}
		sp := newSpool(c.dir, sideSpoolMem)
		defer sp.Close()
		var stats lineStats
		t, err := next(sp, &stats, true)
		if err != nil {
			return token{}, err
		}
		if stats.safeQP() {
			_, err = sp.WriteTo(c.out)
			return t, err
		}
		if err := recodeQP(c.out, sp.Reader()); err != nil {
			return token{}, leafError("quoted-printable", mediatype, err)
		}
		return t, nil
	case "", "7bit", "8bit", "binary":
	default:
		return token{}, formatErrorf("unknown Content-Transfer-Encoding %q", cte)
	}
	if !text && (cte == "8bit" || cte == "binary") {
		// Base64 whatever the content: no need to look at it first.
		if err := c.write(header(fields, "base64")); err != nil {
			return token{}, err
		}
		bw := &b64Writer{w: c.out}
		t, err := next(bw, nil, false)
		if err != nil {
			return token{}, err
		}
		return t, bw.Close()
	}
	raw := newSpool(c.dir, sideSpoolMem)
	defer raw.Close()
	var stats lineStats
	t, err := next(raw, &stats, false)
	if err != nil {
		return token{}, err
	}
	var enc func(io.Writer) (io.Writer, func() error)
	newCTE := ""
	crlf := true
	switch {
	case !text && stats.eightBit:
		newCTE, crlf, enc = "base64", false, base64Encoder
	case !stats.safe7bit() && text:
		newCTE, enc = "quoted-printable", func(w io.Writer) (io.Writer, func() error) {
			q := newQPEncoder(w)
			return q, q.Close
		}
	case !stats.safe7bit():
		newCTE, enc = "base64", base64Encoder
	case cte == "8bit" || cte == "binary":
		newCTE = "7bit"
	}
	if err := c.write(header(fields, newCTE)); err != nil {
		return token{}, err
	}
	var w io.Writer = c.out
	closeEnc := func() error { return nil }
	if enc != nil {
		w, closeEnc = enc(w)
	}
	var cw *crlfWriter
	if crlf {
		cw = &crlfWriter{w: w}
		w = cw
	}
	if _, err := raw.WriteTo(w); err != nil {
		return token{}, err
	}
	if cw != nil {
		if err := cw.Close(); err != nil {
			return token{}, err
		}
	}
	return t, closeEnc()
}

func base64Encoder(w io.Writer) (io.Writer, func() error) {
	b := &b64Writer{w: w}
	return b, b.Close
}

// leafError reports a body that does not decode as a *FormatError;
// other errors (writing) pass through.
func leafError(enc, mediatype string, err error) error {
	var de decodeError
	if errors.As(err, &de) {
		return formatErrorf("%s body of %s: %v", enc, mediatype, de.err)
	}
	return err
}

// header writes the header fields and the empty line after them,
// replacing or adding Content-Transfer-Encoding when cte is set.
func header(fields []rawField, cte string) []byte {
	n := 64
	for _, f := range fields {
		n += len(f.raw)
	}
	out := make([]byte, 0, n)
	done := cte == ""
	for _, f := range fields {
		if !done && strings.EqualFold(f.name, "Content-Transfer-Encoding") {
			out = append(out, f.name+": "+cte+"\r\n"...)
			done = true
			continue
		}
		out = append(out, f.raw...)
	}
	if !done {
		out = append(out, "Content-Transfer-Encoding: "+cte+"\r\n"...)
	}
	return append(out, "\r\n"...)
}

// cleanField checks that a header field can be signed as it is: 7-bit,
// lines of at most 998 octets (SEC-29), and removes white space at the end
// of its lines, which relays strip (CASE-26). A continuation line of only
// white space is refused (RFC 5322 §3.2.2).
func cleanField(f *rawField) error {
	if !is7bit(f.raw) {
		return formatErrorf("header field %s is not 7-bit; encode it (RFC 2047, RFC 2231) before signing or encrypting", f.name)
	}
	if linesOK(f.raw, maxLine, true) {
		return nil
	}
	var out []byte
	for rest := f.raw; len(rest) > 0; {
		var line []byte
		line, rest, _ = nextLine(rest)
		if len(line) > maxLine {
			return formatErrorf("header field %s has a line longer than %d octets; fold it", f.name, maxLine)
		}
		if line = bytes.TrimRight(line, " \t"); len(line) == 0 {
			return formatErrorf("header field %s has a continuation line of only white space", f.name)
		}
		out = append(append(out, line...), "\r\n"...)
	}
	f.raw = out
	return nil
}

func is7bit(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 || c == 0 {
			return false
		}
	}
	return true
}

func linesOK(b []byte, max int, noTrailingSpace bool) bool {
	for len(b) > 0 {
		line, rest, _ := nextLine(b)
		if len(line) > max {
			return false
		}
		if noTrailingSpace && len(line) > 0 {
			if c := line[len(line)-1]; c == ' ' || c == '\t' {
				return false
			}
		}
		b = rest
	}
	return true
}

// decodeBase64 decodes base64 split into lines, white space ignored.
func decodeBase64(b []byte) ([]byte, error) {
	clean := make([]byte, 0, len(b))
	for _, c := range b {
		if c != '\r' && c != '\n' && c != ' ' && c != '\t' {
			clean = append(clean, c)
		}
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
	n, err := base64.StdEncoding.Decode(out, clean)
	return out[:n], err
}

// encodeBase64 encodes b in lines of 76 characters, each ending in CRLF,
// straight into a buffer of the final size.
func encodeBase64(b []byte) []byte {
	const lineBytes = 57 // 76 characters
	lines := (len(b) + lineBytes - 1) / lineBytes
	out := make([]byte, base64.StdEncoding.EncodedLen(len(b))+2*lines)
	o := 0
	for len(b) > 0 {
		n := min(len(b), lineBytes)
		base64.StdEncoding.Encode(out[o:], b[:n])
		o += base64.StdEncoding.EncodedLen(n)
		out[o], out[o+1] = '\r', '\n'
		o += 2
		b = b[n:]
	}
	return out
}
