// SPDX-License-Identifier: Apache-2.0

package saslmech

import (
	"fmt"
	"net/smtp"
)

// NetSMTPAuth adapts a [Mechanism] to the standard library's net/smtp.Auth,
// for programs that send with net/smtp. Like smtp.PlainAuth it is bound to
// one host and refuses to start on a connection to any other
// ([ErrWrongHost]); unlike it, every mechanism is gated by [Permit]. Use a
// new NetSMTPAuth, with a new Mechanism, for every authentication.
//
// net/smtp reports the server's final reply itself, so after an
// XOAUTH2/OAUTHBEARER token error the error returned by smtp.Client.Auth is
// the server's 535; [NetSMTPAuth.Err] then holds the [*OAuthError].
type NetSMTPAuth struct {
	// Mechanism runs the exchange.
	Mechanism Mechanism
	// Host is the server name the credentials are meant for, compared with
	// the name given to smtp.Dial or smtp.NewClient. It must be set.
	Host string
	// Insecure is the caller's explicit choice for connections without TLS.
	Insecure Insecure

	err error
}

// Start implements smtp.Auth.
func (a *NetSMTPAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	a.err = nil
	if a.Mechanism == nil {
		return "", nil, fmt.Errorf("saslmech: NetSMTPAuth has no Mechanism")
	}
	s := &ServerInfo{Host: server.Name, TLS: server.TLS, Mechanisms: server.Auth, Insecure: a.Insecure}
	ir, err := ForHost(a.Host, a.Mechanism).Start(s)
	if err != nil {
		return "", nil, err
	}
	return a.Mechanism.Name(), ir, nil
}

// Next implements smtp.Auth. A mechanism error that comes with a response
// (the token mechanisms' answer to an error challenge) lets net/smtp send
// the response and read the server's final reply; the error is kept for
// [NetSMTPAuth.Err].
func (a *NetSMTPAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		if a.err != nil {
			return nil, a.err
		}
		if f, ok := a.Mechanism.(Finisher); ok {
			return nil, f.Finish()
		}
		return nil, nil
	}
	if a.err != nil {
		return nil, a.err
	}
	resp, err := a.Mechanism.Next(fromServer)
	if err != nil && resp != nil {
		a.err = err
		return resp, nil
	}
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// Err returns the mechanism's error from the last exchange, such as the
// [*OAuthError] behind a 535, or nil.
func (a *NetSMTPAuth) Err() error { return a.err }
