// SPDX-License-Identifier: Apache-2.0

package mailsender

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/mailwright/mailwright/dkim"
	"github.com/mailwright/mailwright/smtpclient"
	"github.com/mailwright/mailwright/tlsprofile"
)

// defaultTimeout bounds a send when Sender.Timeout is zero.
const defaultTimeout = 5 * time.Minute

// Result describes a message the server accepted.
type Result struct {
	// Reply is the server's final reply to the message, as in
	// "250 2.0.0 Ok: queued as 4Xyz".
	Reply string
	// Code is the reply's code (250).
	Code int
	// TLS is the negotiated TLS version and cipher suite, as in
	// "1.2; Cipher Suite C02F"; empty when the connection had no TLS.
	TLS string
	// MessageID is the Message-ID the message was sent with, without
	// angle brackets.
	MessageID string
	// Accepted lists the recipients the server accepted.
	Accepted []string

	// Set when the message went through an HTTPS send API (api.go); then
	// Code is 0, TLS is empty and Accepted lists every recipient, since
	// the service takes them from the header.

	// API is the service, "gmail" or "graph"; empty for SMTP.
	API string
	// APIMessageID and ThreadID are the Gmail API's ids of the sent
	// message and its thread; Graph returns none.
	APIMessageID string
	ThreadID     string
	// RequestID is Graph's request-id, for support requests.
	RequestID string
}

// Send composes m and sends it. Nothing is written to the network before
// the settings and the whole message have been checked and composed: a
// message that cannot be built (an invalid address, a line break in the
// Subject, a missing attachment) returns a *FieldError or the composer's
// error, and no connection is made.
//
// When some recipients are refused and others accepted, Send returns both
// the Result and a *SendError listing the refused ones.
func (s *Sender) Send(ctx context.Context, m *Message) (*Result, error) {
	return s.send(ctx, m, nil)
}

// SendCertified DKIM-signs m with d, or with s.DKIM when d is nil, and
// sends it like Send.
func (s *Sender) SendCertified(ctx context.Context, m *Message, d *DKIM) (*Result, error) {
	if d == nil {
		d = s.DKIM
	}
	if d == nil {
		return nil, fieldErr("Sender.DKIM", "is nil and SendCertified was given no DKIM settings")
	}
	return s.send(ctx, m, d)
}

// Compose writes m exactly as Send (d nil) or SendCertified (d set) would
// send it, without connecting to anything. With Sender.Now, Sender.Rand,
// Message.Date and Message.MessageID fixed the output is reproducible.
func (s *Sender) Compose(w io.Writer, m *Message, d *DKIM) error {
	sp := &spool{dir: s.SpoolDir}
	defer sp.Close()
	_, r, err := s.composed(m, d, sp)
	if err != nil {
		return err
	}
	_, err = io.Copy(w, r)
	return err
}

func (s *Sender) send(ctx context.Context, m *Message, d *DKIM) (*Result, error) {
	if service, ok := s.isAPI(); ok { // Gmail API or Microsoft Graph (api.go)
		return s.sendAPI(ctx, m, d, service)
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	if err := s.validateTokenSource(); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fieldErr("Message", "is nil")
	}
	from, rcpt, err := m.envelope()
	if err != nil {
		return nil, err
	}
	sp := &spool{dir: s.SpoolDir}
	defer sp.Close()
	id, body, err := s.composed(m, d, sp)
	if err != nil {
		return nil, err
	}

	timeout := s.Timeout
	if timeout == 0 {
		timeout = defaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := s.transact(ctx, from, rcpt, body)
	if res != nil {
		res.MessageID = id
	}
	s.log(ctx, from, rcpt, res, err)
	return res, err
}

// build composes m into sp and returns the Message-ID used and, when d is
// set, the DKIM-Signature field that goes in front of the spooled message.
func (s *Sender) build(m *Message, d *DKIM, sp *spool) (id, sig string, err error) {
	if m == nil {
		return "", "", fieldErr("Message", "is nil")
	}
	if _, _, err := m.envelope(); err != nil {
		return "", "", err
	}
	mm, err := s.mimeMessage(m)
	if err != nil {
		return "", "", err
	}
	prot, err := s.protector(mm) // S/MIME, nil without Sender.SMIME (smime.go)
	if err != nil {
		return "", "", err
	}
	if d == nil {
		return mm.MessageID, "", writeMessage(sp, mm, prot)
	}
	opts, err := d.options(mm.From.Addr)
	if err != nil {
		return "", "", err
	}
	opts.Now = s.Now
	opts.Oversign = true
	signer, err := dkim.NewSigner(opts)
	if err != nil {
		return "", "", fmt.Errorf("mailsender: DKIM: %w", err)
	}
	if err := writeMessage(io.MultiWriter(sp, signer), mm, prot); err != nil {
		return "", "", err
	}
	if err := signer.Close(); err != nil {
		return "", "", fmt.Errorf("mailsender: DKIM: %w", err)
	}
	return mm.MessageID, signer.Signature(), nil
}

// composed builds m into sp and returns a reader of the whole message.
func (s *Sender) composed(m *Message, d *DKIM, sp *spool) (id string, r io.Reader, err error) {
	id, sig, err := s.build(m, d, sp)
	if err != nil {
		return "", nil, err
	}
	body, err := sp.Reader()
	if err != nil {
		return "", nil, err
	}
	return id, io.MultiReader(strings.NewReader(sig), body), nil
}

// transact runs one SMTP session: connect, TLS, AUTH, the transaction and
// QUIT.
func (s *Sender) transact(ctx context.Context, from string, rcpt []string, body io.Reader) (*Result, error) {
	c, err := s.connect(ctx) // dial and AUTH, renewing a refused token (token.go)
	if err != nil {
		return nil, &SendError{Err: err}
	}
	defer c.Close()
	sr, err := c.SendMail(ctx, from, rcpt, body, nil)
	res, err := s.result(c, sr, err)
	c.Quit(ctx) // the message's fate is known; a failing QUIT changes nothing
	return res, err
}

// dial connects and greets, with STARTTLS or implicit TLS as configured.
func (s *Sender) dial(ctx context.Context) (*smtpclient.Client, error) {
	cfg, err := s.tlsConfig()
	if err != nil {
		return nil, err
	}
	o := &smtpclient.Options{
		LocalName: s.LocalName,
		TLSConfig: cfg,
		TLSPolicy: tlsprofile.None,
		Insecure:  s.Insecure,
		Trace:     s.Trace,
		Dialer:    s.Dialer,
	}
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.port()))
	if s.SSL {
		o.TLSPolicy = s.TLSPolicy
		return smtpclient.DialTLS(ctx, addr, o)
	}
	if s.TLS {
		o.TLSPolicy = s.TLSPolicy
	}
	return smtpclient.Dial(ctx, addr, o)
}

// log writes one record to s.Logger, if there is one.
func (s *Sender) log(ctx context.Context, from string, rcpt []string, res *Result, err error) {
	if s.Logger == nil {
		return
	}
	attrs := []any{"server", net.JoinHostPort(s.Host, strconv.Itoa(s.port())),
		"from", from, "recipients", len(rcpt)}
	if res != nil {
		attrs = append(attrs, "reply", res.Reply, "tls", res.TLS, "message_id", res.MessageID)
	}
	if err != nil {
		s.Logger.ErrorContext(ctx, "mailsender: send failed", append(attrs, "error", err.Error())...)
		return
	}
	s.Logger.InfoContext(ctx, "mailsender: sent", attrs...)
}
