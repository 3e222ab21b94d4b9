// SPDX-License-Identifier: Apache-2.0

package conformance_test

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/mailwright/mailwright/conformance"
	"github.com/mailwright/mailwright/conformance/replay"
)

// The corpus is embedded; each transcript parses into settings and steps.
func ExampleTranscripts() {
	f, err := conformance.Transcripts().Open("rfc5321-d1-typical.txt")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	tr, err := replay.Parse("rfc5321-d1-typical.txt", f)
	if err != nil {
		panic(err)
	}
	names, _ := fs.Glob(conformance.Transcripts(), "*.txt")
	fmt.Println(len(names) >= 40, tr.Get("source"), strings.Join(tr.Settings["to"], " "))
	// Output: true RFC 5321 Appendix D.1 Jones@foo.com Green@foo.com Brown@foo.com
}
