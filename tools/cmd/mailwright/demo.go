// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

func init() {
	register(&command{
		name:    "demo",
		summary: "send a DKIM-signed message to an in-process server and verify it",
		run:     runDemo,
	})
}

const (
	demoUser     = "demo@example.test"
	demoDomain   = "example.test"
	demoSelector = "demo"
)

// demoKit is what the demo makes before it sends: a server, a DKIM key and
// the files "send" reads, in a temporary directory.
type demoKit struct {
	dir    string
	srv    *demoServer
	pass   string
	record string // the DKIM key's TXT record value
}

func newDemoKit() (*demoKit, error) {
	dir, err := os.MkdirTemp("", "mailwright-demo-*")
	if err != nil {
		return nil, err
	}
	k := &demoKit{dir: dir}
	var secret [12]byte
	rand.Read(secret[:])
	k.pass = hex.EncodeToString(secret[:])
	if k.srv, err = startDemoServer(demoUser, k.pass); err != nil {
		k.close()
		return nil, err
	}
	if err := os.WriteFile(k.file("ca.pem"), k.srv.caPEM, 0o600); err != nil {
		k.close()
		return nil, err
	}
	if k.record, err = writeDKIMKey(k.file("dkim.key")); err != nil {
		k.close()
		return nil, err
	}
	return k, nil
}

func (k *demoKit) file(name string) string { return filepath.Join(k.dir, name) }

func (k *demoKit) close() {
	if k.srv != nil {
		k.srv.close()
	}
	os.RemoveAll(k.dir)
}

// writeDKIMKey makes an RSA-2048 key, writes it as PEM and returns its DNS
// TXT record value (RFC 6376 section 3.6.1).
func writeDKIMKey(path string) (string, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", err
	}
	spki, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return "", err
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := os.WriteFile(path, pemKey, 0o600); err != nil {
		return "", err
	}
	return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(spki), nil
}

// args is the "mailwright send" command line the demo runs.
func (k *demoKit) args() []string {
	return []string{
		"--host", "127.0.0.1", "--port", strconv.Itoa(k.srv.port()), "--tls",
		"--ca-file", k.file("ca.pem"), "--user", demoUser,
		"--from", "mailwright demo <" + demoUser + ">",
		"--to", "Ada Lovelace <ada@example.test>",
		"--subject", "Grüße from mailwright",
		"--body", "Hello Ada,\n\nthis message was composed, DKIM-signed and sent over STARTTLS.\n",
		"--dkim-key", k.file("dkim.key"), "--dkim-domain", demoDomain,
		"--dkim-selector", demoSelector, "--transcript", k.file("transcript.txt"),
	}
}

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("mailwright demo", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return &exitError{code: 2, err: err}
	}
	if fs.NArg() > 0 {
		return &exitError{code: 2, err: fmt.Errorf("unexpected argument %q (demo takes none)", fs.Arg(0))}
	}
	k, err := newDemoKit()
	if err != nil {
		return fmt.Errorf("setting up: %w", err)
	}
	defer k.close()
	fmt.Fprintf(e.stdout, "== in-process SMTP server on 127.0.0.1:%d (STARTTLS, AUTH required)\n",
		k.srv.port())
	fmt.Fprintf(e.stdout, "== MAILWRIGHT_PASSWORD=%s mailwright send %s\n",
		shellQuote(k.pass), strings.Join(quoteArgs(k.args()), " "))

	// The password reaches "send" the way a user would pass it, through the
	// environment, so that it appears on no command line.
	getenv := func(name string) string {
		if name == "MAILWRIGHT_PASSWORD" {
			return k.pass
		}
		return e.getenv(name)
	}
	job, err := parseSend(k.args(), getenv, e.stderr)
	if err != nil {
		return err
	}
	if err := execute(ctx, e.stdout, job); err != nil {
		return err
	}
	return k.report(ctx, e.stdout)
}

// report prints the transcript and verifies what the server received.
func (k *demoKit) report(ctx context.Context, out io.Writer) error {
	transcript, err := os.ReadFile(k.file("transcript.txt"))
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "== SMTP transcript (AUTH payloads redacted)")
	out.Write(transcript)
	if bytes.Contains(transcript, []byte(k.pass)) ||
		bytes.Contains(transcript, []byte(base64.StdEncoding.EncodeToString([]byte(k.pass)))) {
		return errors.New("the transcript contains the password")
	}
	msgs := k.srv.messages()
	if len(msgs) != 1 {
		return fmt.Errorf("the server received %d messages, want 1", len(msgs))
	}
	fmt.Fprintf(out, "== received %d bytes for %s; verifying its DKIM signature\n",
		len(msgs[0].data), strings.Join(msgs[0].to, ", "))
	res, err := verifyDemo(ctx, msgs[0].data, k.record)
	if err != nil {
		return fmt.Errorf("DKIM verification failed: %w", err)
	}
	fmt.Fprintln(out, "DKIM: "+res)
	return nil
}

// quoteArgs quotes the arguments for a POSIX shell (shellquote.go).
func quoteArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = shellQuote(a)
	}
	return out
}
