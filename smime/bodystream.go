// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	stdmime "mime"
	"strings"
)

// The CMS object of an application/pkcs7-mime message or entity read as
// a stream, for decryption: the header (at most maxHeader octets) is read
// and checked, and the body is decoded from base64 as it is read, or
// passed through when it is binary.

// pkcs7Stream reads the header of an S/MIME message or entity from r and
// returns its CMS object as a stream. The type of the object is left to
// the caller; multipart/signed gives ErrNotEncrypted, a type that is not
// S/MIME a *FormatError.
func pkcs7Stream(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 32<<10)
	head, err := readHeaderBlock(br)
	if err != nil {
		return nil, err
	}
	fields, _, err := splitHeader(head)
	if err != nil {
		return nil, err
	}
	ct, ok := lookup(fields, "Content-Type")
	if !ok {
		return nil, fmt.Errorf("%w: it has no Content-Type (plain text)", ErrNotEncrypted)
	}
	mediatype, _, err := stdmime.ParseMediaType(ct)
	if err != nil {
		return nil, formatErrorf("Content-Type %q: %v", ct, err)
	}
	switch mediatype {
	case "application/pkcs7-mime", "application/x-pkcs7-mime":
	case "multipart/signed":
		return nil, fmt.Errorf("%w: the message is multipart/signed", ErrNotEncrypted)
	default:
		return nil, fmt.Errorf("%w: its Content-Type is %s", ErrNotEncrypted, mediatype)
	}
	cte, _ := lookup(fields, "Content-Transfer-Encoding")
	switch strings.ToLower(cte) {
	case "base64":
		return base64Stream(br), nil
	case "", "binary", "7bit", "8bit":
		return br, nil
	}
	return nil, formatErrorf("CMS object with Content-Transfer-Encoding %q", cte)
}

// readHeaderBlock reads a header from r up to and including the empty
// line after it (or to the end of the input), at most maxHeader octets.
func readHeaderBlock(r *bufio.Reader) ([]byte, error) {
	var h []byte
	for {
		line, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, formatErrorf("header line longer than %d octets", r.Size())
		}
		h = append(h, line...)
		if len(h) > maxHeader {
			return nil, formatErrorf("message header longer than %d octets", maxHeader)
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("smime: read message: %w", err)
		}
		if err == io.EOF || len(bytes.TrimRight(line, "\r\n")) == 0 {
			return h, nil
		}
	}
}

// base64Stream decodes base64 from r as it is read, ignoring CR, LF,
// space and tab. Bad base64 gives a *FormatError.
func base64Stream(r io.Reader) io.Reader {
	return &base64Reader{dec: base64.NewDecoder(base64.StdEncoding, &spaceDropper{r: r})}
}

type base64Reader struct{ dec io.Reader }

func (b *base64Reader) Read(p []byte) (int, error) {
	n, err := b.dec.Read(p)
	if _, ok := err.(base64.CorruptInputError); ok {
		err = formatErrorf("base64 CMS object: %v", err)
	}
	return n, err
}

// spaceDropper reads r without the CR, LF, space and tab characters.
type spaceDropper struct{ r io.Reader }

func (s *spaceDropper) Read(p []byte) (int, error) {
	for {
		n, err := s.r.Read(p)
		k := 0
		for _, c := range p[:n] {
			if c != '\r' && c != '\n' && c != ' ' && c != '\t' {
				p[k] = c
				k++
			}
		}
		if k > 0 || err != nil {
			return k, err
		}
	}
}
