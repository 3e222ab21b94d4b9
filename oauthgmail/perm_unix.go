// SPDX-License-Identifier: Apache-2.0

//go:build unix

package oauthgmail

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// checkPrivate refuses a token file that group or others can use or that
// another user owns (SECURITY.md rule 8).
func checkPrivate(path string, f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return &FileError{Path: path, Reason: "stat", Err: err}
	}
	if !fi.Mode().IsRegular() {
		return &FileError{Path: path, Reason: "not a regular file"}
	}
	if m := fi.Mode().Perm(); m&0o077 != 0 {
		return &FileError{Path: path, Err: ErrInsecureFile,
			Reason: fmt.Sprintf("mode %04o lets other users read it; run chmod 600 on it", m)}
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return &FileError{Path: path, Err: ErrInsecureFile,
			Reason: fmt.Sprintf("owned by uid %d, not by this user", st.Uid)}
	}
	return nil
}

// checkDir refuses a directory that group or others may write to, where
// another user could replace the token file.
func checkDir(path, dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return &FileError{Path: path, Reason: "stat directory", Err: err}
	}
	if m := fi.Mode().Perm(); m&0o022 != 0 && fi.Mode()&os.ModeSticky == 0 {
		return &FileError{Path: path, Err: ErrInsecureFile,
			Reason: fmt.Sprintf("directory %s has mode %04o: other users could replace the file", dir, m)}
	}
	return nil
}

func tryLock(f *os.File) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}

func unlockFile(f *os.File) { syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
