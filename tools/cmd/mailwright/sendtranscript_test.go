// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"testing"
)

// TestTranscriptMarker: the --transcript file shows AUTH payloads as
// "<redacted>", whatever way the trace is cut into writes; server lines
// and message text are left alone (SEC-34, SEC-35: the library has
// already removed the payload; this only renames its marker).
func TestTranscriptMarker(t *testing.T) {
	in := "S: 250 AUTH PLAIN LOGIN\r\nC: AUTH PLAIN [redacted]\r\n" +
		"S: 334 VXNlcm5hbWU6\r\nC: [redacted]\r\nS: 535 5.7.8 [redacted] stays\r\nC: QUIT"
	want := "S: 250 AUTH PLAIN LOGIN\r\nC: AUTH PLAIN <redacted>\r\n" +
		"S: 334 VXNlcm5hbWU6\r\nC: <redacted>\r\nS: 535 5.7.8 [redacted] stays\r\nC: QUIT"
	for _, size := range []int{1, 3, 7, len(in)} {
		var out bytes.Buffer
		tw := &transcriptWriter{w: &out}
		for i := 0; i < len(in); i += size {
			chunk := in[i:min(i+size, len(in))]
			if n, err := tw.Write([]byte(chunk)); n != len(chunk) || err != nil {
				t.Fatalf("Write = %d, %v", n, err)
			}
		}
		if err := tw.Close(); err != nil {
			t.Fatal(err)
		}
		if out.String() != want {
			t.Errorf("writes of %d bytes: got\n%q\nwant\n%q", size, out.String(), want)
		}
	}
}
