// SPDX-License-Identifier: Apache-2.0

package dkim

import (
	"bytes"
	"io"
	"os"
)

// spoolMemory is how much of a message Sign keeps in memory before it
// moves the rest to a temporary file.
const spoolMemory = 1 << 20

// spool holds a copy of a message while it is signed: in memory up to
// spoolMemory octets, then in a temporary file.
type spool struct {
	buf  bytes.Buffer
	file *os.File
}

func (s *spool) Write(p []byte) (int, error) {
	if s.file == nil && s.buf.Len()+len(p) <= spoolMemory {
		return s.buf.Write(p)
	}
	if s.file == nil {
		f, err := os.CreateTemp("", "mailwright-dkim-*")
		if err != nil {
			return 0, err
		}
		s.file = f
		if _, err := s.buf.WriteTo(f); err != nil {
			return 0, err
		}
		s.buf = bytes.Buffer{}
	}
	return s.file.Write(p)
}

// WriteTo copies what was spooled to w.
func (s *spool) WriteTo(w io.Writer) (int64, error) {
	if s.file == nil {
		return s.buf.WriteTo(w)
	}
	if _, err := s.file.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	return io.Copy(w, s.file)
}

// Close removes the temporary file, if any.
func (s *spool) Close() error {
	if s.file == nil {
		return nil
	}
	name := s.file.Name()
	err := s.file.Close()
	if rerr := os.Remove(name); err == nil {
		err = rerr
	}
	return err
}
