// SPDX-License-Identifier: Apache-2.0

package queue

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// crashHook, when set (only by this package's tests), is called at each
// named step of a durable write or a delivery so that a test can kill the
// process there.
var crashHook func(step string)

func crashPoint(step string) {
	if crashHook != nil {
		crashHook(step)
	}
}

// writeDurable writes a file so that after a crash either the old content
// of final or the complete new one is found: a temporary file in tmpDir is
// written, fsynced and closed, renamed over final, and final's directory is
// fsynced.
func writeDurable(tmpDir, final string, fill func(io.Writer) error) error {
	f, err := os.CreateTemp(tmpDir, filepath.Base(final)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return err
	}
	if err := fill(f); err != nil {
		return err
	}
	crashPoint("after-tmp-write")
	crashPoint("before-fsync")
	if err := f.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		return err
	}
	ok = true
	crashPoint("after-rename")
	return syncDir(filepath.Dir(final))
}

// syncDir fsyncs a directory so that a rename or removal in it is durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", dir, err)
	}
	return nil
}
