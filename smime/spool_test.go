// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"io"
	"os"
	"runtime"
	"testing"
)

// TestSpool: a spool gives back exactly what was written, from memory and
// past its limit from a temporary file in its directory; the file holds
// no plaintext (it is encrypted under a key only in memory), is unlinked
// at once where the system allows it, and is gone after Close.
func TestSpool(t *testing.T) {
	dir := t.TempDir()
	plain := bytes.Repeat([]byte("Subject: secret payload 0123456789\r\n"), 100_000) // 3.6 MB
	s := newSpool(dir, 64<<10)
	for rest := plain; len(rest) > 0; {
		k := min(len(rest), 1+len(rest)%7777)
		if _, err := s.Write(rest[:k]); err != nil {
			t.Fatal(err)
		}
		rest = rest[k:]
	}
	if s.Len() != int64(len(plain)) || s.file == nil {
		t.Fatalf("spool holds %d bytes, file %v; want %d in a file", s.Len(), s.file != nil, len(plain))
	}
	for range 2 { // twice: readable more than once
		var out bytes.Buffer
		if _, err := s.WriteTo(&out); err != nil || !bytes.Equal(out.Bytes(), plain) {
			t.Fatalf("WriteTo gave %d bytes (%v), want the %d written", out.Len(), err, len(plain))
		}
		got, err := io.ReadAll(s.Reader())
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("Reader gave %d bytes (%v), want the %d written", len(got), err, len(plain))
		}
	}
	disk, err := io.ReadAll(io.NewSectionReader(s.file, 0, s.n))
	if err != nil || len(disk) != len(plain) {
		t.Fatalf("file holds %d bytes (%v), want %d", len(disk), err, len(plain))
	}
	if bytes.Contains(disk, []byte("secret payload")) {
		t.Error("the temporary file holds the plaintext")
	}
	entries, _ := os.ReadDir(dir)
	if runtime.GOOS != "windows" && len(entries) != 0 {
		t.Errorf("temporary file still has a name in %s: %v", dir, entries)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("after Close, %s holds %v", dir, entries)
	}
}

// TestSpoolSmall: under its limit a spool never touches the disk.
func TestSpoolSmall(t *testing.T) {
	s := newSpool(t.TempDir()+"/does-not-exist", 1<<10)
	defer s.Close()
	if _, err := s.Write([]byte("hello")); err != nil || s.file != nil {
		t.Fatalf("Write = %v, file %v; want it kept in memory", err, s.file != nil)
	}
	var out bytes.Buffer
	if _, err := s.WriteTo(&out); err != nil || out.String() != "hello" {
		t.Fatalf("WriteTo = %q, %v", out.String(), err)
	}
}

// TestProtectTempDir: Protect puts a large message's spool in
// Protector.TempDir, and a directory that cannot be written gives an
// error before anything is written.
func TestProtectTempDir(t *testing.T) {
	p := getPKI(t)
	msg := "From: a@example.test\r\nContent-Type: text/plain\r\n\r\n" + string(bytes.Repeat([]byte("line of text\r\n"), 200_000))
	pr := &Protector{Signer: p.signer, TempDir: t.TempDir() + "/missing"}
	var out bytes.Buffer
	if err := pr.Protect(&out, bytes.NewReader([]byte(msg))); err == nil || out.Len() != 0 {
		t.Fatalf("Protect with a missing TempDir = %v after writing %d bytes; want an error and nothing written", err, out.Len())
	}
	pr.TempDir = t.TempDir()
	if err := pr.Protect(&out, bytes.NewReader([]byte(msg))); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(bytes.NewReader(out.Bytes()), p.roots(), nil); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if entries, _ := os.ReadDir(pr.TempDir); len(entries) != 0 {
		t.Errorf("TempDir holds %v after Protect", entries)
	}
}
