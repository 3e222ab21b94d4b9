// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	stdmime "mime"
	"strings"
)

// The in-memory message reader that Verify and Decrypt used before they
// streamed. The tests keep it to take messages apart (the CMS object of a
// signed or encrypted message, the parts of a multipart/signed one) and
// as the oracle refCanonicalize splits multiparts with.

// readMessage reads an S/MIME message or entity: multipart/signed or
// application/pkcs7-mime (also the older x-pkcs7 names). The type of an
// application/pkcs7-mime object is taken from the CMS content type, so a
// missing or wrong smime-type parameter does no harm.
func readMessage(r io.Reader) (*message, error) {
	b, err := readAll(r)
	if err != nil {
		return nil, fmt.Errorf("smime: read message: %w", err)
	}
	fields, body, err := splitHeader(b)
	if err != nil {
		return nil, err
	}
	ct, _ := lookup(fields, "Content-Type")
	mediatype, params, err := stdmime.ParseMediaType(ct)
	if err != nil {
		return nil, formatErrorf("Content-Type %q: %v", ct, err)
	}
	switch mediatype {
	case "multipart/signed":
		return readDetached(body, params)
	case "application/pkcs7-mime", "application/x-pkcs7-mime":
		cte, _ := lookup(fields, "Content-Transfer-Encoding")
		return readPKCS7(body, strings.ToLower(cte))
	}
	return nil, formatErrorf("Content-Type %s is not an S/MIME type", mediatype)
}

func readDetached(body []byte, params map[string]string) (*message, error) {
	switch strings.ToLower(params["protocol"]) {
	case "application/pkcs7-signature", "application/x-pkcs7-signature":
	default:
		return nil, fmt.Errorf("%w: multipart/signed protocol %q", ErrUnsupported, params["protocol"])
	}
	m, err := splitMultipart(toCRLF(body), params["boundary"])
	if err != nil {
		return nil, err
	}
	if len(m.parts) != 2 {
		return nil, formatErrorf("multipart/signed has %d parts, want 2", len(m.parts))
	}
	fields, sigBody, err := splitHeader(m.parts[1])
	if err != nil {
		return nil, err
	}
	cte, _ := lookup(fields, "Content-Transfer-Encoding")
	msg, err := readPKCS7(sigBody, strings.ToLower(cte))
	if err != nil {
		return nil, err
	}
	msg.detached = m.parts[0]
	return msg, nil
}

// readAll is io.ReadAll that sizes its buffer once when r tells its
// length (bytes.Reader, strings.Reader, bytes.Buffer) or is a file.
func readAll(r io.Reader) ([]byte, error) {
	size := 0
	switch v := r.(type) {
	case interface{ Len() int }:
		size = v.Len()
	case interface{ Stat() (fs.FileInfo, error) }:
		if fi, err := v.Stat(); err == nil && fi.Mode().IsRegular() {
			size = int(fi.Size())
		}
	}
	if size == 0 {
		return io.ReadAll(r)
	}
	b := bytes.NewBuffer(make([]byte, 0, size+bytes.MinRead))
	_, err := b.ReadFrom(r)
	return b.Bytes(), err
}

// multipart is a multipart body split at its delimiter lines (RFC 2046
// §5.1.1). The line break before a delimiter belongs to the delimiter, so
// parts hold exactly the bytes of each body part.
type multipart struct {
	preamble []byte
	parts    [][]byte
	epilogue []byte
}

// splitMultipart splits body, whose line ends may be LF, CRLF or a lone CR.
func splitMultipart(body []byte, boundary string) (*multipart, error) {
	if boundary == "" {
		return nil, formatErrorf("multipart without boundary")
	}
	dash := []byte("--" + boundary)
	m := &multipart{}
	start := -1 // start of the current part; -1 while in the preamble
	for pos := 0; pos < len(body); {
		// Lines end as toCRLF ends them (LF, CRLF or a lone CR), so that
		// the parts found here are the parts a second pass over the
		// canonical output finds (found by FuzzCanonicalize).
		line, rest, ended := nextBodyLine(body[pos:])
		next := len(body) - len(rest)
		close, isDelim := delimiter(line, dash)
		if isDelim {
			end := max(lineBreakStart(body, pos), start)
			if start < 0 {
				m.preamble = body[:end]
			} else {
				m.parts = append(m.parts, body[start:end])
			}
			if close {
				if ended {
					m.epilogue = body[next:]
				}
				return m, nil
			}
			start = next
		}
		if !ended {
			break
		}
		pos = next
	}
	return nil, formatErrorf("multipart body has no closing boundary %q", boundary)
}

// lineBreakStart returns where the line break before position pos starts
// (pos itself when pos is 0).
func lineBreakStart(b []byte, pos int) int {
	if pos == 0 {
		return 0
	}
	end := pos - 1
	if b[end] == '\n' && end > 0 && b[end-1] == '\r' {
		end--
	}
	return end
}

// nextBodyLine is nextLine for bodies, where a lone CR also ends a line.
func nextBodyLine(b []byte) (line, rest []byte, ended bool) {
	i := bytes.IndexAny(b, "\r\n")
	if i < 0 {
		return b, nil, false
	}
	if b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n' {
		return b[:i], b[i+2:], true
	}
	return b[:i], b[i+1:], true
}

// toCRLF turns every line end (LF, CRLF or a lone CR) into CRLF.
func toCRLF(b []byte) []byte {
	if !needsCRLF(b) {
		return b
	}
	out := make([]byte, 0, len(b)+len(b)/32)
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '\r':
			out = append(out, '\r', '\n')
			if i+1 < len(b) && b[i+1] == '\n' {
				i++
			}
		case c == '\n':
			out = append(out, '\r', '\n')
		default:
			out = append(out, c)
		}
	}
	return out
}

// needsCRLF reports whether b holds a bare CR or a bare LF: it holds
// neither when CRs, LFs and CRLF pairs are equally many.
func needsCRLF(b []byte) bool {
	n := bytes.Count(b, []byte("\r\n"))
	return bytes.Count(b, []byte("\n")) != n || bytes.Count(b, []byte("\r")) != n
}
