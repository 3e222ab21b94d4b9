// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"encoding/base64"
	"io"
	stdmime "mime"
	"mime/quotedprintable"
	"strings"
)

// maxDepth bounds the nesting of multiparts and messages in an entity.
const maxDepth = 32

// maxLine is the longest line left unencoded (RFC 5322 §2.1.1).
const maxLine = 998

// canonicalize brings a MIME entity into the form that is signed or
// encrypted (RFC 8551 §3.1): CRLF line ends everywhere (a bare CR or LF in
// a body becomes CRLF; in a header it is refused), every leaf part 7-bit
// with lines of at most 998 octets and no NUL (8-bit or long-lined text
// re-encoded as quoted-printable, other content as base64 at 76 columns),
// no trailing white space on any line and no quoted-printable body ending
// in a soft line break. A multipart keeps its preamble only when it is
// already in that shape, and loses its epilogue, which receivers ignore
// (RFC 2046 §5.1.1) and relays rewrite. Parts that are already in
// canonical shape keep their bytes.
func canonicalize(b []byte) ([]byte, error) {
	return prepare(b, 0)
}

func prepare(b []byte, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, formatErrorf("entity nested deeper than %d levels", maxDepth)
	}
	fields, body, err := splitHeader(b)
	if err != nil {
		return nil, err
	}
	for i := range fields {
		if err := cleanField(&fields[i]); err != nil {
			return nil, err
		}
	}
	mediatype, params := "text/plain", map[string]string{}
	if ct, ok := lookup(fields, "Content-Type"); ok {
		if mediatype, params, err = stdmime.ParseMediaType(ct); err != nil {
			return nil, formatErrorf("Content-Type %q: %v", ct, err)
		}
	}
	cte, _ := lookup(fields, "Content-Transfer-Encoding")
	cte = strings.ToLower(cte)

	var newCTE string
	switch {
	case strings.HasPrefix(mediatype, "multipart/"):
		body, newCTE, err = prepareComposite(cte, func() ([]byte, error) {
			return prepareMultipart(body, params["boundary"], depth)
		})
	case mediatype == "message/rfc822":
		body, newCTE, err = prepareComposite(cte, func() ([]byte, error) {
			return prepare(body, depth+1)
		})
	default:
		body, newCTE, err = prepareLeaf(mediatype, cte, body)
	}
	if err != nil {
		return nil, err
	}
	head := header(fields, newCTE)
	if n := len(head) + len(body); n <= len(b) && bytes.HasPrefix(b, head) &&
		bytes.Equal(b[len(head):n], body) {
		return b[:n:n], nil // already canonical (up to a dropped epilogue): no copy
	}
	return append(head, body...), nil
}

// prepareComposite handles a multipart or message entity, whose transfer
// encoding may only be an identity one (RFC 2046 §5.1, §5.2.1).
func prepareComposite(cte string, inner func() ([]byte, error)) ([]byte, string, error) {
	switch cte {
	case "", "7bit", "8bit", "binary":
	default:
		return nil, "", formatErrorf("composite entity with Content-Transfer-Encoding %q", cte)
	}
	body, err := inner()
	if err != nil {
		return nil, "", err
	}
	if cte == "8bit" || cte == "binary" {
		return body, "7bit", nil
	}
	return body, "", nil
}

func prepareMultipart(body []byte, boundary string, depth int) ([]byte, error) {
	if strings.HasSuffix(boundary, " ") || len(boundary) > 70 {
		return nil, formatErrorf("multipart boundary %q is not valid (RFC 2046 §5.1.1)", boundary)
	}
	m, err := splitMultipart(body, boundary)
	if err != nil {
		return nil, err
	}
	out := reuseWriter{orig: body} // no copy while body is canonical
	if pre := toCRLF(m.preamble); len(pre) > 0 && safe7bit(pre) {
		out.Write(pre)
		out.WriteString("\r\n")
	}
	for _, p := range m.parts {
		q, err := prepare(p, depth+1)
		if err != nil {
			return nil, err
		}
		out.WriteString("--" + boundary + "\r\n")
		out.Write(q)
		out.WriteString("\r\n")
	}
	out.WriteString("--" + boundary + "--\r\n")
	return out.Bytes(), nil
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

// prepareLeaf returns the canonical body of a leaf part and the transfer
// encoding to declare ("" to keep the field as it is).
func prepareLeaf(mediatype, cte string, body []byte) ([]byte, string, error) {
	text := strings.HasPrefix(mediatype, "text/")
	switch cte {
	case "base64":
		if canonicalBase64(body) {
			return body, "", nil
		}
		raw, err := decodeBase64(body)
		if err != nil {
			return nil, "", formatErrorf("base64 body of %s: %v", mediatype, err)
		}
		return encodeBase64(raw), "", nil
	case "quoted-printable":
		body = toCRLF(body)
		if safeQP(body) {
			return body, "", nil
		}
		raw, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
		if err != nil {
			return nil, "", formatErrorf("quoted-printable body of %s: %v", mediatype, err)
		}
		return encodeQP(raw), "", nil
	case "", "7bit", "8bit", "binary":
	default:
		return nil, "", formatErrorf("unknown Content-Transfer-Encoding %q", cte)
	}
	if !text && (cte == "8bit" || cte == "binary" || !is7bit(body)) {
		return encodeBase64(body), "base64", nil
	}
	body = toCRLF(body)
	if !safe7bit(body) {
		if text {
			return encodeQP(body), "quoted-printable", nil
		}
		return encodeBase64(body), "base64", nil
	}
	if cte == "8bit" || cte == "binary" {
		return body, "7bit", nil
	}
	return body, "", nil
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

func is7bit(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 || c == 0 {
			return false
		}
	}
	return true
}

// safe7bit reports whether CRLF text can travel as 7bit unchanged: 7-bit
// bytes, lines of at most 998 octets, no white space at a line end.
func safe7bit(b []byte) bool {
	return is7bit(b) && linesOK(b, maxLine, true)
}

// safeQP reports whether a CRLF quoted-printable body is already in the
// shape relays leave alone: 7-bit, lines of at most 76 characters, no
// white space at a line end and no soft line break at its very end.
func safeQP(b []byte) bool {
	if !is7bit(b) || !linesOK(b, 76, true) {
		return false
	}
	end := bytes.TrimRight(b, "\r\n")
	return !bytes.HasSuffix(end, []byte("="))
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

// encodeQP encodes CRLF text as quoted-printable; trailing white space is
// encoded, and the result never ends in a soft line break.
func encodeQP(b []byte) []byte {
	var out bytes.Buffer
	w := quotedprintable.NewWriter(&out)
	w.Write(b)
	w.Close()
	return bytes.TrimSuffix(out.Bytes(), []byte("=\r\n"))
}
