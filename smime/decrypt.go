// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io"

	"github.com/smallstep/pkcs7"
)

// Decrypt decrypts an S/MIME enveloped-data (AES-CBC, 3DES) or
// authEnveloped-data (AES-GCM) message or entity (msg may be a whole
// message; only its Content-* fields are read) with the recipient's
// certificate and RSA private key, and returns the decrypted MIME entity.
// The result of a signed-then-encrypted message is a signed entity that
// [Verify] reads.
//
// Errors: [ErrNotRecipient] when the message was not encrypted for cert,
// [ErrDecrypt] when key does not open it (or GCM content fails its
// authentication), [ErrNotEncrypted] for anything else than
// enveloped-data or authEnveloped-data, [ErrUnsupported] for unknown
// algorithms and for GCM content whose key is wrapped with RSA-OAEP.
func Decrypt(msg io.Reader, cert *x509.Certificate, key crypto.PrivateKey) ([]byte, error) {
	m, err := readMessage(msg)
	if err != nil {
		return nil, err
	}
	auth := m.contentType.Equal(oidAuthEnvelopedData)
	if m.detached != nil || !auth && !m.contentType.Equal(pkcs7.OIDEnvelopedData) {
		return nil, fmt.Errorf("%w: CMS content is %s", ErrNotEncrypted, contentTypeName(m.contentType))
	}
	dec, ok := key.(crypto.Decrypter)
	if !ok {
		return nil, fmt.Errorf("%w: private key type %T", ErrUnsupported, key)
	}
	if auth {
		return openGCM(m.der, cert, dec)
	}
	p7, err := pkcs7.Parse(m.der)
	if err != nil {
		return nil, formatErrorf("CMS enveloped-data: %v", err)
	}
	out, err := p7.Decrypt(cert, key)
	if err != nil {
		return nil, decryptError(err)
	}
	return out, nil
}

// noRecipient is the text pkcs7 uses when no RecipientInfo names the
// certificate; it has no exported error value. A test guards it.
const noRecipient = "pkcs7: no enveloped recipient for provided certificate"

func decryptError(err error) error {
	switch {
	case err.Error() == noRecipient:
		return ErrNotRecipient
	case errors.Is(err, pkcs7.ErrUnsupportedAlgorithm),
		errors.Is(err, pkcs7.ErrUnsupportedAsymmetricEncryptionAlgorithm):
		return fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	return fmt.Errorf("%w: %v", ErrDecrypt, err)
}
