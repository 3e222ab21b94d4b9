// SPDX-License-Identifier: Apache-2.0

package dkim

import (
	"io"
)

// Sign reads a message from r and writes it to w with the DKIM-Signature
// field prepended and its line endings normalized to CRLF.
//
// Memory: when r is an io.Seeker that can seek (a regular file, a
// *bytes.Reader), Sign reads it twice, first to hash and then to copy, and
// keeps only the header block. Otherwise it keeps a copy of the normalized
// message until the signature is made: in memory up to 1 MiB, beyond that
// in a temporary file (os.CreateTemp), removed before Sign returns. Nothing
// is written to w unless the message was signed.
func Sign(w io.Writer, r io.Reader, o *SignOptions) error {
	s, err := NewSigner(o)
	if err != nil {
		return err
	}
	if rs, ok := r.(io.Seeker); ok {
		if pos, err := rs.Seek(0, io.SeekCurrent); err == nil {
			return signTwice(w, r, rs, pos, s)
		}
	}
	sp := &spool{}
	defer sp.Close()
	cw := NewCRLFWriter(sp)
	if _, err := io.Copy(io.MultiWriter(s, cw), r); err != nil {
		return err
	}
	if err := cw.Close(); err != nil {
		return err
	}
	if err := s.Close(); err != nil {
		return err
	}
	if _, err := io.WriteString(w, s.Signature()); err != nil {
		return err
	}
	_, err = sp.WriteTo(w)
	return err
}

func signTwice(w io.Writer, r io.Reader, rs io.Seeker, pos int64, s *Signer) error {
	if _, err := io.Copy(s, r); err != nil {
		return err
	}
	if err := s.Close(); err != nil {
		return err
	}
	if _, err := rs.Seek(pos, io.SeekStart); err != nil {
		return err
	}
	if _, err := io.WriteString(w, s.Signature()); err != nil {
		return err
	}
	cw := NewCRLFWriter(w)
	if _, err := io.Copy(cw, r); err != nil {
		return err
	}
	return cw.Close()
}
