// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"fmt"
	"strings"
)

// moreHelp is printed after a command's own help, for commands whose own
// text leaves something out.
var moreHelp = map[string]string{
	"queue": `usage: mailwright queue list   --queue DIR
       mailwright queue show   --queue DIR [--message] ID
       mailwright queue retry  --queue DIR ID...
       mailwright queue delete --queue DIR ID...

Flags come before the IDs.
  --queue DIR   the queue directory (required)
  --message     show: print the message text instead of its state
`,
	"demo": "usage: mailwright demo\n\nThe demo takes no flags: it needs no network and no set-up.\n",
}

func isHelpFlag(a string) bool { return a == "-h" || a == "--help" || a == "-help" }

// withActions are the commands whose first argument names an action.
var withActions = map[string]bool{"dkim": true, "smime": true, "token": true, "queue": true}

// isHelpRequest reports whether the arguments of command name ask for its
// help: "-h" first, or after an action name ("dkim verify -h").
func isHelpRequest(name string, args []string) bool {
	switch {
	case len(args) == 0:
		return false
	case isHelpFlag(args[0]):
		return true
	default:
		return withActions[name] && len(args) > 1 && !strings.HasPrefix(args[0], "-") &&
			isHelpFlag(args[1])
	}
}

// commandHelp prints c's help on standard output and returns 0. The
// command itself prints it when its flag set meets -h; what it returns
// then (flag.ErrHelp, or a usage error when an action is missing) is not
// an error of the user's.
func commandHelp(ctx context.Context, e *env, c *command, args []string) int {
	if text, ok := moreHelp[c.name]; ok && isHelpFlag(args[0]) {
		fmt.Fprint(e.stdout, text)
		return 0
	}
	he := *e
	he.stderr = e.stdout
	he.stdin = strings.NewReader("")
	n := 2 // "dkim verify -h"
	if isHelpFlag(args[0]) {
		n = 1
	}
	_ = c.run(ctx, &he, args[:n])
	return 0
}
