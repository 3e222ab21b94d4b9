// SPDX-License-Identifier: Apache-2.0

package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrNotFound is returned for an id that is not in the spool.
var ErrNotFound = errors.New("queue: no such entry")

// Spool is a queue directory. Its methods are safe for concurrent use by
// goroutines and by several processes (an application enqueueing while an
// agent delivers, a command retrying an entry): every read-modify-write of
// an entry's state holds an exclusive lock for that entry. The locks are
// striped over lockStripes files in locks/, so deliveries of different
// entries write and fsync in parallel.
type Spool struct {
	dir string
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Backoff sets the lifetime given to new entries; nil means defaults.
	Backoff *Backoff

	stripes [lockStripes]sync.Mutex
}

// lockStripes is the number of entry locks; entries share them by hash.
const lockStripes = 64

const (
	msgDir    = "msg"
	stateDir  = "state"
	failedDir = "failed"
	tmpDir    = "tmp"
	locksDir  = "locks"
)

// Open opens the spool at dir, creating it (mode 0700) if needed.
func Open(dir string) (*Spool, error) {
	for _, d := range []string{"", msgDir, stateDir, failedDir, tmpDir, locksDir} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return nil, fmt.Errorf("queue: %w", err)
		}
	}
	// The spool holds mail: nobody else may read it.
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	return &Spool{dir: dir}, nil
}

// Dir returns the spool's directory.
func (s *Spool) Dir() string { return s.dir }

func (s *Spool) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Spool) path(kind, id, ext string) string {
	return filepath.Join(s.dir, kind, id+ext)
}

// newID returns a sortable, unique entry id.
func newID(now time.Time) string {
	var b [8]byte
	rand.Read(b[:])
	return now.UTC().Format("20060102T150405.000000000Z") + "-" + hex.EncodeToString(b[:])
}

func validID(id string) bool {
	return id != "" && !strings.ContainsAny(id, `/\`) && id != "." && id != ".."
}

// Enqueue stores msg with the envelope, profile and recipients of e and
// returns the new entry's id. It returns only after both files are durable.
// e.ID, e.Created, e.Expires, e.Next, e.Size and the recipients' states are
// set by Enqueue.
func (s *Spool) Enqueue(ctx context.Context, e *Entry, msg io.Reader) (string, error) {
	if err := checkEnvelope(e); err != nil {
		return "", err
	}
	now := s.now()
	e.ID = newID(now)
	e.Created, e.Next = now, now
	e.Expires = now.Add(s.Backoff.LifetimeOrDefault())
	for i := range e.Recipients {
		e.Recipients[i].State = Pending
	}
	err := writeDurable(filepath.Join(s.dir, tmpDir), s.path(msgDir, e.ID, ".eml"),
		func(w io.Writer) error {
			n, err := io.Copy(w, ctxReader{ctx, msg})
			e.Size = n
			return err
		})
	if err != nil {
		return "", fmt.Errorf("queue: storing message: %w", err)
	}
	if err := s.save(e); err != nil {
		os.Remove(s.path(msgDir, e.ID, ".eml"))
		return "", err
	}
	return e.ID, nil
}

func checkEnvelope(e *Entry) error {
	if len(e.Recipients) == 0 {
		return errors.New("queue: entry has no recipients")
	}
	addrs := []string{e.From}
	for _, r := range e.Recipients {
		addrs = append(addrs, r.Addr)
	}
	for _, a := range addrs {
		if strings.ContainsAny(a, "\r\n\x00") {
			return errors.New("queue: envelope address contains CR, LF or NUL")
		}
	}
	if e.Profile.Host == "" {
		return errors.New("queue: profile has no host")
	}
	return nil
}

// ctxReader stops a copy when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// save writes e's state file durably.
func (s *Spool) save(e *Entry) error {
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	err = writeDurable(filepath.Join(s.dir, tmpDir), s.path(stateDir, e.ID, ".json"),
		func(w io.Writer) error { _, err := w.Write(b); return err })
	if err != nil {
		return fmt.Errorf("queue: saving state of %s: %w", e.ID, err)
	}
	return nil
}

// Load reads the state of the entry id.
func (s *Spool) Load(id string) (*Entry, error) {
	return s.loadFrom(stateDir, id)
}

func (s *Spool) loadFrom(kind, id string) (*Entry, error) {
	if !validID(id) {
		return nil, ErrNotFound
	}
	b, err := os.ReadFile(s.path(kind, id, ".json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	var e Entry
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("queue: state of %s: %w", id, err)
	}
	return &e, nil
}

// OpenMessage returns the message of entry id, active or failed.
func (s *Spool) OpenMessage(id string) (*os.File, error) {
	if !validID(id) {
		return nil, ErrNotFound
	}
	f, err := os.Open(s.path(msgDir, id, ".eml"))
	if errors.Is(err, fs.ErrNotExist) {
		f, err = os.Open(s.path(failedDir, id, ".eml"))
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	return f, err
}

// IDs lists the ids of active entries (or, with failed, of failed ones) in
// the order they were queued.
func (s *Spool) IDs(failed bool) ([]string, error) {
	kind := stateDir
	if failed {
		kind = failedDir
	}
	names, err := os.ReadDir(filepath.Join(s.dir, kind))
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, n := range names {
		if id, ok := strings.CutSuffix(n.Name(), ".json"); ok {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// LoadFailed reads the state of a failed entry.
func (s *Spool) LoadFailed(id string) (*Entry, error) { return s.loadFrom(failedDir, id) }

// Update runs fn on the current state of id under the spool lock and saves
// the result; fn returning an error leaves the entry unchanged.
func (s *Spool) Update(id string, fn func(*Entry) error) (*Entry, error) {
	unlock, err := s.lock(id)
	if err != nil {
		return nil, err
	}
	defer unlock()
	e, err := s.Load(id)
	if err != nil {
		return nil, err
	}
	if err := fn(e); err != nil {
		return nil, err
	}
	return e, s.save(e)
}

// Retry makes entry id due now; a failed entry is moved back to the active
// queue with its failed recipients pending again and a new lifetime.
func (s *Spool) Retry(id string) error {
	unlock, err := s.lock(id)
	if err != nil {
		return err
	}
	defer unlock()
	e, err := s.Load(id)
	if errors.Is(err, ErrNotFound) {
		return s.revive(id)
	}
	if err != nil {
		return err
	}
	e.Next = s.now()
	return s.save(e)
}

func (s *Spool) revive(id string) error {
	e, err := s.LoadFailed(id)
	if err != nil {
		return err
	}
	now := s.now()
	for i := range e.Recipients {
		if e.Recipients[i].State == Failed {
			e.Recipients[i].State = Pending
		}
	}
	e.Next, e.Expires = now, now.Add(s.Backoff.LifetimeOrDefault())
	if err := os.Rename(s.path(failedDir, id, ".eml"), s.path(msgDir, id, ".eml")); err != nil {
		return err
	}
	if err := s.save(e); err != nil {
		return err
	}
	os.Remove(s.path(failedDir, id, ".json"))
	return syncDir(filepath.Join(s.dir, failedDir))
}

// Delete removes entry id, active or failed.
func (s *Spool) Delete(id string) error {
	if !validID(id) {
		return ErrNotFound
	}
	unlock, err := s.lock(id)
	if err != nil {
		return err
	}
	defer unlock()
	found := false
	for _, kind := range []string{stateDir, failedDir} {
		if err := os.Remove(s.path(kind, id, ".json")); err == nil {
			found = true
		}
		os.Remove(s.path(kind, id, ".eml"))
	}
	os.Remove(s.path(msgDir, id, ".eml"))
	if !found {
		return ErrNotFound
	}
	return syncDir(filepath.Join(s.dir, stateDir))
}

// finish removes a delivered entry or moves a failed one to failed/. The
// state file goes first, so a crash in between leaves at most an orphan
// message file, which Open's caller can clean with [Spool.Clean].
func (s *Spool) finish(e *Entry) error {
	if !e.Failures() {
		if err := os.Remove(s.path(stateDir, e.ID, ".json")); err != nil {
			return err
		}
		if err := syncDir(filepath.Join(s.dir, stateDir)); err != nil {
			return err
		}
		return os.Remove(s.path(msgDir, e.ID, ".eml"))
	}
	if err := os.Rename(s.path(msgDir, e.ID, ".eml"), s.path(failedDir, e.ID, ".eml")); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(e, "", "  ")
	err := writeDurable(filepath.Join(s.dir, tmpDir), s.path(failedDir, e.ID, ".json"),
		func(w io.Writer) error { _, err := w.Write(b); return err })
	if err != nil {
		return err
	}
	if err := os.Remove(s.path(stateDir, e.ID, ".json")); err != nil {
		return err
	}
	return syncDir(filepath.Join(s.dir, stateDir))
}

// Clean removes what a crash can leave behind: temporary files and message
// files without a state file, both older than age.
func (s *Spool) Clean(age time.Duration) error {
	cutoff := s.now().Add(-age)
	old := func(kind string, keep func(name string) bool) {
		des, _ := os.ReadDir(filepath.Join(s.dir, kind))
		for _, de := range des {
			info, err := de.Info()
			if err == nil && info.ModTime().Before(cutoff) && !keep(de.Name()) {
				os.Remove(filepath.Join(s.dir, kind, de.Name()))
			}
		}
	}
	old(tmpDir, func(string) bool { return false })
	old(msgDir, func(name string) bool {
		_, err := os.Stat(s.path(stateDir, strings.TrimSuffix(name, ".eml"), ".json"))
		return err == nil
	})
	return nil
}

// lock takes the lock of entry id: its stripe's in-process mutex and an
// exclusive flock on the stripe's file, for other processes.
func (s *Spool) lock(id string) (func(), error) {
	h := fnv.New32a()
	h.Write([]byte(id))
	n := h.Sum32() % lockStripes
	mu := &s.stripes[n]
	mu.Lock()
	name := filepath.Join(s.dir, locksDir, fmt.Sprintf("%02x", n))
	f, err := os.OpenFile(name, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		mu.Unlock()
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		mu.Unlock()
		return nil, err
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
		mu.Unlock()
	}, nil
}
