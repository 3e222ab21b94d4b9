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

// Decrypt decrypts an S/MIME enveloped-data message or entity (msg may be
// a whole message; only its Content-* fields are read) with the
// recipient's certificate and RSA private key, and returns the decrypted
// MIME entity. The result of a signed-then-encrypted message is a signed
// entity that [Verify] reads.
//
// Errors: [ErrNotRecipient] when the message was not encrypted for cert,
// [ErrDecrypt] when key does not open it, [ErrNotEncrypted] for anything
// else than enveloped-data, [ErrUnsupported] for authEnveloped-data
// (AES-GCM) and unknown algorithms.
func Decrypt(msg io.Reader, cert *x509.Certificate, key crypto.PrivateKey) ([]byte, error) {
	m, err := readMessage(msg)
	if err != nil {
		return nil, err
	}
	switch {
	case m.contentType.Equal(oidAuthEnvelopedData):
		return nil, fmt.Errorf("%w: authEnveloped-data (RFC 5083, AES-GCM)", ErrUnsupported)
	case !m.contentType.Equal(pkcs7.OIDEnvelopedData) || m.detached != nil:
		return nil, fmt.Errorf("%w: CMS content is %s", ErrNotEncrypted, contentTypeName(m.contentType))
	}
	p7, err := pkcs7.Parse(m.der)
	if err != nil {
		return nil, formatErrorf("CMS enveloped-data: %v", err)
	}
	if _, ok := key.(crypto.Decrypter); !ok {
		return nil, fmt.Errorf("%w: private key type %T", ErrUnsupported, key)
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
