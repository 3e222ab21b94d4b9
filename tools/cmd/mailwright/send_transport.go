// SPDX-License-Identifier: Apache-2.0

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/mailwright/mailwright/mailsender"
	"github.com/mailwright/mailwright/oauthgmail"
	"github.com/mailwright/mailwright/saslmech"
	"github.com/mailwright/mailwright/tlsprofile"
)

// transportFlags are the flags of "mailwright send" that choose how the
// connection is secured and identified, plus --reply-to: --plain,
// --allow-plain-auth, --timeout, --local-name, --tls-version.
type transportFlags struct {
	plain, allowPlainAuth bool
	timeout               time.Duration
	localName, tlsVersion string
	replyTo               listFlag
}

// Help texts shared by the flags and the tests.
const (
	tlsHelp = "require STARTTLS after the greeting and verify the certificate " +
		"(default port 587)"
	sslHelp      = "implicit TLS from the first byte, certificate verified (default port 465)"
	insecureHelp = "do not verify the server certificate (the opportunistic STARTTLS " +
		"used without --tls, --ssl and credentials never verifies it). AUTH in clear is " +
		"--allow-plain-auth"
	plainHelp = "never use TLS, even when the server offers STARTTLS. Without --tls, " +
		"--ssl or --plain, send uses STARTTLS when the server offers it, without " +
		"checking the certificate (opportunistic, like Postfix's \"may\"), and " +
		"goes on in clear when it is not offered; a warning on stderr says so. " +
		"With a user, password or token to a host that is not loopback it requires " +
		"STARTTLS and a verified certificate instead (--insecure: any certificate), as --tls does"
	allowPlainAuthHelp = "allow AUTH without TLS to a host that is not loopback: the " +
		"password, or a hash of it, crosses the network in clear. AUTH to a loopback " +
		"address (127.0.0.1, ::1) is always allowed"
)

func (t *transportFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&t.plain, "plain", false, plainHelp)
	fs.BoolVar(&t.allowPlainAuth, "allow-plain-auth", false, allowPlainAuthHelp)
	fs.DurationVar(&t.timeout, "timeout", 0,
		"bound the whole send (connection, dialogue, data), e.g. 30s (default 5m)")
	fs.StringVar(&t.localName, "local-name", "", "the `name` sent with EHLO (default localhost)")
	fs.StringVar(&t.tlsVersion, "tls-version", "",
		"force one TLS `version`: 1.0, 1.1, 1.2 or 1.3 (default: 1.2 or newer)")
	fs.Var(&t.replyTo, "reply-to", "Reply-To `address` (repeatable)")
}

// isClassic reports whether --auth asks for the classic component's order.
func isClassic(auth string) bool { return strings.EqualFold(auth, "classic") }

// check reports transport flags that do not go together.
func (t *transportFlags) check(f *sendFlags) error {
	switch {
	case t.plain && (f.tls || f.ssl):
		return errors.New("--plain excludes --tls and --ssl")
	case t.plain && f.insecure:
		return errors.New("--plain excludes --insecure: without TLS there is no certificate to check")
	case t.plain && (f.caFile != "" || t.tlsVersion != ""):
		return errors.New("--ca-file and --tls-version need TLS; they exclude --plain")
	case t.timeout < 0:
		return fmt.Errorf("--timeout %s: must not be negative", t.timeout)
	case f.auth != "" && !isClassic(f.auth) && !slices.ContainsFunc(saslmech.DefaultOrder,
		func(m string) bool { return strings.EqualFold(m, f.auth) }):
		return fmt.Errorf("--auth %q: not a mechanism mailwright speaks; one of %s, or classic",
			f.auth, strings.Join(saslmech.DefaultOrder, ", "))
	case isClassic(f.auth) && f.queue != "":
		return errors.New("--auth classic cannot be queued: name one mechanism with --auth, or none")
	case f.queue != "" && (t.allowPlainAuth || t.localName != "" || t.timeout != 0):
		return errors.New("--allow-plain-auth, --local-name and --timeout apply to a direct send; " +
			"a queued message gets the agent's own (mailwright agent -h)")
	}
	if t.tlsVersion != "" {
		if _, err := tlsprofile.ParseVersion(t.tlsVersion); err != nil {
			return fmt.Errorf("--tls-version %q: want 1.0, 1.1, 1.2 or 1.3", t.tlsVersion)
		}
	}
	return nil
}

// apply sets how s secures and identifies the connection. Without --tls,
// --ssl or --plain it is opportunistic STARTTLS (tlsprofile.May) on port
// 25; --insecure only turns the certificate check off.
func (t *transportFlags) apply(f *sendFlags, s *mailsender.Sender) {
	switch {
	case t.plain:
		s.TLS, s.TLSPolicy = false, tlsprofile.None
	case f.tls || f.ssl:
		if f.insecure {
			s.TLSPolicy = tlsprofile.Encrypt
		}
	default:
		s.TLS, s.TLSPolicy = true, tlsprofile.May
		if s.Port == 0 {
			s.Port = 25 // TLS alone would mean 587
		}
	}
	if t.allowPlainAuth {
		s.Insecure = saslmech.Insecure{ChallengeResponse: true, RevealSecret: true}
	}
	if isClassic(f.auth) {
		s.AuthMechanism, s.AuthPolicy = "", mailsender.ClassicAuthOrder
	}
	s.LocalName, s.Timeout, s.TLSVersion = t.localName, t.timeout, t.tlsVersion
}

// finish runs once the credentials are known (after send_oauth.go). It
// refuses --user without a password or token before anything is opened,
// unless the message is queued (the agent resolves the credential), and
// keeps credentials off an unverified or clear connection: with them, the
// default becomes TLS required (SECURITY rules 1 and 6), verified unless
// --insecure, except to a loopback address, where rule 6 allows AUTH in
// clear and STARTTLS stays opportunistic.
func (t *transportFlags) finish(f *sendFlags, s *mailsender.Sender) error {
	creds := s.Username != "" || s.Password != "" || s.TokenSource != nil
	if f.queue == "" && s.Username != "" && s.Password == "" && s.TokenSource == nil {
		return fmt.Errorf("--user %s has no password: give --password, $MAILWRIGHT_PASSWORD "+
			"or --token-store", s.Username)
	}
	if creds && s.TLSPolicy == tlsprofile.May && !saslmech.IsLoopback(s.Host) {
		s.TLSPolicy = tlsprofile.Verify
		if f.insecure {
			s.TLSPolicy = tlsprofile.Encrypt
		}
	}
	return nil
}

// warnTransport prints a warning line on w when the message went in clear
// or over TLS without a verified certificate.
func warnTransport(w io.Writer, s *mailsender.Sender, res *mailsender.Result) {
	if w == nil || res == nil {
		return
	}
	if _, api := oauthgmail.APIHost(s.Host); api {
		return // HTTPS, verified by net/http
	}
	switch {
	case res.TLS == "" && !s.TLS && !s.SSL:
		fmt.Fprintln(w, "warning: sent without TLS (--plain)")
	case res.TLS == "":
		fmt.Fprintln(w, "warning: sent without TLS: the server did not offer STARTTLS "+
			"(--tls refuses to send in clear)")
	case s.TLSPolicy == tlsprofile.Encrypt:
		fmt.Fprintln(w, "warning: certificate not verified (--insecure)")
	case s.TLSPolicy == tlsprofile.May:
		fmt.Fprintln(w, "warning: certificate not verified (opportunistic STARTTLS; "+
			"--tls requires TLS and verifies the certificate)")
	}
}
