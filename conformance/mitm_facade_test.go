// SPDX-License-Identifier: Apache-2.0

package conformance

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mailwright/mailwright/conformance/replay"
	"github.com/mailwright/mailwright/mailsender"
	"github.com/mailwright/mailwright/tlsprofile"

	"crypto/tls"
)

// facadeSetups are the ways a mailsender.Sender reaches TLS: STARTTLS
// (TLS) with each policy, and implicit TLS (SSL).
var facadeSetups = []struct {
	name     string
	policy   tlsprofile.Policy
	implicit bool
}{
	{"Sender.TLS/verify", tlsprofile.Verify, false},
	{"Sender.TLS/encrypt", tlsprofile.Encrypt, false},
	{"Sender.TLS/may", tlsprofile.May, false},
	{"Sender.SSL/verify", tlsprofile.Verify, true},
}

// facadeAuth are the AuthMechanism settings tried: each mechanism by name,
// the classic automatic order (""), and an "[oauth]" password (XOAUTH2).
var facadeAuth = []string{"PLAIN", "LOGIN", "CRAM-MD5", "NTLM", "SCRAM-SHA-256", "", "[oauth]"}

// TestSTARTTLSMITMFacade plays the same rows against mailsender.Sender:
// SEC-01, SEC-02, SEC-03, SEC-04, SEC-05, SEC-06, SEC-07, SEC-09, SEC-10,
// SEC-11, SEC-12, SEC-13. Send must fail and nothing secret or of the
// message may reach the server.
func TestSTARTTLSMITMFacade(t *testing.T) {
	certs := newMITMCerts(t)
	for _, row := range mitmRows {
		for _, fs := range facadeSetups {
			probe := setup{policy: fs.policy, implicit: fs.implicit}
			if !row.applies(probe) {
				continue
			}
			for _, auth := range facadeAuth {
				name := auth
				if name == "" {
					name = "auto"
				}
				t.Run(fmt.Sprintf("%s-%s/%s/%s", row.id, row.name, fs.name, name), func(t *testing.T) {
					t.Parallel()
					runFacadeMITM(t, row, fs.policy, fs.implicit, auth, certs)
				})
			}
		}
	}
}

func runFacadeMITM(t *testing.T, row mitmRow, policy tlsprofile.Policy, implicit bool, auth string, certs *mitmCerts) {
	dialogue := row.dialogue
	if implicit {
		dialogue = implicitDialogue
	}
	tr, err := replay.Parse(row.id, strings.NewReader(dialogue))
	if err != nil {
		t.Fatal(err)
	}
	srvCfg := &tls.Config{Certificates: []tls.Certificate{certs.get(t, row.cert)}}
	if row.oldTLS {
		srvCfg.MinVersion, srvCfg.MaxVersion = tls.VersionTLS10, tls.VersionTLS11
	}
	srv := &replay.Server{Transcript: tr, TLSConfig: srvCfg, Implicit: implicit, ReadTimeout: 3 * time.Second}
	addr, wait, err := replay.Listen(srv)
	if err != nil {
		t.Fatal(err)
	}
	d := &recordingDialer{addr: addr}
	s := &mailsender.Sender{
		Host: mitmHost, Port: 587, TLS: !implicit, SSL: implicit, TLSPolicy: policy,
		RootCAs: certs.pool, Dialer: d, LocalName: "client.example.test",
		Username: mitmUser, Password: mitmPassword, AuthMechanism: auth,
		Timeout: 10 * time.Second,
	}
	if implicit {
		s.Port = 465
	}
	if auth == "[oauth]" {
		s.AuthMechanism, s.Password = "", "[oauth]"+mitmToken
	}
	m := &mailsender.Message{From: mitmUser, To: []string{"bob@example.test"},
		Subject: strings.TrimPrefix(mitmSubject, "Subject: "), Body: "This must not leak.\r\n"}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_, serr := s.Send(ctx, m)
	res := wait()
	if serr == nil {
		t.Errorf("Send reported success")
	}
	checkMITMWire(t, row, res.Wire, d.bytes(), implicit)
}
