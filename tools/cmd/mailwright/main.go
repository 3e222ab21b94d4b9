// SPDX-License-Identifier: Apache-2.0

// Command mailwright sends, signs, encrypts and inspects mail from the
// command line. Run "mailwright help" for the list of commands.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// command is one subcommand. Each lives in its own file and registers itself
// from an init function, so that commands can be added without touching
// this file.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what a command may touch: its streams and the environment.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("mailwright: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

// exitError carries a specific exit status; other errors exit with 1.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	code := runMain(ctx, e, os.Args[1:])
	stop()
	os.Exit(code)
}

// runMain runs one command line and returns the exit status.
func runMain(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || isHelpFlag(args[0]) ||
		args[0] == "help" && (len(args) == 1 || isHelpFlag(args[1]) || args[1] == "help") {
		usage(e.stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "help" { // "help send" is "send -h"
		args = append(args[1:], "-h")
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "mailwright: unknown command %q\n", args[0])
		usage(e.stderr)
		return 2
	}
	if isHelpRequest(c.name, args[1:]) {
		return commandHelp(ctx, e, c, args[1:])
	}
	if err := c.run(ctx, e, args[1:]); err != nil {
		// A library error that starts with the command's own name
		// ("smime: ...") is not prefixed twice.
		fmt.Fprintf(e.stderr, "mailwright %s: %s\n", c.name, strings.TrimPrefix(err.Error(), c.name+": "))
		if x, ok := err.(*exitError); ok {
			return x.code
		}
		return 1
	}
	return 0
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: mailwright <command> [flags]")
	fmt.Fprintln(w)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	for _, n := range names {
		fmt.Fprintf(w, "  %-*s  %s\n", width, n, commands[n].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, `"mailwright help <command>" or "mailwright <command> -h" shows a command's flags.`)
}
