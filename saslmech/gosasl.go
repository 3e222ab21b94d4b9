// SPDX-License-Identifier: Apache-2.0

package saslmech

import "errors"

// Client adapts a [Mechanism] to the client interface of
// github.com/emersion/go-sasl (Start() (mech string, ir []byte, err error)
// and Next(challenge []byte) ([]byte, error)), which go-smtp and go-imap
// take, without importing that module: a *Client satisfies sasl.Client as
// it is. Use a new Client, with a new Mechanism, for every authentication.
//
// go-sasl's Start receives nothing about the connection, so the caller
// fills in Server: Host and TLS must describe the connection the client was
// given, because [Permit] decides from them. Mechanisms offered by the
// server are not needed.
//
// go-sasl has no step after the server's success reply, so a caller using
// SCRAM calls [Client.Finish] after the client library reported success:
// it fails when the server never proved it knows the password. After an
// XOAUTH2/OAUTHBEARER token error the library reports the server's final
// 5xx reply; [Client.Err] then holds the [*OAuthError].
type Client struct {
	// Mechanism runs the exchange.
	Mechanism Mechanism
	// Server describes the connection; see above.
	Server ServerInfo

	err error
}

// Start implements sasl.Client: it returns the mechanism name and initial
// response, or an error when the mechanism may not run ([Permit]) or cannot
// carry the credentials.
func (c *Client) Start() (string, []byte, error) {
	c.err = nil
	if c.Mechanism == nil {
		return "", nil, errors.New("saslmech: Client has no Mechanism")
	}
	ir, err := c.Mechanism.Start(&c.Server)
	if err != nil {
		return "", nil, err
	}
	return c.Mechanism.Name(), ir, nil
}

// Next implements sasl.Client. A mechanism error that comes with a response
// (the token mechanisms' answer to an error challenge) is kept for
// [Client.Err] and the response returned without error, so that the client
// library sends it and reads the server's final reply as the protocol
// requires; any later challenge is refused.
func (c *Client) Next(challenge []byte) ([]byte, error) {
	if c.err != nil {
		return nil, c.err
	}
	if c.Mechanism == nil {
		return nil, errors.New("saslmech: Client has no Mechanism")
	}
	resp, err := c.Mechanism.Next(challenge)
	if err != nil && resp != nil {
		c.err = err
		return resp, nil
	}
	return resp, err
}

// Finish reports whether an exchange the server accepted was complete on
// the client side: the kept mechanism error if there is one, then the
// mechanism's own [Finisher] check (SCRAM's server signature).
func (c *Client) Finish() error {
	if c.err != nil {
		return c.err
	}
	if f, ok := c.Mechanism.(Finisher); ok {
		return f.Finish()
	}
	return nil
}

// Err returns the mechanism's error from the last exchange, such as the
// [*OAuthError] behind a 535, or nil.
func (c *Client) Err() error { return c.err }
