// SPDX-License-Identifier: Apache-2.0

package mailsender_test

import (
	"context"
	"runtime"
	"testing"

	"github.com/mailwright/mailwright/mailsender"
)

// TestSMIMESendStreams: a message with a 64 MiB attachment, S/MIME-signed
// and encrypted for two recipients, DKIM-signed and sent over loopback,
// allocates less than 16 MiB in all (runtime.MemStats.TotalAlloc, bytes
// allocated, not time): no step of the pipeline holds the message.
func TestSMIMESendStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("64 MiB message; skipped with -short")
	}
	if raceEnabled {
		t.Skip("allocations differ under the race detector")
	}
	p := getPKI(t)
	s := &mailsender.Sender{Host: "127.0.0.1", Port: sink(t), SpoolDir: t.TempDir(),
		SMIME: &mailsender.SMIME{CertFile: p.path("alice-chain.pem"), KeyFile: p.path("alice.key"),
			RecipientFiles: []string{p.path("bob-carol.pem")}}}
	d := &mailsender.DKIM{Signer: testKey(t), Domain: "example.test", Selector: "sel"}
	m := &mailsender.Message{From: "alice@example.test", To: []string{"bob@example.test", "carol@example.test"},
		Subject: "figures", Body: "Hi.\r\n",
		Attachments: []mailsender.Attachment{{Content: &patternReader{n: 64 << 20}, Name: "data.bin",
			ContentType: "application/octet-stream"}}}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if _, err := s.SendCertified(context.Background(), m, d); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("sending a 64 MiB attachment signed, encrypted and DKIM-signed allocated %.1f MiB", float64(alloc)/(1<<20))
	if alloc >= 16<<20 {
		t.Errorf("allocated %.1f MiB, want under 16 MiB: the message is held in memory", float64(alloc)/(1<<20))
	}
}
