// SPDX-License-Identifier: Apache-2.0

package replay

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server plays the server side of one transcript on one connection.
type Server struct {
	Transcript *Transcript
	// TLSConfig is used for "@starttls" and, with Implicit, from the first
	// byte. It must hold a certificate.
	TLSConfig *tls.Config
	// Implicit makes the server start TLS before the greeting (port 465).
	Implicit bool
	// ReadTimeout bounds each wait for a client line; zero means 10 s.
	ReadTimeout time.Duration
}

// Result is what the server saw.
type Result struct {
	// Err is the first difference between the transcript and the client,
	// or nil when the client did exactly what the transcript says.
	Err error
	// Data holds each message text the client sent: after DATA, the lines
	// up to and excluding the final "." line, still dot-stuffed, CRLF kept;
	// after BDAT, the chunk's octets.
	Data [][]byte
	// Wire is every byte the client sent, in order; after a TLS handshake
	// the decrypted bytes follow.
	Wire []byte
	// TLS reports whether a handshake completed.
	TLS bool
}

// Mismatch is the error for a client line that differs from the transcript.
type Mismatch struct {
	Line     int    // line of the transcript
	Expected string // the transcript's C: line
	Received string // what the client sent; "" with EOF for a hang-up
	EOF      bool
}

func (m *Mismatch) Error() string {
	if m.EOF {
		return fmt.Sprintf("transcript line %d: expected %q, client hung up", m.Line, m.Expected)
	}
	return fmt.Sprintf("transcript line %d: expected %q, received %q", m.Line, m.Expected, m.Received)
}

// recorder copies every byte read from the client into a buffer.
type recorder struct {
	r   io.Reader
	mu  *sync.Mutex
	buf *bytes.Buffer
}

func (r recorder) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.mu.Lock()
	r.buf.Write(p[:n])
	r.mu.Unlock()
	return n, err
}

type session struct {
	s    *Server
	conn net.Conn
	br   *bufio.Reader
	out  bytes.Buffer
	res  Result
	mu   sync.Mutex
	wire bytes.Buffer
}

// Serve runs the transcript on conn and closes it.
func (s *Server) Serve(conn net.Conn) *Result {
	ss := &session{s: s, conn: conn}
	defer conn.Close()
	if s.Implicit {
		tc := tls.Server(conn, s.TLSConfig)
		if err := tc.Handshake(); err != nil {
			ss.res.Err = fmt.Errorf("implicit TLS handshake: %w", err)
			return ss.result()
		}
		ss.conn, ss.res.TLS = tc, true
	}
	ss.reader()
	ss.res.Err = ss.run()
	return ss.result()
}

func (ss *session) result() *Result {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.res.Wire = append([]byte(nil), ss.wire.Bytes()...)
	return &ss.res
}

func (ss *session) reader() {
	ss.br = bufio.NewReader(recorder{r: ss.conn, mu: &ss.mu, buf: &ss.wire})
}

// run plays the steps. "@close" ends the dialogue; so does a client that
// hangs up while the server writes, when the transcript expects no further
// client line (the client gave up, as the transcript's outcome says).
func (ss *session) run() error {
	steps := ss.s.Transcript.Steps
	for i := range steps {
		st := &steps[i]
		var err error
		if st.Op != Send && st.Op != Raw {
			err = ss.flush()
		}
		if err == nil {
			err = ss.step(st)
		}
		switch {
		case err == nil:
		case errors.Is(err, errClosed), errors.Is(err, errHungUp):
			return nil
		case isWriteErr(err) && !expectsMore(steps[i:]):
			return nil
		default:
			return err
		}
	}
	if err := ss.flush(); err != nil && (!isWriteErr(err) || expectsMore(nil)) {
		return err
	}
	return ss.drain()
}

// writeError marks a failed write to the client.
type writeError struct{ err error }

func (e *writeError) Error() string { return "writing to the client: " + e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

func isWriteErr(err error) bool {
	var we *writeError
	return errors.As(err, &we)
}

// expectsMore reports whether steps hold a client line still to come.
func expectsMore(steps []Step) bool {
	for _, st := range steps {
		if st.Op == Expect || st.Op == ExpectData {
			return true
		}
	}
	return false
}

func (ss *session) step(st *Step) error {
	switch st.Op {
	case Send:
		ss.out.WriteString(st.Text)
		ss.out.WriteString("\r\n")
	case Raw:
		ss.out.WriteString(st.Text)
	case Flush:
	case Expect:
		return ss.expect(st)
	case ExpectData:
		return ss.data(st)
	case StartTLS:
		return ss.startTLS()
	case Close:
		return errClosed
	case Stall:
		ss.stall(st.Wait)
	case Repeat:
		return ss.repeat(st)
	}
	return nil
}

var (
	errClosed = errors.New("closed by transcript")
	errHungUp = errors.New("client hung up during @repeat")
)

// repeat streams st.Text st.Count times in writes of about 64 KiB. The
// client is expected to give up at its limit and hang up, which ends the
// dialogue.
func (ss *session) repeat(st *Step) error {
	unit := max(1, (64<<10)/len(st.Text))
	chunk := []byte(strings.Repeat(st.Text, unit))
	ss.conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
	defer ss.conn.SetWriteDeadline(time.Time{})
	for left := st.Count; left > 0; left -= unit {
		b := chunk
		if left < unit {
			b = chunk[:left*len(st.Text)]
		}
		if _, err := ss.conn.Write(b); err != nil {
			return errHungUp
		}
	}
	return nil
}

func (ss *session) flush() error {
	if ss.out.Len() == 0 {
		return nil
	}
	_, err := ss.conn.Write(ss.out.Bytes())
	ss.out.Reset()
	if err != nil {
		return &writeError{err}
	}
	return nil
}

func (ss *session) readLine() (string, error) {
	d := ss.s.ReadTimeout
	if d == 0 {
		d = 10 * time.Second
	}
	ss.conn.SetReadDeadline(time.Now().Add(d))
	line, err := ss.br.ReadString('\n')
	if err != nil {
		return line, err
	}
	if !strings.HasSuffix(line, "\r\n") {
		return line, fmt.Errorf("client line %q does not end in CRLF", line)
	}
	return strings.TrimSuffix(line, "\r\n"), nil
}

func (ss *session) expect(st *Step) error {
	line, err := ss.readLine()
	if err != nil {
		if errors.Is(err, io.EOF) && line == "" {
			return &Mismatch{Line: st.Line, Expected: st.Text, EOF: true}
		}
		return fmt.Errorf("transcript line %d: expected %q: %w", st.Line, st.Text, err)
	}
	if !st.Match(line) {
		return &Mismatch{Line: st.Line, Expected: st.Text, Received: line}
	}
	if f := strings.Fields(line); len(f) >= 2 && strings.EqualFold(f[0], "BDAT") {
		return ss.chunk(f[1])
	}
	return nil
}

func (ss *session) chunk(size string) error {
	n, err := strconv.Atoi(size)
	if err != nil || n < 0 {
		return fmt.Errorf("BDAT size %q", size)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(ss.br, b); err != nil {
		return fmt.Errorf("BDAT chunk of %d octets: %w", n, err)
	}
	ss.res.Data = append(ss.res.Data, b)
	return nil
}

func (ss *session) data(st *Step) error {
	var msg bytes.Buffer
	for {
		line, err := ss.readLine()
		if err != nil {
			return fmt.Errorf("transcript line %d: reading message text: %w", st.Line, err)
		}
		if line == "." {
			ss.res.Data = append(ss.res.Data, msg.Bytes())
			return nil
		}
		msg.WriteString(line)
		msg.WriteString("\r\n")
	}
}

func (ss *session) startTLS() error {
	if n := ss.br.Buffered(); n > 0 {
		return fmt.Errorf("client sent %d bytes before the TLS handshake", n)
	}
	tc := tls.Server(ss.conn, ss.s.TLSConfig)
	tc.SetDeadline(time.Now().Add(10 * time.Second))
	if err := tc.Handshake(); err != nil {
		return fmt.Errorf("STARTTLS handshake: %w", err)
	}
	tc.SetDeadline(time.Time{})
	ss.conn, ss.res.TLS = tc, true
	ss.reader()
	return nil
}

// stall keeps the connection open without answering, for d or, when d is
// zero, until the client hangs up (at most a minute).
func (ss *session) stall(d time.Duration) {
	if d == 0 {
		d = time.Minute
	}
	ss.conn.SetReadDeadline(time.Now().Add(d))
	io.Copy(io.Discard, ss.br)
}

// drain waits for the client to hang up after the last step; any further
// line is a mismatch.
func (ss *session) drain() error {
	line, err := ss.readLine()
	if err == nil || line != "" {
		return &Mismatch{Line: 0, Expected: "(end of transcript)", Received: line}
	}
	return nil
}
