// SPDX-License-Identifier: Apache-2.0

package queue

import (
	"os"
	"sync"
	"syscall"
	"time"
)

// schedule remembers the next attempt time of each active entry together
// with the identity of the state file it was read from (inode, size and
// modification time). State files are replaced, never changed in place,
// so an entry is read again only when its file was replaced: by the
// agent's own record, or by another process (a retry command). A scan of
// a large queue then costs one directory listing and one stat per entry.
type schedule struct {
	mu sync.Mutex
	m  map[string]slot
}

type slot struct {
	ino  uint64
	size int64
	mod  time.Time
	next time.Time
}

// next returns the next attempt time of entry id, whose state file de
// lists; ok is false when the entry is gone or unreadable.
func (s *schedule) next(sp *Spool, id string, de os.DirEntry) (next time.Time, ok bool) {
	info, err := de.Info()
	if err != nil {
		return time.Time{}, false
	}
	key := slot{size: info.Size(), mod: info.ModTime()}
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		key.ino = st.Ino
	}
	s.mu.Lock()
	old, hit := s.m[id]
	s.mu.Unlock()
	if hit && old.ino == key.ino && old.size == key.size && old.mod.Equal(key.mod) {
		return old.next, true
	}
	e, err := sp.Load(id)
	if err != nil {
		return time.Time{}, false
	}
	key.next = e.Next
	s.mu.Lock()
	if s.m == nil {
		s.m = map[string]slot{}
	}
	s.m[id] = key
	s.mu.Unlock()
	return e.Next, true
}

// prune forgets entries whose state file is no longer listed.
func (s *schedule) prune(des []os.DirEntry) {
	live := make(map[string]bool, len(des))
	for _, de := range des {
		live[de.Name()] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id := range s.m {
		if !live[id+".json"] {
			delete(s.m, id)
		}
	}
}
