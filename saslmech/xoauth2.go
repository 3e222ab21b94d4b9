// SPDX-License-Identifier: Apache-2.0

package saslmech

// NewXOAUTH2 returns the XOAUTH2 mechanism of Google and Microsoft: the
// initial response is "user=" user ^A "auth=Bearer " token ^A ^A. When the
// server refuses the token it sends a challenge with a JSON error; [Next]
// then returns the empty response the protocol requires together with an
// [*OAuthError], so the client reads the final 5xx reply and the caller can
// refresh the token. XOAUTH2 sends the token itself, so it runs only under
// TLS, to a loopback host, or with [Insecure.RevealSecret].
func NewXOAUTH2(user, token string) Mechanism {
	return &xoauth2{user: user, token: token}
}

type xoauth2 struct {
	user, token string
	tokenState
}

func (x *xoauth2) Name() string       { return "XOAUTH2" }
func (x *xoauth2) Exposure() Exposure { return RevealsSecret }

func (x *xoauth2) check() error {
	if err := checkUTF8("XOAUTH2", "username", x.user, true, controls); err != nil {
		return err
	}
	return checkToken("XOAUTH2", x.token)
}

func (x *xoauth2) message() []byte {
	b := make([]byte, 0, len("user=\x01auth=Bearer \x01\x01")+len(x.user)+len(x.token))
	b = append(append(b, "user="...), x.user...)
	b = append(append(b, "\x01auth=Bearer "...), x.token...)
	return append(b, "\x01\x01"...)
}

// Start returns the XOAUTH2 string as the initial response.
func (x *xoauth2) Start(s *ServerInfo) ([]byte, error) {
	if err := begin(x, s, x.check); err != nil {
		return nil, err
	}
	x.tokenState = tokenState{started: true}
	return x.message(), nil
}

// Next answers an empty first challenge (the server asking for the initial
// response) with the XOAUTH2 string, and any other challenge, the server's
// error, with an empty response and an [*OAuthError].
func (x *xoauth2) Next(challenge []byte) ([]byte, error) {
	return x.next("XOAUTH2", challenge, x.message, []byte{})
}

// tokenState is the shared state machine of XOAUTH2 and OAUTHBEARER.
type tokenState struct {
	started, answered, failed bool
}

func (t *tokenState) next(mech string, ch []byte, msg func() []byte, dummy []byte) ([]byte, error) {
	switch {
	case !t.started:
		return nil, errNotStarted(mech)
	case t.failed:
		// The error challenge was answered; anything more is a server
		// loop, and the token is never sent again (SEC-36).
		return nil, protoErr(mech, "unexpected challenge after the error response")
	case len(ch) == 0 && !t.answered:
		t.answered = true
		return msg(), nil
	}
	t.answered, t.failed = true, true
	return dummy, parseOAuthError(mech, ch)
}

// checkToken refuses a token that cannot follow "Bearer " on one line:
// empty, or holding a space, ^A or another control byte.
func checkToken(mech, token string) error {
	return checkField(mech, "token", token, true, tokenBytes)
}
