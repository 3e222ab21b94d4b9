// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// blockSize is how much of a message SendMail reads before it sends
// anything: a message that fits is checked completely first, and its size
// and 8-bit content are known for MAIL FROM.
const blockSize = 64 << 10

// SendOptions are the choices for one SendMail call. The zero value sends
// to the recipients the server accepts and reports the others.
type SendOptions struct {
	// Mail holds the MAIL FROM parameters. When Size is zero and the
	// message is small, the size is measured. When Body is empty it is set
	// to 8BITMIME for 8-bit content, or for any message too large to check
	// in advance when the server offers 8BITMIME.
	Mail MailOptions
	// Rcpt holds the RCPT TO parameters used for every recipient.
	Rcpt RcptOptions
	// AllOrNothing sends the message only if the server accepts every
	// recipient. It costs one more round trip, because the client must
	// see the RCPT replies before it commits to DATA or BDAT.
	AllOrNothing bool
}

// SendResult reports what happened to one message.
type SendResult struct {
	// Recipients holds one entry per recipient, in the order given.
	Recipients []RcptResult
	// Reply is the server's reply to the end of the message (it often
	// carries the queue ID); zero when the message was not sent.
	Reply Reply
}

// RcptResult is the outcome for one recipient.
type RcptResult struct {
	// Recipient is the address as given.
	Recipient string
	// Err is nil when the server accepted the recipient, else its *Error.
	Err error
}

// RecipientError reports recipients the server refused. When Delivered
// is zero the message was not sent at all.
type RecipientError struct {
	// Refused lists the refused recipients in the order given, each with
	// the server's *Error.
	Refused []RcptResult
	// Delivered is the number of recipients the message went to.
	Delivered int
}

// Error counts the refused recipients and lists each with its reply.
func (e *RecipientError) Error() string {
	var b strings.Builder
	b.WriteString("smtpclient: ")
	b.WriteString(strconv.Itoa(len(e.Refused)))
	b.WriteString(" of ")
	b.WriteString(strconv.Itoa(len(e.Refused) + e.Delivered))
	b.WriteString(" recipients refused")
	if e.Delivered == 0 {
		b.WriteString(", message not sent")
	}
	for i, r := range e.Refused {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString("<" + r.Recipient + "> " + r.Err.Error())
	}
	return b.String()
}

// Unwrap returns the refusals, so that errors.As finds an *Error.
func (e *RecipientError) Unwrap() []error {
	errs := make([]error, len(e.Refused))
	for i, r := range e.Refused {
		errs[i] = r.Err
	}
	return errs
}

// Temporary reports whether every refusal was temporary (4xx).
func (e *RecipientError) Temporary() bool {
	for _, r := range e.Refused {
		var se *Error
		if !errors.As(r.Err, &se) || !se.Temporary() {
			return false
		}
	}
	return len(e.Refused) > 0
}

// SendMail sends one message with the fewest round trips the server
// allows. With PIPELINING, MAIL FROM, every RCPT TO and DATA go out in one
// write and the body in a second (two round trips); with PIPELINING and
// CHUNKING a message under 64 KiB travels with its envelope in a single
// BDAT LAST (one round trip). The message is streamed: only its first 64
// KiB are buffered, to check it and measure it before anything is sent.
//
// The result lists every recipient's outcome. When some were refused the
// error is a *RecipientError (and, unless o.AllOrNothing, the message went
// to the others). A failure after the whole message was sent but before
// its reply wraps [ErrPossibleDuplicate].
func (c *Client) SendMail(ctx context.Context, from string, to []string, msg io.Reader, o *SendOptions) (*SendResult, error) {
	src, err := c.readFirst(msg)
	if err != nil {
		return nil, err
	}
	res, _, err := c.send(ctx, from, to, src, o)
	return res, err
}

// BUG(mailwright): a message over 64 KiB read from a reader with neither
// a Len nor a Seek method has no known size: MAIL FROM carries no SIZE, and
// a message over the server's SIZE limit is stopped only when it passes
// the limit, after part of it was sent (the transaction is then aborted by
// closing the connection). Set MailOptions.Size when the size is known.

// source is a message whose first block has been read.
type source struct {
	first   []byte
	whole   bool // first is the whole message
	rest    io.Reader
	started bool // bytes beyond first have been read
}

// size returns the size of the whole message when the reader can tell
// what is left of it (a Len method, as bytes.Reader and strings.Reader
// have, or Seek, as *os.File has), else 0.
func (s *source) size() int64 {
	switch r := s.rest.(type) {
	case interface{ Len() int }:
		return int64(len(s.first) + r.Len())
	case io.Seeker:
		cur, err := r.Seek(0, io.SeekCurrent)
		if err != nil {
			return 0
		}
		end, err := r.Seek(0, io.SeekEnd)
		if _, serr := r.Seek(cur, io.SeekStart); err != nil || serr != nil || end < cur {
			return 0
		}
		return int64(len(s.first)) + end - cur
	}
	return 0
}

// readFirst reads the first block of msg into the client's buffer.
func (c *Client) readFirst(msg io.Reader) (*source, error) {
	if c.block == nil {
		c.block = make([]byte, blockSize)
	}
	n, err := io.ReadFull(msg, c.block)
	switch err {
	case nil:
		return &source{first: c.block[:n], rest: msg}, nil
	case io.EOF, io.ErrUnexpectedEOF:
		return &source{first: c.block[:n], whole: true}, nil
	}
	return nil, fmt.Errorf("smtpclient: reading the message: %w", err)
}

// tx is the state of one SendMail transaction.
type tx struct {
	params   mailParams
	res      *SendResult
	mailErr  error
	accepted int
	sentMail bool // MAIL FROM was accepted: the server holds some state
}

// send runs one transaction. started reports whether the server may have
// accepted anything of it (MAIL FROM was accepted), for the pool's retry.
func (c *Client) send(ctx context.Context, from string, to []string, src *source, o *SendOptions) (*SendResult, bool, error) {
	if o == nil {
		o = &SendOptions{}
	}
	mailLine, p, rcptLines, err := c.prepareSend(from, to, src, o)
	if err != nil {
		return nil, false, err
	}
	if err := c.unsolicited(ctx); err != nil {
		return nil, false, err
	}
	stop := c.interruptOn(ctx)
	defer stop()
	t := &tx{params: p, res: &SendResult{Recipients: make([]RcptResult, len(to))}}
	for i, r := range to {
		t.res.Recipients[i].Recipient = r
	}
	err = c.transact(ctx, t, mailLine, rcptLines, src, o)
	return t.res, t.sentMail, err
}

// prepareSend checks everything and builds the envelope before any byte
// is sent.
func (c *Client) prepareSend(from string, to []string, src *source, o *SendOptions) (string, mailParams, []string, error) {
	if err := c.usable(); err != nil {
		return "", mailParams{}, nil, err
	}
	if c.inMail {
		return "", mailParams{}, nil, &ArgumentError{Field: "SendMail", Reason: "a mail transaction is already open"}
	}
	if len(to) == 0 {
		return "", mailParams{}, nil, &ArgumentError{Field: "recipients", Reason: "none given"}
	}
	mo := o.Mail
	for _, r := range to {
		u, err := checkAddress("recipient address", r, false)
		if err != nil {
			return "", mailParams{}, nil, err
		}
		mo.UTF8 = mo.UTF8 || u
	}
	if err := c.shapeBody(&mo, src); err != nil {
		return "", mailParams{}, nil, err
	}
	mail, p, err := c.mailLine(from, &mo)
	if err != nil {
		return "", mailParams{}, nil, err
	}
	rcpts := make([]string, len(to))
	for i, r := range to {
		if rcpts[i], err = c.rcptLine(r, &o.Rcpt, p.utf8); err != nil {
			return "", mailParams{}, nil, err
		}
	}
	return mail, p, rcpts, nil
}

// shapeBody sets SIZE and BODY from the first block and, when that is the
// whole message, checks all of it so that a bad message sends nothing.
func (c *Client) shapeBody(mo *MailOptions, src *source) error {
	if !src.whole {
		if mo.Size == 0 {
			mo.Size = src.size()
		}
		if mo.Body == "" && c.has("8BITMIME") {
			mo.Body = Body8BitMIME
		}
		return nil
	}
	if mo.Size == 0 {
		mo.Size = int64(len(src.first))
	}
	eight := has8bit(src.first)
	if eight && mo.Body == "" {
		mo.Body = Body8BitMIME
	}
	enc := newBodyEncoder(io.Discard, false, true, c.opts.RejectBareLineEnds)
	if _, err := enc.Write(src.first); err != nil {
		return err
	}
	if err := enc.close(); err != nil {
		return err
	}
	if eight && mo.Body != Body8BitMIME {
		return &ArgumentError{Field: "MailOptions.Body", Reason: "is 7BIT but the message has 8-bit content"}
	}
	return nil
}

// peekWait bounds the look at input that is pending on an idle
// connection (see unsolicited).
const peekWait = 200 * time.Millisecond

// unsolicited fails when the server has sent something nobody asked for,
// such as a 421 while the connection was idle (CASE-16): it must not be
// taken for the reply to the next command.
func (c *Client) unsolicited(ctx context.Context) error {
	if c.br.Buffered() == 0 {
		if !pendingInput(c.conn) {
			return nil
		}
		// Something waits on the socket: a reply, the server's close, or
		// under TLS possibly a record that carries no data (a session
		// ticket). A short look tells them apart without waiting for a
		// reply that may never come.
		c.conn.SetReadDeadline(time.Now().Add(peekWait)) //nolint:errcheck
		_, err := c.br.Peek(1)
		c.conn.SetReadDeadline(time.Time{}) //nolint:errcheck
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return nil
		}
		if err != nil {
			return c.fail(ctx, idleCommand, err)
		}
	}
	c.setDeadline(ctx, c.opts.CommandTimeout, readOnly)
	if _, err := c.read(ctx, idleCommand, maxReplyLine); err != nil {
		return err
	}
	return c.fail(ctx, idleCommand, &ProtocolError{Command: "previous command", Reason: "unsolicited reply"})
}

// deadline sets an absolute deadline for the next step.
func (c *Client) deadline(ctx context.Context, d time.Duration) {
	c.setDeadline(ctx, d, readWrite)
}

// flush sends what is buffered.
func (c *Client) flush(ctx context.Context, what string) error {
	c.deadline(ctx, c.opts.CommandTimeout)
	if err := c.bw.Flush(); err != nil {
		return c.fail(ctx, what, err)
	}
	return nil
}

// transact writes the envelope and the message, pipelining as far as the
// server allows.
func (c *Client) transact(ctx context.Context, t *tx, mail string, rcpts []string, src *source, o *SendOptions) error {
	pipe := c.has("PIPELINING")
	deferred := pipe && !o.AllOrNothing
	c.writeLine(mail) //nolint:errcheck // checked by prepareSend
	if !pipe {
		if err := c.readMail(ctx, t, true); err != nil {
			return err
		}
		if t.mailErr != nil {
			// Without PIPELINING no RCPT goes out after a refused MAIL.
			return c.checkEnvelope(ctx, t, o.AllOrNothing)
		}
	}
	for i, line := range rcpts {
		c.writeLine(line) //nolint:errcheck
		if !pipe {
			if err := c.readRcpt(ctx, t, i, true); err != nil {
				return err
			}
		}
	}
	if pipe && !deferred {
		if err := c.readEnvelope(ctx, t, true); err != nil {
			return err
		}
	}
	if !deferred {
		if err := c.checkEnvelope(ctx, t, o.AllOrNothing); err != nil {
			return err
		}
	}
	if c.has("CHUNKING") {
		return c.sendChunks(ctx, t, src, deferred, pipe)
	}
	return c.sendData(ctx, t, src, deferred)
}

// readMail reads the reply to MAIL FROM.
func (c *Client) readMail(ctx context.Context, t *tx, flush bool) error {
	if flush {
		if err := c.flush(ctx, "MAIL FROM"); err != nil {
			return err
		}
	}
	c.deadline(ctx, c.opts.CommandTimeout)
	r, err := c.read(ctx, "MAIL FROM", maxReplyLine)
	if err != nil {
		return err
	}
	if err := c.expect(r, "MAIL FROM", 250); err != nil {
		if c.closed {
			return err
		}
		t.mailErr = err
		return nil
	}
	t.sentMail = true
	c.begun(t.params)
	return nil
}

// readRcpt reads the reply to the i-th RCPT TO.
func (c *Client) readRcpt(ctx context.Context, t *tx, i int, flush bool) error {
	if flush {
		if err := c.flush(ctx, "RCPT TO"); err != nil {
			return err
		}
	}
	c.deadline(ctx, c.opts.CommandTimeout)
	r, err := c.read(ctx, "RCPT TO", maxReplyLine)
	if err != nil {
		return err
	}
	if err := c.expect(r, "RCPT TO", 250, 251); err != nil {
		if c.closed {
			return err
		}
		t.res.Recipients[i].Err = err
		return nil
	}
	t.accepted++
	return nil
}

// readEnvelope reads the pipelined replies to MAIL FROM and every RCPT TO.
func (c *Client) readEnvelope(ctx context.Context, t *tx, flush bool) error {
	if flush {
		if err := c.flush(ctx, "MAIL FROM"); err != nil {
			return err
		}
	}
	if err := c.readMail(ctx, t, false); err != nil {
		return err
	}
	for i := range t.res.Recipients {
		if err := c.readRcpt(ctx, t, i, false); err != nil {
			return err
		}
	}
	return nil
}

// checkEnvelope decides, once the envelope replies are in, whether the
// message may go. On refusal the transaction is reset.
func (c *Client) checkEnvelope(ctx context.Context, t *tx, all bool) error {
	var err error
	switch {
	case t.mailErr != nil:
		err = t.mailErr
	case t.accepted == 0 || (all && t.accepted < len(t.res.Recipients)):
		err = t.refused(0)
	default:
		return nil
	}
	c.resetAfter(ctx)
	return err
}

// refused builds the RecipientError for the refused recipients.
func (t *tx) refused(delivered int) error {
	if delivered == len(t.res.Recipients) {
		return nil
	}
	e := &RecipientError{Delivered: delivered}
	for _, r := range t.res.Recipients {
		if r.Err != nil {
			e.Refused = append(e.Refused, r)
		}
	}
	if len(e.Refused) == 0 {
		return nil
	}
	return e
}

// resetAfter sends RSET after a failed transaction so that the connection
// can be reused; if that fails the connection is closed.
func (c *Client) resetAfter(ctx context.Context) {
	if c.closed {
		return
	}
	if err := c.Reset(ctx); err != nil {
		c.shut(err)
	}
}

// done finishes a transaction whose message the server accepted.
func (c *Client) done(t *tx, r *Reply) error {
	t.res.Reply = *r
	return t.refused(t.accepted)
}

// sendData sends DATA, the message and the final dot.
func (c *Client) sendData(ctx context.Context, t *tx, src *source, deferred bool) error {
	c.writeLine("DATA") //nolint:errcheck
	if err := c.flush(ctx, "DATA"); err != nil {
		return err
	}
	if deferred {
		if err := c.readEnvelope(ctx, t, false); err != nil {
			return err
		}
	}
	c.deadline(ctx, c.opts.CommandTimeout)
	r, err := c.read(ctx, "DATA", maxReplyLine)
	if err != nil {
		return err
	}
	if r.Code == 354 && (t.mailErr != nil || t.accepted == 0) {
		// The server took DATA without a valid envelope (RFC 2920
		// section 3.1): end it with an empty message it must refuse.
		c.writeLine(".") //nolint:errcheck
		if err := c.flush(ctx, "DATA"); err != nil {
			return err
		}
		if _, err := c.read(ctx, "DATA", maxReplyLine); err != nil {
			return err
		}
	}
	if deferred {
		if err := c.checkEnvelope(ctx, t, false); err != nil {
			return err
		}
	}
	if err := c.expect(r, "DATA", 354); err != nil {
		c.resetAfter(ctx)
		return err
	}
	if c.br.Buffered() != 0 {
		return c.fail(ctx, "DATA", &ProtocolError{Command: "DATA", Reason: "more replies than commands"})
	}
	w := c.newDataWriter(ctx, true)
	if err := c.copyBody(w, src); err != nil {
		w.stop()
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.done(t, w.reply)
}

// copyBody writes the whole message to w, reusing the first block's
// buffer for the rest.
func (c *Client) copyBody(w io.Writer, src *source) error {
	if _, err := w.Write(src.first); err != nil {
		return err
	}
	if src.whole {
		return nil
	}
	src.started = true
	buf := c.block
	for {
		n, err := src.rest.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			err = fmt.Errorf("smtpclient: reading the message: %w", err)
			c.shut(err)
			return err
		}
	}
}
