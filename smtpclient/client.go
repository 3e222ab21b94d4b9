// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// quitTimeout bounds the wait for the reply to QUIT, so that Quit does not
// hang on a server that neither replies nor closes.
const quitTimeout = 10 * time.Second

// writeBufSize is the size of the write buffer: a pipelined envelope and a
// small message go out in one write.
const writeBufSize = 32 << 10

// aLongTimeAgo is a deadline in the past; setting it interrupts blocked I/O.
var aLongTimeAgo = time.Unix(1, 0)

// Client is one SMTP session. Make one with [Dial], [DialTLS] or
// [NewClient]. A Client is not safe for concurrent use; a [Pool] shares
// clients between goroutines.
//
// After a 421 reply, a protocol error, a timeout or a cancelled context the
// connection is closed and every later call returns an error wrapping
// [ErrClosed].
type Client struct {
	conn  net.Conn
	br    *bufio.Reader
	bw    *bufio.Writer
	host  string
	opts  Options
	trace *tracer

	ext     map[string]string
	mechs   []string
	sizeMax int64 // SIZE limit from ext; 0 means none
	isTLS   bool

	closed   bool
	closeErr error
	inMail   bool       // MAIL accepted, transaction open
	params   mailParams // what the open transaction declared
	used     bool       // a transaction was completed on this connection

	block  []byte      // first block of a message, allocated on first use
	chunks *chunkState // BDAT state, allocated on first use
	line   []byte      // scratch space for a command line
}

// newConn wraps conn without any exchange.
func newConn(conn net.Conn, host string, o Options) *Client {
	c := &Client{
		conn: conn,
		br:   bufio.NewReaderSize(conn, readBufSize),
		bw:   bufio.NewWriterSize(conn, writeBufSize),
		host: host,
		opts: o,
	}
	if o.Trace != nil || o.TraceHandler != nil {
		c.trace = &tracer{w: o.Trace, h: o.TraceHandler}
	}
	return c
}

// begin bounds one exchange by an absolute deadline: now plus timeout, or
// the context's deadline when that is sooner. Cancelling ctx interrupts
// blocked I/O. The returned function ends the exchange.
func (c *Client) begin(ctx context.Context, timeout time.Duration) (end func() bool) {
	c.setDeadline(ctx, timeout, readWrite)
	return c.interruptOn(ctx)
}

// interruptOn makes cancelling ctx interrupt blocked I/O on the connection
// and returns the function that undoes this.
func (c *Client) interruptOn(ctx context.Context) (stop func() bool) {
	if ctx.Done() == nil {
		return neverStop
	}
	return context.AfterFunc(ctx, func() { c.conn.SetDeadline(aLongTimeAgo) }) //nolint:errcheck
}

func neverStop() bool { return false }

// Which deadlines setDeadline sets.
const (
	readWrite = iota
	readOnly
	writeOnly
)

// setDeadline sets the read, write or both deadlines to now plus d, or to
// ctx's deadline when that is sooner. When ctx is already done the
// deadline goes into the past instead: the AfterFunc that interrupts I/O
// on cancellation may have run just before, and must not be undone.
func (c *Client) setDeadline(ctx context.Context, d time.Duration, which int) {
	t := time.Now().Add(d)
	if cd, ok := ctx.Deadline(); ok && cd.Before(t) {
		t = cd
	}
	switch which {
	case readOnly:
		c.conn.SetReadDeadline(t) //nolint:errcheck // a closed conn fails the next I/O anyway
	case writeOnly:
		c.conn.SetWriteDeadline(t) //nolint:errcheck
	default:
		c.conn.SetDeadline(t) //nolint:errcheck
	}
	if ctx.Err() != nil {
		c.conn.SetDeadline(aLongTimeAgo) //nolint:errcheck
	}
}

// usable returns an error if the connection can no longer be used.
func (c *Client) usable() error {
	if c.closed {
		if c.closeErr != nil {
			return fmt.Errorf("%w: %w", ErrClosed, c.closeErr)
		}
		return ErrClosed
	}
	return nil
}

// fail closes the connection after an I/O or protocol error during what
// and returns the error to report.
func (c *Client) fail(ctx context.Context, what string, err error) error {
	err = classify(ctx, what, err)
	c.shut(err)
	return err
}

// classify turns an I/O error into the error to report.
func classify(ctx context.Context, what string, err error) error {
	var pe *ProtocolError
	if errors.As(err, &pe) || errors.Is(err, ErrClosed) {
		return err
	}
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("smtpclient: %s: %w", what, cerr)
	}
	if cd, ok := ctx.Deadline(); ok && !time.Now().Before(cd) {
		return fmt.Errorf("smtpclient: %s: %w", what, context.DeadlineExceeded)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("%w during %s: %w", ErrTimeout, what, err)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w by the server during %s", ErrClosed, what)
	}
	return fmt.Errorf("smtpclient: %s: %w", what, err)
}

// shut closes the connection, remembering why.
func (c *Client) shut(why error) {
	if !c.closed {
		c.closed = true
		c.closeErr = why
		c.conn.Close()
	}
}

// writeLine queues one command line; it refuses a line that contains CR,
// LF or NUL, which callers have already excluded (defence in depth).
func (c *Client) writeLine(line string) error {
	if strings.ContainsAny(line, "\r\n\x00") {
		return &ArgumentError{Field: "command", Reason: "contains CR, LF or NUL"}
	}
	if c.trace != nil {
		c.trace.client([]byte(line))
	}
	c.bw.WriteString(line)
	c.bw.WriteString("\r\n")
	return nil
}

// read reads one reply to command. A 421 reply closes the connection and
// is returned as the error (RFC 5321 section 3.8).
func (c *Client) read(ctx context.Context, command string, lineMax int) (*Reply, error) {
	r, err := readReply(c.br, c.trace, command, lineMax)
	if err != nil {
		return nil, c.fail(ctx, "reply to "+command, err)
	}
	if r.Code == 421 {
		e := r.err(command)
		c.shut(e)
		return nil, e
	}
	return r, nil
}

// cmd sends one command and reads its reply, within timeout.
func (c *Client) cmd(ctx context.Context, timeout time.Duration, command, line string) (*Reply, error) {
	if err := c.usable(); err != nil {
		return nil, err
	}
	end := c.begin(ctx, timeout)
	defer end()
	if err := c.writeLine(line); err != nil {
		return nil, err
	}
	if err := c.bw.Flush(); err != nil {
		return nil, c.fail(ctx, command, err)
	}
	return c.read(ctx, command, maxReplyLine)
}

// expect checks that r is the success reply want to command: 4xx and 5xx
// become an *Error; any other code is a protocol error and closes the
// connection (a reply meant for another command must never be taken for
// this one).
func (c *Client) expect(r *Reply, command string, want ...int) error {
	for _, w := range want {
		if r.Code == w {
			return nil
		}
	}
	if r.Code >= 400 {
		return r.err(command)
	}
	err := &ProtocolError{Command: command, Reason: "unexpected reply code " + strconv.Itoa(r.Code)}
	c.shut(err)
	return err
}

// simple runs a command whose only success is want.
func (c *Client) simple(ctx context.Context, timeout time.Duration, command, line string, want int) error {
	r, err := c.cmd(ctx, timeout, command, line)
	if err != nil {
		return err
	}
	return c.expect(r, command, want)
}

// Noop sends NOOP, which checks that the connection is alive.
func (c *Client) Noop(ctx context.Context) error {
	return c.simple(ctx, c.opts.CommandTimeout, "NOOP", "NOOP", 250)
}

// Reset sends RSET, which abandons the current mail transaction.
func (c *Client) Reset(ctx context.Context) error {
	err := c.simple(ctx, c.opts.CommandTimeout, "RSET", "RSET", 250)
	if err == nil {
		c.inMail, c.params = false, mailParams{}
	}
	return err
}

// Quit sends QUIT and closes the connection. A server that closes without
// replying is not an error; Quit waits at most ten seconds for the reply.
func (c *Client) Quit(ctx context.Context) error {
	if c.closed {
		return nil
	}
	t := min(c.opts.CommandTimeout, quitTimeout)
	r, err := c.cmd(ctx, t, "QUIT", "QUIT")
	switch {
	case err != nil && errors.Is(err, ErrClosed):
		err = nil
	case err == nil:
		err = c.expect(r, "QUIT", 221)
	}
	c.shut(ErrClosed)
	return err
}

// Close closes the connection without QUIT.
func (c *Client) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	c.closeErr = ErrClosed
	return c.conn.Close()
}

// Extension reports whether the server offered the EHLO keyword name (in
// any case) and returns its parameters. After STARTTLS only what the
// server said after the handshake counts.
func (c *Client) Extension(name string) (param string, ok bool) {
	param, ok = c.ext[strings.ToUpper(name)]
	return param, ok
}

// AuthMechanisms returns the SASL mechanisms the server offered, upper
// case, from every AUTH line of the EHLO reply (both "AUTH PLAIN" and the
// legacy "AUTH=PLAIN").
func (c *Client) AuthMechanisms() []string {
	return append([]string(nil), c.mechs...)
}

// TLSConnectionState returns the state of the TLS connection, and false if
// the connection does not use TLS.
func (c *Client) TLSConnectionState() (tls.ConnectionState, bool) {
	if tc, ok := c.conn.(*tls.Conn); ok && c.isTLS {
		return tc.ConnectionState(), true
	}
	return tls.ConnectionState{}, false
}
