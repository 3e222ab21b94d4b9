// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mailwright/mailwright/smtpclient"
	"github.com/mailwright/mailwright/tlsprofile"
)

func init() {
	register(&command{
		name:    "probe",
		summary: "connect to an SMTP server and report its capabilities and TLS",
		run:     runProbe,
	})
}

const probeUsage = `usage: mailwright probe --host H [--port P] [--tls|--ssl] [--ca-file F]
                       [--insecure] [--tls-version V] [--profile NAME] [--timeout D]

Connects to an SMTP server and prints its greeting, its capabilities before
and after STARTTLS, the AUTH mechanisms, the negotiated TLS version and
cipher suite ("1.2; Cipher Suite C02F") and the server certificate. Nothing
is sent beyond EHLO, STARTTLS and QUIT.

Without --tls or --ssl, STARTTLS is used when the server offers it.
`

// probeFlags holds the command line of "mailwright probe".
type probeFlags struct {
	host       string
	port       int
	starttls   bool // --tls: STARTTLS required
	implicit   bool // --ssl: TLS from the first byte (RFC 8314)
	caFile     string
	insecure   bool
	tlsVersion string
	profile    string
	timeout    time.Duration
}

func parseProbeFlags(e *env, args []string) (*probeFlags, error) {
	f := &probeFlags{}
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() { fmt.Fprint(e.stderr, probeUsage+"\n"); fs.PrintDefaults() }
	fs.StringVar(&f.host, "host", "", "server host name or address")
	fs.IntVar(&f.port, "port", 0, "server port (default 587, or 465 with --ssl)")
	fs.BoolVar(&f.starttls, "tls", false, "require STARTTLS")
	fs.BoolVar(&f.implicit, "ssl", false, "implicit TLS (port 465)")
	fs.StringVar(&f.caFile, "ca-file", "", "PEM file of extra trusted CA certificates")
	fs.BoolVar(&f.insecure, "insecure", false, "encrypt without verifying the certificate")
	fs.StringVar(&f.tlsVersion, "tls-version", "", "force a TLS version: 1.0, 1.1, 1.2 or 1.3")
	fs.StringVar(&f.profile, "profile", "", "TLS profile: default, modern or legacy")
	fs.DurationVar(&f.timeout, "timeout", 30*time.Second, "timeout for connecting and each command")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, &exitError{code: 2, err: err}
	}
	switch {
	case fs.NArg() > 0:
		return nil, &exitError{code: 2, err: fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	case f.host == "":
		return nil, &exitError{code: 2, err: errors.New("--host is required")}
	case f.starttls && f.implicit:
		return nil, &exitError{code: 2, err: errors.New("--tls and --ssl exclude each other")}
	case f.port < 0 || f.port > 65535:
		return nil, &exitError{code: 2, err: fmt.Errorf("--port %d out of range", f.port)}
	}
	if f.port == 0 {
		f.port = 587
		if f.implicit {
			f.port = 465
		}
	}
	return f, nil
}

// tlsConfig builds the client TLS configuration the flags ask for.
func (f *probeFlags) tlsConfig() (*tls.Config, error) {
	o := &tlsprofile.Options{ServerName: f.host, RootCAFile: f.caFile}
	if f.insecure {
		o.Policy = tlsprofile.Encrypt
	}
	var err error
	if o.Profile, err = tlsprofile.ParseProfile(f.profile); err != nil {
		return nil, &exitError{code: 2, err: err}
	}
	if err := o.ForceVersion(f.tlsVersion); err != nil {
		return nil, &exitError{code: 2, err: err}
	}
	return tlsprofile.Config(o)
}

func runProbe(ctx context.Context, e *env, args []string) error {
	f, err := parseProbeFlags(e, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	cfg, err := f.tlsConfig()
	if err != nil {
		return err
	}
	chain := &chainRecorder{} // shown when the certificate is refused (probe_chain.go)
	chain.wrap(cfg)
	addr := net.JoinHostPort(f.host, strconv.Itoa(f.port))
	rec := &traceRecorder{}
	o := &smtpclient.Options{
		LocalName:       "localhost",
		TLSConfig:       cfg,
		TLSPolicy:       tlsprofile.None,
		Trace:           rec,
		ConnectTimeout:  f.timeout,
		GreetingTimeout: f.timeout,
		CommandTimeout:  f.timeout,
	}
	fmt.Fprintf(e.stdout, "Server: %s\n", addr)
	if f.implicit {
		o.TLSPolicy = tlsprofile.Verify
		if f.insecure {
			o.TLSPolicy = tlsprofile.Encrypt
		}
		c, err := smtpclient.DialTLS(ctx, addr, o)
		if err != nil {
			chain.print(e.stdout)
			return fmt.Errorf("connect with implicit TLS: %w", err)
		}
		defer c.Close()
		printGreeting(e.stdout, rec)
		printCapabilities(e.stdout, "Capabilities", rec.lastEHLO())
		return finishProbe(ctx, e.stdout, c, f)
	}
	c, err := smtpclient.Dial(ctx, addr, o)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer c.Close()
	printGreeting(e.stdout, rec)
	printCapabilities(e.stdout, "Capabilities before STARTTLS", rec.lastEHLO())
	if _, ok := c.Extension("STARTTLS"); !ok {
		if f.starttls {
			c.Quit(ctx) //nolint:errcheck // the missing STARTTLS is the error
			return errors.New("server does not offer STARTTLS")
		}
		fmt.Fprintln(e.stdout, "STARTTLS: not offered; the session stays in clear")
		printAuth(e.stdout, c)
		return c.Quit(ctx)
	}
	if err := c.StartTLS(ctx, cfg); err != nil {
		chain.print(e.stdout)
		return fmt.Errorf("STARTTLS: %w", err)
	}
	printCapabilities(e.stdout, "Capabilities after STARTTLS", rec.lastEHLO())
	return finishProbe(ctx, e.stdout, c, f)
}

// finishProbe prints what is known once TLS is up and ends the session.
func finishProbe(ctx context.Context, w io.Writer, c *smtpclient.Client, f *probeFlags) error {
	printAuth(w, c)
	if cs, ok := c.TLSConnectionState(); ok {
		fmt.Fprintf(w, "TLS: %s (%s)\n", tlsprofile.Describe(cs), tlsprofile.Summarize(cs).SuiteName())
		if len(cs.PeerCertificates) > 0 {
			printCertificate(w, cs.PeerCertificates[0], f)
		}
	}
	return c.Quit(ctx)
}

func printGreeting(w io.Writer, rec *traceRecorder) {
	for _, l := range rec.greeting() {
		fmt.Fprintf(w, "Greeting: %s\n", l)
	}
}

// printCapabilities prints the EHLO keywords of an EHLO reply, without the
// first line (the server's name).
func printCapabilities(w io.Writer, title string, reply []string) {
	fmt.Fprintf(w, "%s:\n", title)
	if len(reply) < 2 {
		fmt.Fprintln(w, "  (none)")
		return
	}
	for _, l := range reply[1:] {
		fmt.Fprintf(w, "  %s\n", l)
	}
}

func printAuth(w io.Writer, c *smtpclient.Client) {
	mechs := c.AuthMechanisms()
	if len(mechs) == 0 {
		fmt.Fprintln(w, "AUTH mechanisms: (none offered)")
		return
	}
	fmt.Fprintf(w, "AUTH mechanisms: %s\n", strings.Join(mechs, " "))
}

func printCertificate(w io.Writer, cert *x509.Certificate, f *probeFlags) {
	names := append([]string(nil), cert.DNSNames...)
	for _, ip := range cert.IPAddresses {
		names = append(names, ip.String())
	}
	fmt.Fprintln(w, "Certificate:")
	fmt.Fprintf(w, "  Subject: %s\n", cert.Subject)
	fmt.Fprintf(w, "  Issuer: %s\n", cert.Issuer)
	fmt.Fprintf(w, "  Names: %s\n", strings.Join(names, ", "))
	fmt.Fprintf(w, "  Expires: %s\n", cert.NotAfter.UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "  Public key pin: %s\n", tlsprofile.FormatPin(tlsprofile.PinSHA256(cert)))
	if f.insecure {
		fmt.Fprintln(w, "  Verified: no (--insecure)")
	} else {
		fmt.Fprintf(w, "  Verified: yes, for %s\n", f.host)
	}
}

// traceRecorder keeps the "C: " and "S: " lines of the smtpclient trace,
// from which the probe reads the greeting and the EHLO replies.
type traceRecorder struct {
	mu    sync.Mutex
	lines []string
	part  []byte
}

func (r *traceRecorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.part = append(r.part, p...)
	for {
		i := strings.IndexByte(string(r.part), '\n')
		if i < 0 {
			return len(p), nil
		}
		r.lines = append(r.lines, string(r.part[:i]))
		r.part = r.part[i+1:]
	}
}

// replyText strips the "S: " prefix and the reply code with its separator.
func replyText(line string) string {
	s := strings.TrimPrefix(line, "S: ")
	if len(s) >= 4 && (s[3] == '-' || s[3] == ' ') {
		return s[4:]
	}
	return strings.TrimSpace(s[min(3, len(s)):])
}

// greeting returns the server lines before the client's first line.
func (r *traceRecorder) greeting() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, l := range r.lines {
		if !strings.HasPrefix(l, "S: ") {
			break
		}
		out = append(out, strings.TrimPrefix(l, "S: "))
	}
	return out
}

// lastEHLO returns the text of the server's reply to the last EHLO sent.
func (r *traceRecorder) lastEHLO() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	collecting := false
	for _, l := range r.lines {
		if strings.HasPrefix(l, "C: ") {
			collecting = strings.HasPrefix(strings.ToUpper(l), "C: EHLO ")
			if collecting {
				out = []string{}
			}
			continue
		}
		if collecting {
			out = append(out, replyText(l))
		}
	}
	return out
}
