// SPDX-License-Identifier: Apache-2.0

package saslmech

// NewLogin returns the LOGIN mechanism (draft-murchison-sasl-login, Microsoft
// MS-XLOGIN): the first server challenge is answered with the username, the
// second with the password. The text of the challenges is never examined,
// because servers word it differently ("Username:", "username:",
// "User Name\x00", or nothing at all). LOGIN sends the password itself, so it
// runs only under TLS, to a loopback host, or with [Insecure.RevealSecret].
func NewLogin(username, password string) Mechanism {
	return &login{username: username, password: password}
}

// NewLoginInitialResponse is [NewLogin] in the initial-response form: the
// username goes with the AUTH command ("AUTH LOGIN <base64 username>") and
// the one challenge that follows is answered with the password.
func NewLoginInitialResponse(username, password string) Mechanism {
	return &login{username: username, password: password, ir: true}
}

type login struct {
	username, password string
	ir                 bool
	started            bool
	step               int // challenges answered so far, counting the initial response
}

func (l *login) Name() string       { return "LOGIN" }
func (l *login) Exposure() Exposure { return RevealsSecret }

func (l *login) check() error {
	if err := checkField("LOGIN", "username", l.username, true, controls); err != nil {
		return err
	}
	return checkField("LOGIN", "password", l.password, true, nul)
}

// Start returns the username in the initial-response form, otherwise nil.
func (l *login) Start(s *ServerInfo) ([]byte, error) {
	if err := begin(l, s, l.check); err != nil {
		return nil, err
	}
	l.started, l.step = true, 0
	if l.ir {
		l.step = 1
		return []byte(l.username), nil
	}
	return nil, nil
}

// Next ignores the challenge text: the first challenge gets the username,
// the second the password, and a third is an error.
func (l *login) Next(_ []byte) ([]byte, error) {
	if !l.started {
		return nil, errNotStarted("LOGIN")
	}
	l.step++
	switch l.step {
	case 1:
		return []byte(l.username), nil
	case 2:
		return []byte(l.password), nil
	}
	return nil, protoErr("LOGIN", "unexpected third server challenge")
}
