// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"context"
	"strconv"
)

// chunkSize is the size of a BDAT chunk (RFC 3030).
const chunkSize = 128 << 10

// bdatWindow is how many BDAT replies may be outstanding with PIPELINING
// before the client waits for one.
const bdatWindow = 4

// chunker collects encoded message octets into BDAT chunks.
type chunker struct {
	buf  []byte
	emit func(data []byte, last bool) error
}

func (k *chunker) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		room := cap(k.buf) - len(k.buf)
		if room == 0 {
			if err := k.emit(k.buf, false); err != nil {
				return n, err
			}
			k.buf = k.buf[:0]
			continue
		}
		m := min(room, len(p))
		k.buf = append(k.buf, p[:m]...)
		p = p[m:]
		n += m
	}
	return n, nil
}

// chunkState is what a client reuses from one chunked transfer to the
// next, so that a message costs no allocations for it.
type chunkState struct {
	b   bdat
	k   chunker
	enc bodyEncoder
}

// bdat is the state of a chunked transfer.
type bdat struct {
	c           *Client
	ctx         context.Context //nolint:containedctx // one SendMail call
	t           *tx
	deferred    bool // the envelope replies are still to be read
	window      int
	outstanding int
	final       *Reply
	n           int64
}

// sendChunks sends the message as BDAT chunks (RFC 3030). The first chunk
// goes out with the pipelined envelope; when the message fits in it, that
// is the only round trip.
func (c *Client) sendChunks(ctx context.Context, t *tx, src *source, deferred, pipe bool) error {
	if c.chunks == nil {
		cs := &chunkState{}
		cs.k = chunker{buf: make([]byte, 0, chunkSize), emit: cs.b.emit}
		c.chunks = cs
	}
	cs := c.chunks
	b, k, enc := &cs.b, &cs.k, &cs.enc
	*b = bdat{c: c, ctx: ctx, t: t, deferred: deferred}
	if pipe {
		b.window = bdatWindow
	}
	k.buf = k.buf[:0]
	// t.params, not c.params: with PIPELINING the MAIL reply is not read yet.
	*enc = newBodyEncoder(k, false, t.params.body8, c.opts.RejectBareLineEnds)
	enc.limit = c.sizeLimit()
	err := c.copyBody(enc, src)
	if err == nil {
		err = enc.close()
	}
	if err == nil {
		err = b.emit(k.buf, true)
	}
	if err != nil {
		if b.final == nil && !c.closed && !isReplyErr(err) {
			c.shut(err)
		}
		return err
	}
	return c.done(t, b.final)
}

// emit sends one chunk and reads the replies that are due.
func (b *bdat) emit(data []byte, last bool) error {
	c := b.c
	c.line = strconv.AppendInt(append(c.line[:0], "BDAT "...), int64(len(data)), 10)
	if last {
		c.line = append(c.line, " LAST"...)
	}
	c.deadline(b.ctx, c.opts.CommandTimeout)
	c.trace.client(c.line)
	c.bw.Write(c.line) //nolint:errcheck // a write error shows in Flush
	c.bw.WriteString("\r\n")
	c.bw.Write(data) //nolint:errcheck
	b.n += int64(len(data))
	b.outstanding++
	if last && c.trace != nil {
		c.trace.note("[message body, " + strconv.FormatInt(b.n, 10) + " octets in BDAT chunks]")
	}
	if b.deferred {
		b.deferred = false
		if err := c.readEnvelope(b.ctx, b.t, true); err != nil {
			return err
		}
		if b.t.mailErr != nil || b.t.accepted == 0 {
			b.drain(last)
			return b.c.envelopeFailed(b.ctx, b.t)
		}
	}
	if last {
		return b.finish()
	}
	for b.outstanding > b.window {
		if err := b.readChunkReply(); err != nil {
			return err
		}
	}
	return nil
}

// drain reads the (refusing) replies to the chunks already sent.
func (b *bdat) drain(last bool) {
	c := b.c
	if err := c.flush(b.ctx, "BDAT"); err != nil {
		return
	}
	for ; b.outstanding > 0; b.outstanding-- {
		if _, err := c.read(b.ctx, "BDAT", maxReplyLine); err != nil {
			return
		}
	}
}

// readChunkReply reads the reply to one chunk that is not the last.
func (b *bdat) readChunkReply() error {
	c := b.c
	if err := c.flush(b.ctx, "BDAT"); err != nil {
		return err
	}
	r, err := c.read(b.ctx, "BDAT", maxReplyLine)
	if err != nil {
		return err
	}
	b.outstanding--
	if err := c.expect(r, "BDAT", 250); err != nil {
		b.drain(false)
		c.resetAfter(b.ctx)
		return err
	}
	return nil
}

// finish reads the replies to the outstanding chunks and the final reply.
func (b *bdat) finish() error {
	for b.outstanding > 1 {
		if err := b.readChunkReply(); err != nil {
			return err
		}
	}
	if err := b.c.flush(b.ctx, "BDAT"); err != nil {
		return err
	}
	r, err := b.c.final(b.ctx, "BDAT")
	b.outstanding = 0
	if err != nil {
		if r != nil && !b.c.closed {
			b.c.resetAfter(b.ctx)
		}
		return err
	}
	b.final = r
	return nil
}

// envelopeFailed resets after a refused envelope and returns the error.
func (c *Client) envelopeFailed(ctx context.Context, t *tx) error {
	if err := c.checkEnvelope(ctx, t, false); err != nil {
		return err
	}
	return nil
}

// isReplyErr reports whether err is a server's refusal, after which the
// connection stays usable.
func isReplyErr(err error) bool {
	_, ok := err.(*Error)
	if !ok {
		_, ok = err.(*RecipientError)
	}
	return ok
}
