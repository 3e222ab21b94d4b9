// SPDX-License-Identifier: Apache-2.0

package conformance

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailwright/mailwright/conformance/replay"
	"github.com/mailwright/mailwright/saslmech"
	"github.com/mailwright/mailwright/smtpclient"
	"github.com/mailwright/mailwright/tlsprofile"
)

const defaultBody = "Subject: conformance\r\n\r\nHello.\r\n"

// TestTranscripts replays every transcript of the corpus against
// smtpclient: the client must send exactly the transcript's C: lines and
// report the outcome its "expect" settings name.
func TestTranscripts(t *testing.T) {
	cert, pool, err := replay.TestCertificate("127.0.0.1", "localhost")
	if err != nil {
		t.Fatal(err)
	}
	names, err := fs.Glob(Transcripts(), "*.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 40 {
		t.Errorf("corpus has %d transcripts, want at least 40", len(names))
	}
	for _, name := range names {
		t.Run(strings.TrimSuffix(name, ".txt"), func(t *testing.T) {
			t.Parallel()
			f, err := Transcripts().Open(name)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := replay.Parse(name, f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			runTranscript(t, tr, cert, pool)
		})
	}
}

// outcome is what the client reported.
type outcome struct {
	res *smtpclient.SendResult
	err error
}

func runTranscript(t *testing.T, tr *replay.Transcript, cert tls.Certificate, pool *x509.CertPool) {
	mode := tr.Get("mode")
	srv := &replay.Server{Transcript: tr, Implicit: mode == "tls", ReadTimeout: 5 * time.Second,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}
	addr, wait, err := replay.Listen(srv)
	if err != nil {
		t.Fatal(err)
	}
	out := drive(t, tr, addr, pool)
	res := wait()
	if res.Err != nil {
		t.Errorf("dialogue: %v", res.Err)
	}
	for _, exp := range tr.Settings["expect"] {
		if err := check(exp, out); err != nil {
			t.Errorf("expect %q: %v", exp, err)
		}
	}
	if want := tr.Get("data"); want != "" {
		w, err := strconv.Unquote(want)
		if err != nil {
			t.Fatalf("data setting: %v", err)
		}
		if len(res.Data) == 0 || string(res.Data[0]) != w {
			t.Errorf("message text on the wire = %q, want %q", res.Data, w)
		}
	}
	for _, secret := range tr.Settings["never-sent"] {
		if strings.Contains(string(res.Wire), secret) {
			t.Errorf("the client sent %q, which it must not", secret)
		}
	}
}

// drive runs the client side the transcript's settings describe.
func drive(t *testing.T, tr *replay.Transcript, addr string, pool *x509.CertPool) outcome {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	o := &smtpclient.Options{
		LocalName:       "client.example.test",
		TLSConfig:       &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"},
		TLSPolicy:       tlsprofile.None,
		GreetingTimeout: 2 * time.Second, CommandTimeout: 2 * time.Second, DataTimeout: 2 * time.Second,
	}
	if v := tr.Get("ehlo"); v != "" {
		o.LocalName = v
	}
	switch tr.Get("mode") {
	case "starttls":
		o.TLSPolicy = tlsprofile.Verify
	case "opportunistic":
		o.TLSPolicy = tlsprofile.May
	}
	dial := smtpclient.Dial
	if tr.Get("mode") == "tls" {
		dial = smtpclient.DialTLS
	}
	c, err := dial(ctx, addr, o)
	if err != nil {
		return outcome{err: err}
	}
	defer c.Close()
	if a := tr.Get("auth"); a != "" {
		err = c.Auth(ctx, mechanism(t, a))
	}
	var res *smtpclient.SendResult
	if from := tr.Get("from"); err == nil && (from != "" || tr.Settings["to"] != nil) {
		body := defaultBody
		if b := tr.Get("body"); b != "" {
			if body, err = strconv.Unquote(b); err != nil {
				t.Fatalf("body setting: %v", err)
			}
		}
		so := &smtpclient.SendOptions{AllOrNothing: tr.Get("all-or-nothing") == "yes"}
		res, err = c.SendMail(ctx, from, tr.Settings["to"], strings.NewReader(body), so)
	}
	// A client ends the session with QUIT after a failed transaction too,
	// unless the connection is gone; the transcript says which.
	if tr.Get("quit") != "no" {
		if qerr := c.Quit(ctx); err == nil {
			err = qerr
		}
	}
	return outcome{res: res, err: err}
}

func mechanism(t *testing.T, spec string) saslmech.Mechanism {
	f := strings.Fields(spec)
	for len(f) < 3 {
		f = append(f, "")
	}
	switch strings.ToUpper(f[0]) {
	case "PLAIN":
		return saslmech.NewPlain("", f[1], f[2])
	case "LOGIN":
		return saslmech.NewLogin(f[1], f[2])
	case "CRAM-MD5":
		return saslmech.NewCRAMMD5(f[1], f[2])
	case "XOAUTH2":
		return saslmech.NewXOAUTH2(f[1], f[2])
	case "NTLM":
		return saslmech.NewNTLM(f[1], f[2])
	}
	t.Fatalf("unknown mechanism in %q", spec)
	return nil
}

// check compares one "expect" setting with the outcome:
//
//	ok                          no error
//	refused ADDR CODE [ENH]     sent; ADDR refused with that reply
//	accepted ADDR               sent; ADDR accepted
//	error CODE [ENH] [COMMAND]  *smtpclient.Error with that code
//	fails                       any error but a recipient refusal
//	temporary | permanent       the error's Temporary() says so
//	tls-required | timeout | possible-duplicate | protocol | tls
//	no-greeting | auth-unsupported | body-error | oauth STATUS
func check(exp string, o outcome) error {
	f := strings.Fields(exp)
	switch f[0] {
	case "ok":
		return o.err
	case "refused", "accepted":
		return checkRcpt(f, o)
	case "error":
		return checkReply(f[1:], o.err)
	case "fails":
		return want(o.err != nil && !isRecipientError(o.err), o.err)
	case "temporary", "permanent":
		var te interface{ Temporary() bool }
		if !errors.As(o.err, &te) {
			return fmt.Errorf("got %v, want an error with Temporary()", o.err)
		}
		return want(te.Temporary() == (f[0] == "temporary"), o.err)
	case "body-error":
		var be *smtpclient.BodyError
		return want(errors.As(o.err, &be), o.err)
	case "no-greeting":
		return want(errors.Is(o.err, smtpclient.ErrNoGreeting), o.err)
	case "auth-unsupported":
		return want(errors.Is(o.err, smtpclient.ErrAuthUnsupported), o.err)
	case "tls-required":
		return want(errors.Is(o.err, smtpclient.ErrTLSRequired), o.err)
	case "timeout":
		return want(errors.Is(o.err, smtpclient.ErrTimeout), o.err)
	case "possible-duplicate":
		return want(errors.Is(o.err, smtpclient.ErrPossibleDuplicate), o.err)
	case "protocol":
		var pe *smtpclient.ProtocolError
		return want(errors.As(o.err, &pe), o.err)
	case "tls":
		var te *smtpclient.TLSError
		return want(errors.As(o.err, &te), o.err)
	case "oauth":
		var oe *saslmech.OAuthError
		if !errors.As(o.err, &oe) {
			return fmt.Errorf("got %v, want an *saslmech.OAuthError", o.err)
		}
		return want(oe.Status == f[1], o.err)
	}
	return fmt.Errorf("unknown expectation")
}

func isRecipientError(err error) bool {
	var re *smtpclient.RecipientError
	return errors.As(err, &re)
}

func want(ok bool, err error) error {
	if ok {
		return nil
	}
	return fmt.Errorf("got error %v", err)
}

func checkReply(f []string, err error) error {
	var se *smtpclient.Error
	if !errors.As(err, &se) {
		return fmt.Errorf("got %v, want an *smtpclient.Error", err)
	}
	if strconv.Itoa(se.Code) != f[0] {
		return fmt.Errorf("code %d, want %s (%v)", se.Code, f[0], err)
	}
	if len(f) > 1 && f[1] != "-" && se.EnhancedCode.String() != f[1] {
		return fmt.Errorf("enhanced code %s, want %s", se.EnhancedCode, f[1])
	}
	if len(f) > 2 && !strings.HasPrefix(se.Command, f[2]) {
		return fmt.Errorf("command %q, want %s", se.Command, f[2])
	}
	return nil
}

func checkRcpt(f []string, o outcome) error {
	if o.res == nil {
		return fmt.Errorf("no send result (error %v)", o.err)
	}
	for _, r := range o.res.Recipients {
		if r.Recipient != f[1] {
			continue
		}
		if f[0] == "accepted" {
			return want(r.Err == nil, r.Err)
		}
		return checkReply(f[2:], r.Err)
	}
	return fmt.Errorf("recipient %s not in the result", f[1])
}
