// SPDX-License-Identifier: Apache-2.0

package oauthgmail

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// maxFileSize bounds what Load reads; a token file is a few kilobytes.
const maxFileSize = 1 << 20

// Store keeps one [Record] in a JSON file. The file is private to its owner
// (mode 0600, in a directory others cannot write to, created 0700) and
// replaced atomically, so that a crash leaves the old or the new token and
// never a partial file (SEC-37). [Store.Update] holds an exclusive lock on
// a companion file, Path+".lock", so that processes refreshing at the same
// time see each other's rotated refresh tokens (CASE-28).
type Store struct {
	// Path is the token file.
	Path string
	// Now stamps Record.Updated; nil means time.Now.
	Now func() time.Time
}

// testHook, when set by a test, runs after each step of a save and may
// fail it, to prove that a crash between steps is harmless.
var testHook func(step string) error

func hook(step string) error {
	if testHook == nil {
		return nil
	}
	return testHook(step)
}

// Load reads the record. A missing file gives an error matching both
// [ErrNoToken] and fs.ErrNotExist; a file that group or others can read,
// or that another user owns, gives one matching [ErrInsecureFile] and is
// not read.
func (s *Store) Load() (*Record, error) {
	f, err := os.Open(s.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &FileError{Path: s.Path, Reason: "no token file",
			Err: errors.Join(ErrNoToken, fs.ErrNotExist)}
	}
	if err != nil {
		return nil, &FileError{Path: s.Path, Reason: "open", Err: err}
	}
	defer f.Close()

	if err := checkPrivate(s.Path, f); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, &FileError{Path: s.Path, Reason: "read", Err: err}
	}
	if len(data) > maxFileSize {
		return nil, &FileError{Path: s.Path, Reason: "larger than 1 MiB, not a token file"}
	}
	var r Record
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&r); err != nil {
		return nil, &FileError{Path: s.Path, Reason: "not a token file", Err: err}
	}
	return &r, nil
}

// Save replaces the file with r: it writes a temporary file in the same
// directory, syncs it, renames it over the old file and syncs the
// directory. The directory is created with mode 0700 if missing; one that
// group or others may write to is refused.
func (s *Store) Save(r *Record) error {
	dir := filepath.Dir(s.Path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return &FileError{Path: s.Path, Reason: "create directory", Err: err}
	}
	if err := checkDir(s.Path, dir); err != nil {
		return err
	}
	rec := *r
	rec.Updated = s.now().UTC()
	data, err := json.MarshalIndent(&rec, "", "  ")
	if err != nil {
		return fmt.Errorf("oauthgmail: encode token: %v", err)
	}
	data = append(data, '\n')
	if err := s.write(dir, data); err != nil {
		return &FileError{Path: s.Path, Reason: "save", Err: err}
	}
	return nil
}

func (s *Store) write(dir string, data []byte) (err error) {
	f, err := os.CreateTemp(dir, "."+filepath.Base(s.Path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	steps := []struct {
		name string
		do   func() error
	}{
		{"create", func() error { return f.Chmod(0o600) }},
		{"write", func() error { _, err := f.Write(data); return err }},
		{"sync", f.Sync},
		{"close", f.Close},
		{"rename", func() error { return os.Rename(tmp, s.Path) }},
		{"syncdir", func() error { return syncDir(dir) }},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			return err
		}
		if err := hook(st.name); err != nil {
			return err
		}
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Update runs fn on the stored record while holding the store's lock, and
// saves the record when fn reports a change. A missing file gives fn an
// empty record. The error fn returns is returned after the save, so that
// fn can record a failure in the file (CASE-30) and still report it.
func (s *Store) Update(ctx context.Context, fn func(r *Record) (changed bool, err error)) error {
	unlock, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()

	r, err := s.Load()
	if errors.Is(err, fs.ErrNotExist) {
		r, err = &Record{}, nil
	}
	if err != nil {
		return err
	}
	changed, ferr := fn(r)
	if changed {
		if err := s.Save(r); err != nil {
			return err
		}
	}
	return ferr
}

// lock takes the exclusive lock on Path+".lock", polling until ctx ends.
func (s *Store) lock(ctx context.Context) (unlock func(), err error) {
	dir := filepath.Dir(s.Path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, &FileError{Path: s.Path, Reason: "create directory", Err: err}
	}
	f, err := os.OpenFile(s.Path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, &FileError{Path: s.Path + ".lock", Reason: "open lock", Err: err}
	}
	wait := time.Millisecond
	for {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, &FileError{Path: s.Path + ".lock", Reason: "lock", Err: err}
		}
		if ok {
			return func() { unlockFile(f); f.Close() }, nil
		}
		if err := sleepCtx(ctx, wait); err != nil {
			f.Close()
			return nil, fmt.Errorf("oauthgmail: waiting for lock on %s: %w", s.Path, err)
		}
		wait = min(2*wait, 50*time.Millisecond)
	}
}
