// SPDX-License-Identifier: Apache-2.0

package saslmech

// NewPlain returns the PLAIN mechanism (RFC 4616). The identity is the
// authorization identity to act as; empty means the username's own. PLAIN
// sends the password itself, so it runs only under TLS, to a loopback host,
// or with [Insecure.RevealSecret].
func NewPlain(identity, username, password string) Mechanism {
	return &plain{identity: identity, username: username, password: password}
}

type plain struct {
	identity, username, password string
	started, sent                bool
}

func (p *plain) Name() string       { return "PLAIN" }
func (p *plain) Exposure() Exposure { return RevealsSecret }

func (p *plain) check() error {
	if err := checkUTF8("PLAIN", "identity", p.identity, false, controls); err != nil {
		return err
	}
	if err := checkUTF8("PLAIN", "username", p.username, true, controls); err != nil {
		return err
	}
	return checkUTF8("PLAIN", "password", p.password, true, nul)
}

func (p *plain) message() []byte {
	b := make([]byte, 0, len(p.identity)+len(p.username)+len(p.password)+2)
	b = append(append(b, p.identity...), 0)
	b = append(append(b, p.username...), 0)
	return append(b, p.password...)
}

// Start returns the whole PLAIN message as the initial response.
func (p *plain) Start(s *ServerInfo) ([]byte, error) {
	if err := begin(p, s, p.check); err != nil {
		return nil, err
	}
	p.started, p.sent = true, false
	return p.message(), nil
}

// Next answers an empty challenge, the server's request for the initial
// response (RFC 4954 section 4), once. Any other challenge is an error.
func (p *plain) Next(challenge []byte) ([]byte, error) {
	if !p.started {
		return nil, errNotStarted("PLAIN")
	}
	if len(challenge) == 0 && !p.sent {
		p.sent = true
		return p.message(), nil
	}
	return nil, protoErr("PLAIN", "unexpected server challenge")
}
