// SPDX-License-Identifier: Apache-2.0

package mailsender

import (
	"bytes"
	"io"
	"strings"
)

// apiMessage returns the message an HTTPS send API gets: the DKIM
// signature, if any, a Bcc field, and the spooled message. The APIs take
// the recipients from the header, and the composer writes no Bcc field,
// so the Bcc addresses are added here; both services remove the field
// before delivery, and DKIM does not sign it. The result is an
// io.ReadSeeker over the spool, so that a large message is streamed from
// the spool file, and read again when a request is retried, without being
// held in memory.
func apiMessage(sig string, bcc []string, sp *spool) io.ReadSeeker {
	head := sig + bccField(bcc)
	var body io.ReaderAt
	if sp.file != nil {
		body = sp.file
	} else {
		body = bytes.NewReader(sp.buf.Bytes())
	}
	parts := []section{
		{r: strings.NewReader(head), n: int64(len(head))},
		{r: body, n: sp.size},
	}
	var size int64
	for _, p := range parts {
		size += p.n
	}
	return io.NewSectionReader(concat(parts), 0, size)
}

// bccField formats the Bcc addresses as one header field, folded before
// 78 columns (RFC 5322 §2.2.3, §3.6.3). Only the addr-specs are written:
// the field never reaches a recipient. The addresses were checked by
// Message.envelope.
func bccField(bcc []string) string {
	if len(bcc) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("Bcc:")
	col := len("Bcc:")
	for i, s := range bcc {
		a, err := parseAddr("Message.Bcc", s)
		if err != nil {
			continue
		}
		sep := " "
		if i < len(bcc)-1 {
			a.Addr += ","
		}
		if col > len("Bcc:") && col+1+len(a.Addr) > 78 {
			sep = "\r\n "
			col = 0
		}
		b.WriteString(sep + a.Addr)
		col += 1 + len(a.Addr)
	}
	b.WriteString("\r\n")
	return b.String()
}

// section is one part of a concatenation: n bytes of r from offset 0.
type section struct {
	r io.ReaderAt
	n int64
}

// concat reads its sections one after the other as one io.ReaderAt.
type concat []section

func (c concat) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for _, s := range c {
		if len(p) == 0 {
			break
		}
		if off >= s.n {
			off -= s.n
			continue
		}
		want := min(int64(len(p)), s.n-off)
		k, err := s.r.ReadAt(p[:want], off)
		n += k
		if int64(k) < want {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return n, err
		}
		p, off = p[k:], 0
	}
	if len(p) > 0 {
		return n, io.EOF
	}
	return n, nil
}
