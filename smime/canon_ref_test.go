// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"io"
	stdmime "mime"
	"mime/quotedprintable"
	"strings"
)

// refCanonicalize is the in-memory canonicalization that smime used
// before it streamed, kept as the oracle the streaming canonicalizeTo is
// checked against (TestCanonicalizeMatchesReference, FuzzCanonicalizeStream).
// It brings a MIME entity into the form that is signed or
// encrypted (RFC 8551 §3.1): CRLF line ends everywhere (a bare CR or LF in
// a body becomes CRLF; in a header it is refused), every leaf part 7-bit
// with lines of at most 998 octets and no NUL (8-bit or long-lined text
// re-encoded as quoted-printable, other content as base64 at 76 columns),
// no trailing white space on any line and no quoted-printable body ending
// in a soft line break. A multipart keeps its preamble only when it is
// already in that shape, and loses its epilogue, which receivers ignore
// (RFC 2046 §5.1.1) and relays rewrite. Parts that are already in
// canonical shape keep their bytes.
func refCanonicalize(b []byte) ([]byte, error) {
	return refPrepare(b, 0)
}

func refPrepare(b []byte, depth int) ([]byte, error) {
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
		body, newCTE, err = refPrepareComposite(cte, func() ([]byte, error) {
			return refPrepareMultipart(body, params["boundary"], depth)
		})
	case mediatype == "message/rfc822":
		body, newCTE, err = refPrepareComposite(cte, func() ([]byte, error) {
			return refPrepare(body, depth+1)
		})
	default:
		body, newCTE, err = refPrepareLeaf(mediatype, cte, body)
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
func refPrepareComposite(cte string, inner func() ([]byte, error)) ([]byte, string, error) {
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

func refPrepareMultipart(body []byte, boundary string, depth int) ([]byte, error) {
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
		q, err := refPrepare(p, depth+1)
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

// prepareLeaf returns the canonical body of a leaf part and the transfer
// encoding to declare ("" to keep the field as it is).
func refPrepareLeaf(mediatype, cte string, body []byte) ([]byte, string, error) {
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

// encodeQP encodes CRLF text as quoted-printable; trailing white space is
// encoded, and the result never ends in a soft line break.
func encodeQP(b []byte) []byte {
	var out bytes.Buffer
	w := quotedprintable.NewWriter(&out)
	w.Write(b)
	w.Close()
	return bytes.TrimSuffix(out.Bytes(), []byte("=\r\n"))
}
