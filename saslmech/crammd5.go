// SPDX-License-Identifier: Apache-2.0

package saslmech

import (
	"crypto/hmac"
	"crypto/md5"
	"encoding/hex"
)

// NewCRAMMD5 returns the CRAM-MD5 mechanism (RFC 2195): the server's
// challenge is answered with the username and the HMAC-MD5 of the challenge
// keyed with the secret. The password does not cross the network, but an
// eavesdropper can test guesses against the answer offline, so CRAM-MD5
// needs TLS, a loopback host, or [Insecure.ChallengeResponse].
func NewCRAMMD5(username, secret string) Mechanism {
	return &cramMD5{username: username, secret: secret}
}

type cramMD5 struct {
	username, secret string
	started, done    bool
}

func (c *cramMD5) Name() string       { return "CRAM-MD5" }
func (c *cramMD5) Exposure() Exposure { return ChallengeResponse }

func (c *cramMD5) check() error {
	// The username ends at the last space of the response (RFC 2195
	// section 2), so a space inside it is harmless; a control byte is not
	// (SEC-16).
	if err := checkField("CRAM-MD5", "username", c.username, true, controls); err != nil {
		return err
	}
	return checkField("CRAM-MD5", "password", c.secret, true, nul)
}

// Start returns no initial response: CRAM-MD5 waits for the challenge.
func (c *cramMD5) Start(s *ServerInfo) ([]byte, error) {
	if err := begin(c, s, c.check); err != nil {
		return nil, err
	}
	c.started, c.done = true, false
	return nil, nil
}

// Next answers the one challenge. An empty challenge, or a second one, is
// an error: a digest of nothing proves nothing.
func (c *cramMD5) Next(challenge []byte) ([]byte, error) {
	switch {
	case !c.started:
		return nil, errNotStarted("CRAM-MD5")
	case c.done:
		return nil, protoErr("CRAM-MD5", "unexpected second server challenge")
	case len(challenge) == 0:
		return nil, protoErr("CRAM-MD5", "empty server challenge")
	}
	c.done = true
	return cramResponse(c.username, c.secret, challenge), nil
}

// cramResponse is "username SP hex(HMAC-MD5(secret, challenge))".
func cramResponse(username, secret string, challenge []byte) []byte {
	mac := hmac.New(md5.New, []byte(secret))
	mac.Write(challenge)
	out := make([]byte, 0, len(username)+1+2*md5.Size)
	out = append(out, username...)
	out = append(out, ' ')
	return hex.AppendEncode(out, mac.Sum(nil))
}
