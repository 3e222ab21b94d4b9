// SPDX-License-Identifier: Apache-2.0

package mailsender

import (
	"bytes"
	"io"
	"os"
	"runtime"
	"testing"
)

func TestSpoolMovesToFileAndCleansUp(t *testing.T) {
	dir := t.TempDir()
	sp := &spool{dir: dir}
	small := bytes.Repeat([]byte("a"), spoolMemLimit-10)
	sp.Write(small)
	if sp.file != nil {
		t.Fatal("spool made a file below its memory limit")
	}
	sp.Write(bytes.Repeat([]byte("b"), 20))
	if sp.file == nil {
		t.Fatal("spool stayed in memory above its limit")
	}
	if fi, err := sp.file.Stat(); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("spool file mode = %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	// Unlinked at once where the system allows it, so that a crash
	// (SIGKILL) leaves no message behind in the directory.
	if ents, _ := os.ReadDir(dir); runtime.GOOS != "windows" && len(ents) != 0 {
		t.Errorf("the open spool file still has a name in %s: %v", dir, ents)
	}
	r, err := sp.Reader()
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	want := append(append([]byte{}, small...), bytes.Repeat([]byte("b"), 20)...)
	if !bytes.Equal(got, want) {
		t.Errorf("spool gave back %d bytes, want the %d written", len(got), len(want))
	}
	if err := sp.Close(); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("spool left %d files behind", len(ents))
	}
}
