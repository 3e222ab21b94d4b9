// SPDX-License-Identifier: Apache-2.0

package conformance

import (
	"embed"
	"io/fs"
)

//go:embed testdata/transcripts/*.txt
var transcripts embed.FS

// Transcripts returns the corpus of recorded SMTP dialogues, one file per
// dialogue, in the format documented by package
// [github.com/mailwright/mailwright/conformance/replay]. Other modules'
// tests may replay them.
func Transcripts() fs.FS {
	sub, err := fs.Sub(transcripts, "testdata/transcripts")
	if err != nil {
		panic(err)
	}
	return sub
}
