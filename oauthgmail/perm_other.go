// SPDX-License-Identifier: Apache-2.0

//go:build !unix

package oauthgmail

import "os"

// BUG(mailwright): On systems other than Unix the token file's permissions
// are not checked and Store.Update takes no lock between processes.

func checkPrivate(path string, f *os.File) error { return nil }

func checkDir(path, dir string) error { return nil }

func tryLock(f *os.File) (bool, error) { return true, nil }

func unlockFile(f *os.File) {}
