// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Data sends DATA and returns a writer for the message. The writer puts
// only CRLF line ends on the wire, dot-stuffs, and refuses NUL, lines over
// 998 octets and, without 8BITMIME, 8-bit octets; an error from it aborts
// the transaction by closing the connection. Close sends the final "." and
// waits for the reply within DataTimeout; when none comes the error wraps
// [ErrPossibleDuplicate]. ctx bounds the whole message, until Close.
func (c *Client) Data(ctx context.Context) (io.WriteCloser, error) {
	r, err := c.cmd(ctx, c.opts.CommandTimeout, "DATA", "DATA")
	if err != nil {
		return nil, err
	}
	if err := c.expect(r, "DATA", 354); err != nil {
		return nil, err
	}
	return c.newDataWriter(ctx, true), nil
}

// dataWriter streams one message body through a bodyEncoder into the
// connection, refreshing the write deadline for every block.
type dataWriter struct {
	c      *Client
	enc    bodyEncoder
	stop   func() bool
	ctx    context.Context //nolint:containedctx // lives only until Close
	n      int64
	closed bool
	reply  *Reply
}

func (c *Client) newDataWriter(ctx context.Context, stuff bool) *dataWriter {
	w := &dataWriter{c: c, ctx: ctx}
	w.enc = newBodyEncoder(c.bw, stuff, c.params.body8, c.opts.RejectBareLineEnds)
	w.enc.limit = c.sizeLimit()
	w.stop = c.interruptOn(ctx)
	return w
}

func (w *dataWriter) Write(p []byte) (int, error) {
	if w.closed {
		return 0, errors.New("smtpclient: write after Close")
	}
	if err := w.c.usable(); err != nil {
		return 0, err
	}
	w.c.setDeadline(w.ctx, w.c.opts.CommandTimeout, writeOnly)
	n, err := w.enc.Write(p)
	w.n += int64(n)
	if err != nil {
		return n, w.abort(err)
	}
	return n, nil
}

// abort closes the connection so that the server discards the message.
func (w *dataWriter) abort(err error) error {
	var be *BodyError
	var ee *ExtensionError
	var se *SizeError
	if !errors.As(err, &be) && !errors.As(err, &ee) && !errors.As(err, &se) {
		err = classify(w.ctx, "message data", err)
	}
	w.c.shut(err)
	w.stop()
	return err
}

// Close ends the message and reads the server's reply.
func (w *dataWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if err := w.c.usable(); err != nil {
		w.stop()
		return err
	}
	w.c.setDeadline(w.ctx, w.c.opts.CommandTimeout, writeOnly)
	if err := w.enc.close(); err != nil {
		return w.abort(err)
	}
	if err := w.c.bw.Flush(); err != nil {
		return w.abort(err)
	}
	w.c.trace.note("[message body, " + strconv.FormatInt(w.n, 10) + " octets]")
	defer w.stop()
	r, err := w.c.final(w.ctx, "DATA")
	w.reply = r
	return err
}

// final reads the reply after the end of a message (DATA's "." or BDAT
// LAST) within DataTimeout. Silence or a closed connection there means the
// message may have been delivered (SEC-46).
func (c *Client) final(ctx context.Context, command string) (*Reply, error) {
	c.inMail, c.params = false, mailParams{}
	c.setDeadline(ctx, c.opts.DataTimeout, readOnly)
	r, err := readReply(c.br, c.trace, command, maxReplyLine)
	if err != nil {
		var pe *ProtocolError
		if errors.As(err, &pe) {
			return nil, c.fail(ctx, command, err)
		}
		err = fmt.Errorf("%w: %w", ErrPossibleDuplicate, classify(ctx, "reply to the end of the message", err))
		c.shut(err)
		return nil, err
	}
	if r.Code == 421 {
		e := r.err(command)
		c.shut(e)
		return r, e
	}
	c.used = true
	if err := c.expect(r, command, 250); err != nil {
		return r, err
	}
	return r, nil
}
