// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mailwright/mailwright/mailsender/queue"
)

func init() {
	register(&command{
		name:    "queue",
		summary: "list, show, retry or delete the entries of a queue directory",
		run:     runQueue,
	})
}

const queueUsage = "usage: mailwright queue list|show|retry|delete --queue DIR [ID...]"

func runQueue(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return &exitError{code: 2, err: errors.New(queueUsage)}
	}
	verb := args[0]
	fs := flag.NewFlagSet("mailwright queue "+verb, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	dir := fs.String("queue", "", "queue `directory` (required)")
	message := fs.Bool("message", false, "show: print the message text instead of its state")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return &exitError{code: 2, err: err}
	}
	ids := fs.Args()
	if *dir == "" || !validQueueArgs(verb, len(ids)) {
		return &exitError{code: 2, err: errors.New(queueUsage)}
	}
	if isNATS(*dir) {
		return &exitError{code: 2, err: errors.New("queue " + verb + " works on a queue directory; " +
			"inspect a JetStream queue with the nats CLI (nats stream info MAILWRIGHT, " +
			"nats stream view MAILWRIGHT_DEAD)")}
	}
	if _, err := os.Stat(filepath.Join(*dir, "state")); err != nil {
		return fmt.Errorf("no queue in %s: %w", *dir, err)
	}
	sp, err := queue.Open(*dir)
	if err != nil {
		return err
	}
	switch {
	case verb == "list" && len(ids) == 0:
		return listQueue(e.stdout, sp)
	case verb == "show" && len(ids) == 1:
		return showEntry(e.stdout, sp, ids[0], *message)
	case verb == "retry" && len(ids) > 0:
		return eachID(e.stdout, ids, "due now", sp.Retry)
	case verb == "delete" && len(ids) > 0:
		return eachID(e.stdout, ids, "deleted", sp.Delete)
	}
	return &exitError{code: 2, err: errors.New(queueUsage)}
}

func validQueueArgs(verb string, ids int) bool {
	switch verb {
	case "list":
		return ids == 0
	case "show":
		return ids == 1
	case "retry", "delete":
		return ids > 0
	}
	return false
}

// listQueue prints one line per active entry, then per failed entry.
func listQueue(out io.Writer, sp *queue.Spool) error {
	tw := tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tATTEMPTS\tNEXT\tFROM\tRECIPIENTS\tNOTE")
	for _, failed := range []bool{false, true} {
		ids, err := sp.IDs(failed)
		if err != nil {
			return err
		}
		for _, id := range ids {
			load := sp.Load
			if failed {
				load = sp.LoadFailed
			}
			en, err := load(id)
			if err != nil {
				continue // finished while we listed
			}
			fmt.Fprintln(tw, listLine(en, failed))
		}
	}
	return tw.Flush()
}

func listLine(en *queue.Entry, failed bool) string {
	state, next := "queued", en.Next.UTC().Format(time.RFC3339)
	if failed {
		state, next = "failed", "-"
	}
	done := 0
	for _, r := range en.Recipients {
		if r.State != queue.Pending {
			done++
		}
	}
	var notes []string
	if en.PossibleDuplicate {
		notes = append(notes, "possible duplicate")
	}
	if en.LastError != "" {
		notes = append(notes, en.LastError)
	}
	return fmt.Sprintf("%s\t%s\t%d\t%s\t%s\t%d/%d done\t%s", en.ID, state, en.Attempts, next,
		en.From, done, len(en.Recipients), strings.Join(notes, "; "))
}

// showEntry prints the state of one entry as JSON, or its message.
func showEntry(out io.Writer, sp *queue.Spool, id string, message bool) error {
	if message {
		f, err := sp.OpenMessage(id)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(out, f)
		return err
	}
	en, err := sp.Load(id)
	if errors.Is(err, queue.ErrNotFound) {
		en, err = sp.LoadFailed(id)
	}
	if err != nil {
		return err
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(en)
}

// eachID runs fn on every id and reports each result.
func eachID(out io.Writer, ids []string, done string, fn func(string) error) error {
	var errs []error
	for _, id := range ids {
		if err := fn(id); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", id, err))
			continue
		}
		fmt.Fprintf(out, "%s %s\n", id, done)
	}
	return errors.Join(errs...)
}
