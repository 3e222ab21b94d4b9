// SPDX-License-Identifier: Apache-2.0

package mailsender

import (
	"strings"

	"github.com/mailwright/mailwright/saslmech"
	"github.com/mailwright/mailwright/smtpclient"
)

// ClassicAuthOrder is the order in which the classic component tried the
// mechanisms a server offered (CRAM-MD5, NTLM, LOGIN), with PLAIN last for
// servers that offer nothing else. Set it as Sender.AuthPolicy to
// reproduce the classic choice; the default is [saslmech.DefaultOrder],
// which puts SCRAM, the only mechanisms that also prove the server knows
// the password, first.
var ClassicAuthOrder = saslmech.Policy{"CRAM-MD5", "NTLM", "LOGIN", "PLAIN"}

// tokenOrder is used when Password holds an OAuth 2.0 access token.
var tokenOrder = saslmech.Policy{"XOAUTH2", "OAUTHBEARER"}

// mechanism picks the SASL mechanism for the connection c: the one
// AuthMechanism names, or the first of AuthPolicy (saslmech.DefaultOrder when
// nil) the server offers.
// Errors wrap saslmech.ErrNoMechanism, or saslmech.ErrNoTLS when the only
// candidates may not run without TLS.
func (s *Sender) mechanism(c *smtpclient.Client) (saslmech.Mechanism, error) {
	_, isTLS := c.TLSConnectionState()
	info := &saslmech.ServerInfo{Host: s.Host, TLS: isTLS, Mechanisms: c.AuthMechanisms(),
		Insecure: s.Insecure}
	cred := saslmech.Credentials{Username: s.Username, Password: s.Password, Port: s.port()}
	policy := s.AuthPolicy
	if policy == nil {
		policy = saslmech.DefaultOrder
	}
	if s.isToken() {
		cred.Password, cred.Token = "", s.token()
		policy = tokenOrder
	}
	if s.AuthMechanism != "" {
		policy = saslmech.Policy{strings.ToUpper(s.AuthMechanism)}
	}
	return saslmech.Select(info, cred, policy)
}
