// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"crypto/x509"
	"testing"
	"time"
)

func TestSignerCheck(t *testing.T) {
	p := getPKI(t)
	now := time.Now()
	tests := []struct {
		name string
		s    *Signer
		at   time.Time
		want CertProblem // 0: no error
	}{
		{"valid", p.signer, now, 0},
		{"valid EC", p.signerEC, now, 0},
		{"expired", p.expired, now, CertExpired},
		{"not yet valid", p.signer, now.Add(-30 * 24 * time.Hour), CertNotYetValid},
		{"server auth only", p.serverOnly, now, CertWrongUsage},
		{"key encipherment only", p.encryptOnly, now, CertWrongUsage},
		{"key mismatch", &Signer{Certificate: p.signer.Certificate, Key: p.otherKey}, now, CertUnsupportedKey},
		{"expired encryption certificate",
			&Signer{Certificate: p.signer.Certificate, Key: p.signer.Key,
				EncryptionCertificate: p.expired.Certificate}, now, CertExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.s.Check(tt.at)
			if tt.want == 0 {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			assertCertProblem(t, err, tt.want)
		})
	}
	if err := (&Signer{}).Check(now); err == nil {
		t.Error("Check of an empty Signer = nil, want an error")
	}
}

func TestCheckRecipient(t *testing.T) {
	p := getPKI(t)
	now := time.Now()
	tests := []struct {
		name string
		c    *x509.Certificate
		want CertProblem
	}{
		{"RSA", p.recipient, 0},
		{"EC", p.recipientEC, 0},
		{"expired", p.expired.Certificate, CertExpired},
		{"server auth only", p.serverOnly.Certificate, CertWrongUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckRecipient(tt.c, now)
			if tt.want == 0 {
				if err != nil {
					t.Fatalf("CheckRecipient = %v, want nil", err)
				}
				return
			}
			assertCertProblem(t, err, tt.want)
		})
	}
	if err := CheckRecipient(nil, now); err == nil {
		t.Error("CheckRecipient(nil) = nil, want an error")
	}
}
