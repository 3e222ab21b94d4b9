// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	stdmime "mime"
	stdmultipart "mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"strings"
)

// The helpers here read a message back with the standard library alone
// (mime/multipart, encoding/base64, mime/quotedprintable), independently
// of this package's parser, so that what openssl recovers is compared
// with what the generator put in by content, not by bytes.

// bigDecodeLeaves parses a MIME entity or whole message and returns its leaf
// parts in depth-first order, each with the length and SHA-256 of its
// decoded content. Text sent as 7bit, 8bit or binary is taken with CRLF
// line ends; a message/rfc822 part is descended into.
func bigDecodeLeaves(r io.Reader) ([]bigLeaf, error) {
	br := bufio.NewReader(r)
	h, err := textproto.NewReader(br).ReadMIMEHeader()
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	return bigAppendLeaves(nil, h, br, 0)
}

// bigAppendLeaves appends the leaves of the entity with header h and body
// to out.
func bigAppendLeaves(out []bigLeaf, h textproto.MIMEHeader, body io.Reader, depth int) ([]bigLeaf, error) {
	if depth > 8 {
		return nil, fmt.Errorf("nested deeper than 8 levels")
	}
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	mt, params, err := stdmime.ParseMediaType(ct)
	if err != nil {
		return nil, fmt.Errorf("Content-Type %q: %w", ct, err)
	}
	switch {
	case strings.HasPrefix(mt, "multipart/"):
		mr := stdmultipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return out, nil
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", mt, err)
			}
			if out, err = bigAppendLeaves(out, p.Header, p, depth+1); err != nil {
				return nil, err
			}
		}
	case mt == "message/rfc822":
		br := bufio.NewReader(body)
		inner, err := textproto.NewReader(br).ReadMIMEHeader()
		if err != nil {
			return nil, fmt.Errorf("message/rfc822 header: %w", err)
		}
		return bigAppendLeaves(out, inner, br, depth+1)
	}
	l, err := bigDecodeLeaf(mt, strings.ToLower(h.Get("Content-Transfer-Encoding")), body)
	if err != nil {
		return nil, err
	}
	return append(out, l), nil
}

// bigDecodeLeaf hashes the decoded content of one leaf part.
func bigDecodeLeaf(mt, cte string, body io.Reader) (bigLeaf, error) {
	var dec io.Reader
	switch cte {
	case "base64":
		dec = base64.NewDecoder(base64.StdEncoding, body)
	case "quoted-printable":
		dec = quotedprintable.NewReader(body)
	case "", "7bit", "8bit", "binary":
		dec = body
		if strings.HasPrefix(mt, "text/") {
			b, err := io.ReadAll(body)
			if err != nil {
				return bigLeaf{}, err
			}
			b = bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
			dec = bytes.NewReader(b)
		}
	default:
		return bigLeaf{}, fmt.Errorf("%s: unknown Content-Transfer-Encoding %q", mt, cte)
	}
	h := sha256.New()
	n, err := io.Copy(h, dec)
	if err != nil {
		return bigLeaf{}, fmt.Errorf("%s (%s): %w", mt, cte, err)
	}
	l := bigLeaf{Type: mt, Len: n}
	h.Sum(l.Sum[:0])
	return l, nil
}

// bigCheckCanonical reports the first way in which an entity is not in the
// form RFC 8551 §3.1 asks for and canonicalization promises: 7-bit
// octets without NUL, every line ended by CRLF and at most 998 octets
// long, no white space at a line end.
func bigCheckCanonical(b []byte) error {
	for i, n := 0, 1; len(b) > 0; n++ {
		end := bytes.IndexByte(b, '\n')
		if end < 0 {
			return fmt.Errorf("line %d (offset %d) has no line end", n, i)
		}
		line := b[:end]
		if !bytes.HasSuffix(line, []byte("\r")) {
			return fmt.Errorf("line %d (offset %d) ends in a bare LF", n, i)
		}
		line = line[:len(line)-1]
		switch {
		case len(line) > 998:
			return fmt.Errorf("line %d (offset %d) is %d octets long", n, i, len(line))
		case bytes.IndexByte(line, '\r') >= 0:
			return fmt.Errorf("line %d (offset %d) holds a bare CR", n, i)
		case len(line) > 0 && (line[len(line)-1] == ' ' || line[len(line)-1] == '\t'):
			return fmt.Errorf("line %d (offset %d) ends in white space", n, i)
		}
		for _, c := range line {
			if c == 0 || c >= 0x80 {
				return fmt.Errorf("line %d (offset %d) holds the octet %#02x", n, i, c)
			}
		}
		i += end + 1
		b = b[end+1:]
	}
	return nil
}
