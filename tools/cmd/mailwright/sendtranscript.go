// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"io"
)

// transcriptWriter writes the SMTP trace to the --transcript file with
// AUTH payloads shown as "<redacted>", the marker the command line
// promises; the library (smtpclient) already replaced each payload with
// its own "[redacted]" before anything reaches this writer. Lines are
// buffered until complete, so that a marker split across writes is still
// found.
type transcriptWriter struct {
	w    io.Writer
	line []byte
}

var (
	libMarker = []byte("[redacted]")
	cliMarker = []byte("<redacted>")
)

func (t *transcriptWriter) Write(p []byte) (int, error) {
	t.line = append(t.line, p...)
	for {
		i := bytes.IndexByte(t.line, '\n')
		if i < 0 {
			return len(p), nil
		}
		if err := t.emit(t.line[:i+1]); err != nil {
			return 0, err
		}
		t.line = t.line[i+1:]
	}
}

// emit writes one line, changing the marker on client lines only.
func (t *transcriptWriter) emit(line []byte) error {
	if bytes.HasPrefix(line, []byte("C: ")) {
		line = bytes.ReplaceAll(line, libMarker, cliMarker)
	}
	_, err := t.w.Write(line)
	return err
}

// Close writes what is left of an unfinished last line.
func (t *transcriptWriter) Close() error {
	if len(t.line) == 0 {
		return nil
	}
	err := t.emit(t.line)
	t.line = nil
	return err
}
