// SPDX-License-Identifier: Apache-2.0

package oauthgmail

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary act as a child process: a writer to be
// killed mid-save, or a concurrent refresher.
func TestMain(m *testing.M) {
	switch os.Getenv("OAUTHGMAIL_TEST_CHILD") {
	case "crash":
		childCrash()
	case "refresh":
		childRefresh()
	}
	os.Exit(m.Run())
}

func recordN(n int) *Record {
	return &Record{AccessToken: fmt.Sprintf("ya29.access-%d", n), TokenType: "Bearer",
		RefreshToken: fmt.Sprintf("1//0g-refresh-%d", n),
		Expiry:       time.Date(2026, 12, 4, 11, n, 0, 0, time.UTC), Provider: "google"}
}

func newStore(t *testing.T) *Store {
	t.Helper()
	return &Store{Path: filepath.Join(t.TempDir(), "tokens", "gmail.json"),
		Now: func() time.Time { return time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC) }}
}

// TestStoreModesSEC37: the file is 0600 in a 0700 directory and loads back.
func TestStoreModesSEC37(t *testing.T) {
	s := newStore(t)
	if err := s.Save(recordN(1)); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(s.Path)
	if err != nil {
		t.Fatal(err)
	}
	if m := fi.Mode().Perm(); m != 0o600 {
		t.Errorf("file mode = %04o, want 0600", m)
	}
	di, err := os.Stat(filepath.Dir(s.Path))
	if err != nil {
		t.Fatal(err)
	}
	if m := di.Mode().Perm(); m != 0o700 {
		t.Errorf("directory mode = %04o, want 0700", m)
	}
	r, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	want := recordN(1)
	want.Updated = s.Now()
	if fmt.Sprint(*r) != fmt.Sprint(*want) {
		t.Errorf("Load = %+v, want %+v", *r, *want)
	}
}

// TestStoreRefusesReadableSEC37: a file group or others can read is not
// loaded, and the error names the file.
func TestStoreRefusesReadableSEC37(t *testing.T) {
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660} {
		s := newStore(t)
		if err := s.Save(recordN(1)); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(s.Path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := s.Load()
		var fe *FileError
		if !errors.Is(err, ErrInsecureFile) || !errors.As(err, &fe) || fe.Path != s.Path {
			t.Errorf("Load of a %04o file = %v, want ErrInsecureFile naming %s", mode, err, s.Path)
		}
		if err != nil && !strings.Contains(err.Error(), fmt.Sprintf("%04o", mode)) {
			t.Errorf("error %q does not name the mode", err)
		}
	}
}

func TestStoreRefusesSharedDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	s := &Store{Path: filepath.Join(dir, "t.json")}
	if err := s.Save(recordN(1)); !errors.Is(err, ErrInsecureFile) {
		t.Errorf("Save into a 0777 directory = %v, want ErrInsecureFile", err)
	}
	if _, err := os.Stat(s.Path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("file written despite the refusal: %v", err)
	}
}

func TestStoreMissingAndGarbage(t *testing.T) {
	s := newStore(t)
	_, err := s.Load()
	if !errors.Is(err, ErrNoToken) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load of a missing file = %v, want ErrNoToken and fs.ErrNotExist", err)
	}
	os.MkdirAll(filepath.Dir(s.Path), 0o700)
	os.WriteFile(s.Path, []byte("{\"access_token\":"), 0o600)
	_, err = s.Load()
	var fe *FileError
	if !errors.As(err, &fe) || fe.Path != s.Path || !strings.Contains(err.Error(), "not a token file") {
		t.Errorf("Load of a truncated file = %v", err)
	}
}

// TestStoreInjectedCrashSEC37 fails the save after each step: before the
// rename the old record is intact, from the rename on the new one, and no
// temporary file is left behind.
func TestStoreInjectedCrashSEC37(t *testing.T) {
	steps := []struct {
		step    string
		wantNew bool
	}{
		{"create", false}, {"write", false}, {"sync", false}, {"close", false},
		{"rename", true}, {"syncdir", true},
	}
	for _, tt := range steps {
		t.Run(tt.step, func(t *testing.T) {
			s := newStore(t)
			if err := s.Save(recordN(1)); err != nil {
				t.Fatal(err)
			}
			testHook = func(step string) error {
				if step == tt.step {
					return errors.New("injected crash")
				}
				return nil
			}
			err := s.Save(recordN(2))
			testHook = nil
			if err == nil || !strings.Contains(err.Error(), "injected crash") {
				t.Fatalf("Save = %v, want the injected failure", err)
			}
			r, err := s.Load()
			if err != nil {
				t.Fatalf("Load after crash: %v", err)
			}
			want := recordN(1).RefreshToken
			if tt.wantNew {
				want = recordN(2).RefreshToken
			}
			if r.RefreshToken != want {
				t.Errorf("after a crash at %s the file holds %q, want %q", tt.step, r.RefreshToken, want)
			}
			entries, _ := os.ReadDir(filepath.Dir(s.Path))
			for _, e := range entries {
				if strings.Contains(e.Name(), ".tmp") {
					t.Errorf("temporary file %s left behind", e.Name())
				}
			}
		})
	}
}

// childCrash saves record 2 over record 1 and stops at the step named in
// the environment, telling the parent, which kills it with SIGKILL.
func childCrash() {
	s := &Store{Path: os.Getenv("OAUTHGMAIL_STORE")}
	at := os.Getenv("OAUTHGMAIL_STEP")
	testHook = func(step string) error {
		if step == at {
			fmt.Println("at " + step)
			select {}
		}
		return nil
	}
	if err := s.Save(recordN(2)); err != nil {
		fmt.Println("error", err)
	}
	os.Exit(3)
}

// TestStoreKilledWriterSEC37 kills a real writer process with SIGKILL
// between each pair of steps: the file holds the old or the new record,
// complete.
func TestStoreKilledWriterSEC37(t *testing.T) {
	for _, step := range []string{"create", "write", "sync", "close", "rename", "syncdir"} {
		t.Run(step, func(t *testing.T) {
			s := newStore(t)
			if err := s.Save(recordN(1)); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "OAUTHGMAIL_TEST_CHILD=crash",
				"OAUTHGMAIL_STORE="+s.Path, "OAUTHGMAIL_STEP="+step)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			line, _ := bufio.NewReader(out).ReadString('\n')
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
			if line != "at "+step+"\n" {
				t.Fatalf("child said %q, want it stopped at %s", line, step)
			}
			r, err := s.Load()
			if err != nil {
				t.Fatalf("Load after SIGKILL at %s: %v", step, err)
			}
			if r.RefreshToken != recordN(1).RefreshToken && r.RefreshToken != recordN(2).RefreshToken {
				t.Errorf("file holds %q, neither the old nor the new token", r.RefreshToken)
			}
			if step == "rename" || step == "syncdir" {
				if r.RefreshToken != recordN(2).RefreshToken {
					t.Errorf("killed after rename, file holds %q, want the new token", r.RefreshToken)
				}
			}
		})
	}
}

func TestStoreUpdateLockCancelled(t *testing.T) {
	s := newStore(t)
	unlock, err := s.lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	err = s.Update(ctx, func(*Record) (bool, error) { return false, nil })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Update while locked = %v, want the context's deadline", err)
	}
}

// childRefresh renews the token of a shared store again and again against
// the parent's rotating token server.
func childRefresh() {
	s := &Store{Path: os.Getenv("OAUTHGMAIL_STORE")}
	ts := &TokenSource{Store: s}
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		tok, err := ts.TokenContext(ctx)
		if err == nil {
			_, err = ts.Renew(ctx, tok)
		}
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
	}
	fmt.Println("ok")
	os.Exit(0)
}

// TestConcurrentRefreshersCASE28 runs four processes that renew through
// one store against a server that rotates refresh tokens and refuses a
// reused one. With the lock none of them uses a superseded refresh token,
// and the file ends holding the one the server still accepts.
func TestConcurrentRefreshersCASE28(t *testing.T) {
	f, srv := newFakeAS(t, "microsoft")
	f.rotate = true
	f.addRefresh("M.C-first")
	s := newStore(t)
	rec := &Record{RefreshToken: "M.C-first"}
	rec.SetClient(f.client(srv.URL))
	if err := s.Save(rec); err != nil {
		t.Fatal(err)
	}
	const procs = 4
	var wg sync.WaitGroup
	outs := make([]string, procs)
	for i := range procs {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "OAUTHGMAIL_TEST_CHILD=refresh", "OAUTHGMAIL_STORE="+s.Path)
			out, _ := cmd.CombinedOutput()
			outs[i] = string(out)
		})
	}
	wg.Wait()
	for i, o := range outs {
		if strings.TrimSpace(o) != "ok" {
			t.Errorf("refresher %d: %s", i, o)
		}
	}
	if f.badGrants != 0 {
		t.Errorf("server saw %d invalid_grant answers: a rotated refresh token was lost", f.badGrants)
	}
	if f.refreshes < 5 || f.refreshes > procs*5+1 {
		t.Errorf("server saw %d refreshes, want between 5 and %d", f.refreshes, procs*5+1)
	}
	r, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	valid := f.validRefresh()
	if len(valid) != 1 || r.RefreshToken != valid[0] {
		t.Errorf("file holds %q, server accepts %v", r.RefreshToken, valid)
	}
}
