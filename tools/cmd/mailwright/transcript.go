// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/mailwright/mailwright/conformance/capture"
)

func init() {
	register(&command{
		name:    "transcript",
		summary: "turn a captured SMTP session into a redacted replay transcript",
		run:     runTranscript,
	})
}

// multiFlag collects a repeated string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return fmt.Sprint(*m) }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// runTranscript reads a capture (a "mailwright send --transcript" log or the
// output of swaks) and writes a transcript for the conformance corpus.
func runTranscript(_ context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("transcript", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var secrets multiFlag
	fs.Var(&secrets, "secret", "a string to remove wherever it appears (repeatable): user name, password, token")
	secretEnv := fs.String("secret-env", "", "name of an environment variable holding one more secret")
	mode := fs.String("mode", "", "the transcript's mode: plain, starttls, opportunistic or tls (default: from the capture)")
	source := fs.String("source", "", "where the capture comes from, for the source setting")
	in := fs.String("in", "-", "capture file; - is standard input")
	out := fs.String("o", "-", "transcript file to write; - is standard output")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: mailwright transcript [--secret S]... [--mode M] [--source TEXT] [--in FILE] [-o FILE]")
		fmt.Fprintln(e.stderr, "SASL payloads become <b64> and the message text <data> in any case; --secret removes more.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return &exitError{code: 2, err: err}
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return &exitError{code: 2, err: fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if *secretEnv != "" {
		v := e.getenv(*secretEnv)
		if v == "" {
			return &exitError{code: 2, err: fmt.Errorf("environment variable %s is empty", *secretEnv)}
		}
		secrets = append(secrets, v)
	}
	var r io.Reader = e.stdin
	if *in != "-" {
		f, err := os.Open(*in)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	o := &capture.Options{Secrets: secrets, Mode: *mode, Source: *source}
	if *out == "-" {
		return capture.Redact(e.stdout, r, o)
	}
	// Written to a temporary file first, so a failed redaction leaves no
	// partial transcript behind.
	tmp, err := os.CreateTemp(dirOf(*out), ".transcript-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := capture.Redact(tmp, r, o); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), *out)
}

func dirOf(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if os.IsPathSeparator(path[i]) {
			return path[:i+1]
		}
	}
	return "."
}
