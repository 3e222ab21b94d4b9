// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mailwright/mailwright/mailsender"
)

func init() {
	register(&command{
		name:    "send",
		summary: "compose, optionally DKIM-sign, and send one message",
		run:     runSend,
	})
}

// listFlag collects a flag given several times (--to A --to B).
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// sendFlags is the parsed command line of "mailwright send".
type sendFlags struct {
	host, user, password, auth, caFile        string
	port                                      int
	tls, ssl, insecure                        bool
	from, subject, body, bodyFile, htmlFile   string
	to, cc, bcc, attach                       listFlag
	dkimKey, dkimDomain, dkimSelector, dkimCa string
	transcript                                string
	queue, credential                         string
	oauth                                     oauthFlags     // send_oauth.go
	transport                                 transportFlags // send_transport.go
	smime                                     smimeSendFlags // send_smime.go
}

func newSendFlagSet(f *sendFlags, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("mailwright send", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&f.host, "host", "", "SMTP server `host` (required), or \"Google API\" or "+
		"\"Microsoft Graph\" to send over HTTPS with --token-store")
	fs.IntVar(&f.port, "port", 0, "server `port` (default 25; 587 with --tls; 465 with --ssl)")
	fs.BoolVar(&f.tls, "tls", false, tlsHelp)
	fs.BoolVar(&f.ssl, "ssl", false, sslHelp)
	fs.BoolVar(&f.insecure, "insecure", false, insecureHelp)
	fs.StringVar(&f.caFile, "ca-file", "", "PEM `file` of extra trusted certificate authorities")
	fs.StringVar(&f.user, "user", "", "AUTH user `name`")
	fs.StringVar(&f.password, "password", "",
		"AUTH `password` (default $MAILWRIGHT_PASSWORD); \"[oauth]TOKEN\" sends XOAUTH2")
	fs.StringVar(&f.auth, "auth", "", "SASL `mechanism` (PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-256, ...),"+
		" or \"classic\" for the classic order CRAM-MD5, NTLM, LOGIN, PLAIN"+
		" (default: the strongest offered, SCRAM first)")
	fs.StringVar(&f.from, "from", "", "sender `address` (required)")
	fs.Var(&f.to, "to", "recipient `address` (repeatable)")
	fs.Var(&f.cc, "cc", "Cc `address` (repeatable)")
	fs.Var(&f.bcc, "bcc", "Bcc `address` (repeatable; not in the header)")
	fs.StringVar(&f.subject, "subject", "", "the Subject (required)")
	fs.StringVar(&f.body, "body", "", "the plain-text body")
	fs.StringVar(&f.bodyFile, "body-file", "", "read the plain-text body from `file`")
	fs.StringVar(&f.htmlFile, "html-file", "", "an HTML alternative, read from `file`")
	fs.Var(&f.attach, "attach", "attach `file` (repeatable)")
	fs.StringVar(&f.dkimKey, "dkim-key", "", "DKIM private key `file` (PEM, or .p12/.pfx "+
		"with the password in $MAILWRIGHT_DKIM_PASSWORD)")
	fs.StringVar(&f.dkimDomain, "dkim-domain", "", "DKIM signing `domain` (d=)")
	fs.StringVar(&f.dkimSelector, "dkim-selector", "", "DKIM `selector` (s=)")
	fs.StringVar(&f.dkimCa, "dkim-canon", "relaxed/relaxed",
		"DKIM canonicalization: simple/simple or relaxed/relaxed")
	fs.StringVar(&f.transcript, "transcript", "",
		"write the SMTP dialogue, AUTH payloads redacted, to `file`")
	fs.StringVar(&f.queue, "queue", "",
		"store the message in the queue `directory` (or NATS servers, nats://host:4222) "+
			"for \"mailwright agent\" instead of sending it")
	fs.StringVar(&f.credential, "credential", "",
		"with --queue, the `name` the agent resolves to the password: env:NAME or file:PATH"+
			" (default env:MAILWRIGHT_PASSWORD when that is set)")
	f.oauth.register(fs)     // --token-store, --api-endpoint, --api-user (send_oauth.go)
	f.transport.register(fs) // --plain, --allow-plain-auth, --timeout, ... (send_transport.go)
	f.smime.register(fs)     // --smime-sign-cert, --smime-pfx, --smime-encrypt-cert (send_smime.go)
	return fs
}

// sendJob is what a "send" command line asks for.
type sendJob struct {
	sender     *mailsender.Sender
	msg        *mailsender.Message
	transcript string
	queue      string
	credential string
	getenv     func(string) string
	warn       io.Writer // transport warnings (send_transport.go)
}

// parseSend turns the command line into a Sender and a Message. Nothing is
// opened or read except the body and HTML files.
func parseSend(args []string, getenv func(string) string, out io.Writer) (*sendJob, error) {
	var f sendFlags
	fs := newSendFlagSet(&f, out)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err := f.check(); err != nil {
		return nil, err
	}
	s := f.sender(getenv)
	if err := f.oauth.apply(&f, s); err != nil {
		return nil, err
	}
	if err := f.transport.finish(&f, s); err != nil {
		return nil, err
	}
	if err := f.smime.apply(s, getenv); err != nil {
		return nil, err
	}
	m, err := f.message()
	if err != nil {
		return nil, err
	}
	if f.dkimKey != "" {
		s.DKIM = &mailsender.DKIM{
			Domain:           f.dkimDomain,
			Selector:         f.dkimSelector,
			Canonicalization: f.dkimCa,
		}
		if isPKCS12(f.dkimKey) {
			s.DKIM.PFXFile = f.dkimKey
			s.DKIM.PFXPassword = getenv("MAILWRIGHT_DKIM_PASSWORD")
		} else {
			s.DKIM.KeyFile = f.dkimKey
		}
	}
	return &sendJob{sender: s, msg: m, transcript: f.transcript,
		queue: f.queue, credential: f.oauth.credential(&f, getenv), getenv: getenv, warn: out}, nil
}

// check reports flags that are missing or do not go together.
func (f *sendFlags) check() error {
	switch {
	case f.host == "":
		return errors.New("--host is required")
	case f.from == "":
		return errors.New("--from is required")
	case len(f.to)+len(f.cc)+len(f.bcc) == 0:
		return errors.New("--to is required")
	case f.subject == "":
		return errors.New("--subject is required")
	case f.body != "" && f.bodyFile != "":
		return errors.New("--body and --body-file exclude each other")
	case f.tls && f.ssl:
		return errors.New("--tls and --ssl exclude each other")
	case f.dkimKey == "" && (f.dkimDomain != "" || f.dkimSelector != ""):
		return errors.New("--dkim-domain and --dkim-selector need --dkim-key")
	case f.dkimKey != "" && (f.dkimDomain == "" || f.dkimSelector == ""):
		return errors.New("--dkim-key needs --dkim-domain and --dkim-selector")
	case f.dkimCa != "simple/simple" && f.dkimCa != "relaxed/relaxed":
		return fmt.Errorf("--dkim-canon %q: want simple/simple or relaxed/relaxed", f.dkimCa)
	}
	return f.transport.check(f)
}

func (f *sendFlags) sender(getenv func(string) string) *mailsender.Sender {
	s := &mailsender.Sender{
		Host:          f.host,
		Port:          f.port,
		Username:      f.user,
		Password:      f.password,
		AuthMechanism: strings.ToUpper(f.auth),
		TLS:           f.tls,
		SSL:           f.ssl,
		CAFile:        f.caFile,
	}
	if s.Password == "" {
		s.Password = getenv("MAILWRIGHT_PASSWORD")
	}
	f.transport.apply(f, s)
	return s
}

func (f *sendFlags) message() (*mailsender.Message, error) {
	m := &mailsender.Message{
		From:    f.from,
		To:      f.to,
		Cc:      f.cc,
		Bcc:     f.bcc,
		Subject: f.subject,
		Body:    f.body,
		ReplyTo: f.transport.replyTo,
	}
	if f.bodyFile != "" {
		b, err := os.ReadFile(f.bodyFile)
		if err != nil {
			return nil, fmt.Errorf("--body-file: %w", err)
		}
		m.Body = string(b)
	}
	if f.htmlFile != "" {
		b, err := os.ReadFile(f.htmlFile)
		if err != nil {
			return nil, fmt.Errorf("--html-file: %w", err)
		}
		m.HTMLBody = string(b)
	}
	for _, p := range f.attach {
		m.Attachments = append(m.Attachments, mailsender.Attachment{Path: p})
	}
	return m, nil
}

func isPKCS12(name string) bool {
	n := strings.ToLower(name)
	return strings.HasSuffix(n, ".p12") || strings.HasSuffix(n, ".pfx")
}

func runSend(ctx context.Context, e *env, args []string) error {
	job, err := parseSend(args, e.getenv, e.stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return &exitError{code: 2, err: err}
	}
	return execute(ctx, e.stdout, job)
}

// execute runs a parsed send: it opens the transcript file, if any, and
// delivers.
func execute(ctx context.Context, out io.Writer, job *sendJob) error {
	if job.queue != "" {
		return enqueueSend(ctx, out, job)
	}
	if job.transcript != "" {
		f, err := os.OpenFile(job.transcript, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return fmt.Errorf("--transcript: %w", err)
		}
		tw := &transcriptWriter{w: f}
		job.sender.Trace = tw
		err = job.deliver(ctx, out)
		if cerr := tw.Close(); err == nil {
			err = cerr
		}
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("--transcript: %w", cerr)
		}
		return err
	}
	return job.deliver(ctx, out)
}

// deliver sends the job's message, then warns about the transport and
// rewords the error for the command line (send_transport.go,
// send_errors.go).
func (job *sendJob) deliver(ctx context.Context, out io.Writer) error {
	res, err := deliver(ctx, out, job.sender, job.msg)
	warnTransport(job.warn, job.sender, res)
	return sendCLIError(err, job.sender)
}

// deliver sends m with s, signing when s has DKIM settings, and prints the
// outcome. It is the code path shared by send and demo.
func deliver(ctx context.Context, out io.Writer, s *mailsender.Sender, m *mailsender.Message) (*mailsender.Result, error) {
	var res *mailsender.Result
	var err error
	if s.DKIM != nil {
		res, err = s.SendCertified(ctx, m, nil)
	} else {
		res, err = s.Send(ctx, m)
	}
	if res != nil {
		fmt.Fprintln(out, res.Reply)
		if res.TLS != "" {
			fmt.Fprintln(out, "TLS: "+res.TLS)
		}
	}
	return res, err
}
