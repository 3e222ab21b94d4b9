// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"crypto/x509"
	"sync"
	"testing"

	"github.com/smallstep/pkcs7"
)

// TestLibraryGCMRejectedByOpenSSL records why AES-GCM is not left to the library:
// smallstep/pkcs7 v0.2.3 puts AES-GCM into EnvelopedData with a
// GCMParameters nonce tagged [4] instead of an OCTET STRING, and not into
// AuthEnvelopedData (RFC 5083, RFC 5084 §3.2), so OpenSSL cannot parse
// it. Should a library update fix this, the test fails and GCM can be
// offered.
func TestLibraryGCMRejectedByOpenSSL(t *testing.T) {
	p := getPKI(t)
	content := []byte("Content-Type: text/plain\r\n\r\nhello world\r\n")
	for _, alg := range []int{pkcs7.EncryptionAlgorithmAES128GCM, pkcs7.EncryptionAlgorithmAES256GCM} {
		der, err := libraryEnvelope(content, []*x509.Certificate{p.recipient}, alg)
		if err != nil {
			t.Fatal(err)
		}
		f := writeTemp(t, "gcm.eml", pkcs7MIME("enveloped-data", der).Bytes())
		out, _, err := opensslRun(t, nil, "cms", "-decrypt", "-in", f,
			"-recip", p.path("recipient.pem"), "-inkey", p.path("recipient.key"))
		if err == nil || bytes.Equal(out, content) {
			t.Errorf("alg %d: openssl now decrypts the library's AES-GCM output; consider offering it", alg)
		}
	}
}

var libraryMu sync.Mutex

// libraryEnvelope encrypts with smallstep/pkcs7, which is configured
// through package variables.
func libraryEnvelope(content []byte, recipients []*x509.Certificate, alg int) ([]byte, error) {
	libraryMu.Lock()
	defer libraryMu.Unlock()
	saved := pkcs7.ContentEncryptionAlgorithm
	defer func() { pkcs7.ContentEncryptionAlgorithm = saved }()
	pkcs7.ContentEncryptionAlgorithm = alg
	return pkcs7.Encrypt(content, recipients)
}
