// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/mailwright/mailwright/mailsender"
	"github.com/mailwright/mailwright/mailsender/queue"
)

// queueCredential is the credential name "send --queue" stores: the
// --credential flag, or "env:MAILWRIGHT_PASSWORD" when the password comes
// from that variable, so that the agent reads it from its own environment.
func queueCredential(f *sendFlags, getenv func(string) string) string {
	switch {
	case f.credential != "":
		return f.credential
	case f.password == "" && getenv("MAILWRIGHT_PASSWORD") != "":
		return "env:MAILWRIGHT_PASSWORD"
	}
	return ""
}

// enqueueSend stores the message of a "send --queue DIR" command line in
// the queue instead of sending it, and prints the entry's id.
func enqueueSend(ctx context.Context, out io.Writer, job *sendJob) error {
	if job.credential == "" && job.sender.Password != "" {
		return &exitError{code: 2, err: errors.New("--password cannot be queued: the queue stores " +
			"only the name of a credential; use --credential env:NAME or file:PATH, or $MAILWRIGHT_PASSWORD")}
	}
	enqueue := func(q queue.Enqueuer) (string, error) {
		return job.sender.Enqueue(ctx, q, job.msg, &mailsender.EnqueueOptions{
			Credential: job.credential, DKIM: job.sender.DKIM})
	}
	var id string
	var err error
	if isNATS(job.queue) {
		id, err = enqueueNATS(ctx, job, enqueue)
	} else {
		var sp *queue.Spool
		if sp, err = queue.Open(job.queue); err == nil {
			id, err = enqueue(sp)
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "queued as "+id)
	return nil
}
