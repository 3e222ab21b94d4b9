// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"fmt"
	"io"
	"os"
)

// spool holds bytes between two passes: the canonical entity between
// canonicalizing and signing or encrypting it, or a part's body while it
// is decided how to encode it. It keeps up to limit bytes in memory and
// moves to a temporary file beyond that. The file is encrypted with
// AES-256-CTR under a key that exists only in this process's memory, so
// the plaintext of a message that is about to be encrypted never reaches
// the disk, and a file left behind by a crash cannot be read. The file
// is unlinked as soon as it is created where the system allows that, and
// removed by Close otherwise.
type spool struct {
	dir   string // for the temporary file; "" means os.TempDir
	limit int

	mem   bytes.Buffer
	file  *os.File
	name  string // set while the file still has a name to remove
	block cipher.Block
	iv    []byte
	enc   cipher.Stream // encrypts what is written to the file
	wbuf  []byte        // written, not yet in the file
	n     int64
}

// spoolChunk is the size of the pieces the file is written and read in.
const spoolChunk = 64 << 10

func newSpool(dir string, limit int) *spool { return &spool{dir: dir, limit: limit} }

// Len is the number of bytes written.
func (s *spool) Len() int64 { return s.n }

func (s *spool) Write(p []byte) (int, error) {
	if s.file == nil && s.mem.Len()+len(p) <= s.limit {
		s.n += int64(len(p))
		return s.mem.Write(p)
	}
	if s.file == nil {
		if err := s.toFile(); err != nil {
			return 0, err
		}
	}
	taken := len(p)
	for len(p) > 0 {
		k := min(len(p), cap(s.wbuf)-len(s.wbuf))
		s.wbuf = append(s.wbuf, p[:k]...)
		s.n += int64(k)
		p = p[k:]
		if len(s.wbuf) == cap(s.wbuf) {
			if err := s.flush(); err != nil {
				return 0, err
			}
		}
	}
	return taken, nil
}

// flush encrypts and writes the buffered bytes to the file.
func (s *spool) flush() error {
	if len(s.wbuf) == 0 {
		return nil
	}
	s.enc.XORKeyStream(s.wbuf, s.wbuf)
	_, err := s.file.Write(s.wbuf)
	s.wbuf = s.wbuf[:0]
	if err != nil {
		return fmt.Errorf("smime: spool: %w", err)
	}
	return nil
}

// toFile moves the spool to an encrypted temporary file.
func (s *spool) toFile() error {
	key := make([]byte, 32)
	s.iv = make([]byte, aes.BlockSize)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("smime: spool: %w", err)
	}
	if _, err := rand.Read(s.iv); err != nil {
		return fmt.Errorf("smime: spool: %w", err)
	}
	s.block, _ = aes.NewCipher(key)
	f, err := os.CreateTemp(s.dir, "mailwright-smime-*")
	if err != nil {
		dir := s.dir
		if dir == "" {
			dir = os.TempDir() + " ($TMPDIR)"
		}
		return fmt.Errorf("smime: cannot make the temporary file a large message waits in, in %s: %w", dir, err)
	}
	s.file, s.name = f, f.Name()
	if os.Remove(s.name) == nil {
		s.name = "" // unlinked; the open file stays readable
	}
	s.enc = cipher.NewCTR(s.block, s.iv)
	s.wbuf = make([]byte, 0, spoolChunk)
	mem := s.mem.Bytes()
	s.n -= int64(len(mem))
	if _, err := s.Write(mem); err != nil {
		return err
	}
	s.mem = bytes.Buffer{}
	return nil
}

// WriteTo writes everything written so far to w, from the first byte. It
// may be called more than once.
func (s *spool) WriteTo(w io.Writer) (int64, error) {
	if s.file == nil {
		n, err := w.Write(s.mem.Bytes())
		return int64(n), err
	}
	if err := s.flush(); err != nil {
		return 0, err
	}
	dec := cipher.NewCTR(s.block, s.iv)
	r := io.NewSectionReader(s.file, 0, s.n)
	buf := make([]byte, spoolChunk)
	var total int64
	for {
		k, err := io.ReadFull(r, buf)
		if k > 0 {
			dec.XORKeyStream(buf[:k], buf[:k])
			m, werr := w.Write(buf[:k])
			total += int64(m)
			if werr != nil {
				return total, werr
			}
		}
		switch err {
		case nil:
		case io.EOF, io.ErrUnexpectedEOF:
			if total != s.n {
				return total, fmt.Errorf("smime: spool: read %d of %d bytes", total, s.n)
			}
			return total, nil
		default:
			return total, fmt.Errorf("smime: spool: %w", err)
		}
	}
}

// Reader returns a reader of everything written so far.
func (s *spool) Reader() io.Reader {
	if s.file == nil {
		return bytes.NewReader(s.mem.Bytes())
	}
	if err := s.flush(); err != nil {
		return iotestErrReader{err}
	}
	return cipher.StreamReader{S: cipher.NewCTR(s.block, s.iv), R: io.NewSectionReader(s.file, 0, s.n)}
}

// iotestErrReader returns err from every Read.
type iotestErrReader struct{ err error }

func (r iotestErrReader) Read([]byte) (int, error) { return 0, r.err }

// Close releases the memory and removes the temporary file.
func (s *spool) Close() error {
	s.mem = bytes.Buffer{}
	if s.file == nil {
		return nil
	}
	err := s.file.Close()
	if s.name != "" {
		if rerr := os.Remove(s.name); err == nil {
			err = rerr
		}
	}
	s.file, s.name = nil, ""
	return err
}
