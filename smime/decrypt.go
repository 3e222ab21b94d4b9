// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"crypto"
	"crypto/x509"
	"fmt"
	"io"

	"github.com/smallstep/pkcs7"
)

// Decrypt decrypts an S/MIME enveloped-data (AES-CBC, 3DES) or
// authEnveloped-data (AES-GCM) message or entity (msg may be a whole
// message; only its Content-* fields are read) with the recipient's
// certificate and private key (RSA, or EC for key agreement, RFC 5753),
// and returns the decrypted MIME entity.
// The result of a signed-then-encrypted message is a signed entity that
// [Verify] reads.
//
// Errors: [ErrNotRecipient] when the message was not encrypted for cert,
// [ErrDecrypt] when key does not open it (or GCM content fails its
// authentication), [ErrNotEncrypted] for anything else than
// enveloped-data or authEnveloped-data, [ErrUnsupported] for unknown
// algorithms. The content key may come with RSA PKCS #1 v1.5 or RSAES-OAEP
// key transport (RFC 8551 §2.3).
func Decrypt(msg io.Reader, cert *x509.Certificate, key crypto.PrivateKey) ([]byte, error) {
	m, err := readMessage(msg)
	if err != nil {
		return nil, err
	}
	auth := m.contentType.Equal(oidAuthEnvelopedData)
	if m.detached != nil || !auth && !m.contentType.Equal(pkcs7.OIDEnvelopedData) {
		return nil, fmt.Errorf("%w: CMS content is %s", ErrNotEncrypted, contentTypeName(m.contentType))
	}
	if auth {
		return openGCM(m.der, cert, key)
	}
	return openCBC(m.der, cert, key)
}
