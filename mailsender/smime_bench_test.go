// SPDX-License-Identifier: Apache-2.0

package mailsender_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/mailwright/mailwright/mailsender"
)

// BenchmarkSendSMIME composes, S/MIME-signs and encrypts (RSA-2048,
// AES-256-CBC, for two recipients), DKIM-signs and sends a message with
// one attachment of each size over loopback. As with BenchmarkSendCertified
// the bytes allocated do not grow with the attachment: the message is
// composed into package smime through a pipe and the canonical entity
// waits in an encrypted spool (TestSMIMESendStreams states the bound).
func BenchmarkSendSMIME(b *testing.B) {
	p := getPKI(b)
	key := testKey(b)
	for _, size := range []int{10 << 10, 1 << 20, 8 << 20} {
		b.Run(fmt.Sprintf("attach=%dKiB", size>>10), func(b *testing.B) {
			s := &mailsender.Sender{Host: "127.0.0.1", Port: sink(b), SpoolDir: b.TempDir(),
				SMIME: &mailsender.SMIME{CertFile: p.path("alice-chain.pem"), KeyFile: p.path("alice.key"),
					RecipientFiles: []string{p.path("bob-carol.pem")}}}
			d := &mailsender.DKIM{Signer: key, Domain: "example.test", Selector: "sel"}
			data := bytes.Repeat([]byte("mailwright benchmark data 0123456789\n"), size/37+1)[:size]
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				m := &mailsender.Message{From: "alice@example.test",
					To: []string{"bob@example.test", "carol@example.test"}, Subject: "figures", Body: "Hi.\r\n",
					Attachments: []mailsender.Attachment{{Content: bytes.NewReader(data),
						Name: "data.bin", ContentType: "application/octet-stream"}}}
				if _, err := s.SendCertified(context.Background(), m, d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
