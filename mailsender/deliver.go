// SPDX-License-Identifier: Apache-2.0

package mailsender

import (
	"crypto/tls"

	"github.com/mailwright/mailwright/mailsender/queue"
	"github.com/mailwright/mailwright/smtpclient"
)

// Deliverer returns the queue deliverer an agent uses to send entries the
// way s sends: s's LocalName, Dialer, Trace, Insecure and RootCAs apply to
// every connection, while each entry's profile (recorded by Enqueue) names
// the server, the TLS mode and the credential. secret resolves credential
// names when a connection is opened; nil means queue.EnvSecret. Close the
// deliverer when the agent stops.
func (s *Sender) Deliverer(secret queue.SecretFunc) *queue.SMTP {
	o := &smtpclient.Options{
		LocalName: s.LocalName,
		Insecure:  s.Insecure,
		Trace:     s.Trace,
		Dialer:    s.Dialer,
	}
	if s.RootCAs != nil {
		o.TLSConfig = &tls.Config{RootCAs: s.RootCAs}
	}
	return &queue.SMTP{Secret: secret, Options: o}
}
