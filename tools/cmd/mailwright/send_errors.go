// SPDX-License-Identifier: Apache-2.0

package main

import (
	"errors"
	"strings"

	"github.com/mailwright/mailwright/mailsender"
	"github.com/mailwright/mailwright/saslmech"
	"github.com/mailwright/mailwright/smtpclient"
)

// cliError is an error of the library reworded for the command line: the
// advice names flags instead of Go functions. Unwrap gives the original.
type cliError struct {
	msg string
	err error
}

func (e *cliError) Error() string { return e.msg }
func (e *cliError) Unwrap() error { return e.err }

// libAdvice maps the library's advice, which names its Go API, to the
// flags that do the same.
var libAdvice = []struct{ lib, cli string }{
	{"use STARTTLS (Dial) on this port", "use --tls instead of --ssl on this port"},
	{"use DialTLS", "use --ssl"},
	{"names no token endpoint; set TokenSource.Client", "names no token endpoint; " +
		tokenEndpointFix},
	// The S/MIME settings the --smime-* flags fill (send_smime.go).
	{"mailsender: SMIME.CertFile:", "--smime-sign-cert:"},
	{"mailsender: SMIME.KeyFile:", "--smime-sign-key:"},
	{"mailsender: SMIME.PFXFile:", "--smime-pfx:"},
	{"mailsender: SMIME.RecipientFiles", "--smime-encrypt-cert"},
}

// tokenEndpointFix is how a store imported without --provider gets the
// token endpoint that renewing needs.
const tokenEndpointFix = `record one with "mailwright token import --store FILE --classic FILE ` +
	`--provider google|microsoft --client-id ID" (or --token-url URL)`

// reword returns err with the library's advice given in flags, or err
// itself when there is nothing to change.
func reword(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, a := range libAdvice {
		msg = strings.ReplaceAll(msg, a.lib, a.cli)
	}
	if msg == err.Error() {
		return err
	}
	return &cliError{msg: msg, err: err}
}

// sendCLIError rewords err, returned by a send with s, for the command
// line. It returns err unchanged when there is nothing to reword.
func sendCLIError(err error, s *mailsender.Sender) error {
	if err == nil {
		return nil
	}
	msg := reword(err).Error()
	switch {
	case errors.Is(err, smtpclient.ErrTLSRequired):
		msg += " (--plain sends in clear)"
	case errors.Is(err, saslmech.ErrNoTLS):
		msg += " (use --tls or --ssl; --allow-plain-auth sends the credentials in clear)"
	case errors.Is(err, saslmech.ErrNoMechanism):
		msg += " (name a mechanism the server offers with --auth MECH; " +
			"--auth classic tries CRAM-MD5, NTLM, LOGIN, PLAIN)"
	}
	if msg == err.Error() {
		return err
	}
	return &cliError{msg: msg, err: err}
}
