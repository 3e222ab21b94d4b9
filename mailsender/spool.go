// SPDX-License-Identifier: Apache-2.0

package mailsender

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// spoolMemLimit is how much of a message a spool keeps in memory before it
// moves to a temporary file.
const spoolMemLimit = 256 << 10

// spool holds a composed message between composing (and signing) and
// sending: in memory while it is small, in a temporary file (mode 0600)
// once it grows past spoolMemLimit. The file is unlinked as soon as it
// is created where the system allows it (on Unix: the open file stays
// readable, and a crash leaves nothing behind), and removed by Close
// otherwise. Composing into a spool
// first means that a message that cannot be built is never half sent, and
// that a DKIM signature, which goes in front of the message, can be
// computed in the same pass without holding a large message in memory.
type spool struct {
	dir  string
	buf  bytes.Buffer
	file *os.File
	name string // set while the file still has a name to remove
	size int64
}

func (s *spool) Write(p []byte) (int, error) {
	s.size += int64(len(p))
	if s.file == nil && s.buf.Len()+len(p) <= spoolMemLimit {
		return s.buf.Write(p)
	}
	if s.file == nil {
		f, err := os.CreateTemp(s.dir, "mailsender-*.eml")
		if err != nil {
			return 0, fmt.Errorf("mailsender: spool: %w", err)
		}
		s.file, s.name = f, f.Name()
		if os.Remove(s.name) == nil {
			s.name = ""
		}
		if _, err := s.buf.WriteTo(f); err != nil {
			return 0, fmt.Errorf("mailsender: spool: %w", err)
		}
	}
	n, err := s.file.Write(p)
	if err != nil {
		err = fmt.Errorf("mailsender: spool: %w", err)
	}
	return n, err
}

// Reader returns the spooled message from its first byte.
func (s *spool) Reader() (io.Reader, error) {
	if s.file == nil {
		return bytes.NewReader(s.buf.Bytes()), nil
	}
	if _, err := s.file.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("mailsender: spool: %w", err)
	}
	return s.file, nil
}

// Close removes the temporary file, if there is one.
func (s *spool) Close() error {
	if s.file == nil {
		return nil
	}
	err := s.file.Close()
	if s.name != "" {
		if rerr := os.Remove(s.name); err == nil {
			err = rerr
		}
	}
	s.name = ""
	s.file = nil
	return err
}
