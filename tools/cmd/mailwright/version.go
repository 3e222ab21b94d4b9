// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"runtime/debug"
)

func init() {
	register(&command{
		name:    "version",
		summary: "print the module version of this program",
		run:     runVersion,
	})
}

func runVersion(_ context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("mailwright version", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() { fmt.Fprintln(e.stderr, "usage: mailwright version\n\nIt takes no flags.") }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return &exitError{code: 2, err: err}
	}
	if fs.NArg() > 0 {
		return &exitError{code: 2, err: fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	fmt.Fprintln(e.stdout, "mailwright "+version(debug.ReadBuildInfo))
	return nil
}

// version returns the main module's version, "(devel)" when the program
// was not built from a released module (go build in a checkout).
func version(read func() (*debug.BuildInfo, bool)) string {
	bi, ok := read()
	if !ok || bi.Main.Version == "" {
		return "(devel)"
	}
	v := bi.Main.Version
	if bi.GoVersion != "" {
		v += " " + bi.GoVersion
	}
	return v
}
