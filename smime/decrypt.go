// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"io"
)

// DecryptOptions are the options of [DecryptTo]; nil means the defaults.
type DecryptOptions struct {
	// TempDir is where a decrypted content larger than 1 MiB waits until
	// its padding or tag has been checked; "" means os.TempDir(). The
	// file is encrypted with a key held only in memory and is removed
	// (on Unix, unlinked as soon as it is opened).
	TempDir string
}

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
//
// Memory: Decrypt is [DecryptTo] into memory; the message is read as a
// stream, but the result is held whole. Use DecryptTo for large
// messages.
func Decrypt(msg io.Reader, cert *x509.Certificate, key crypto.PrivateKey) ([]byte, error) {
	var out bytes.Buffer
	if err := DecryptTo(&out, msg, cert, key, nil); err != nil {
		return nil, err
	}
	if out.Len() == 0 {
		return []byte{}, nil // empty content, not a nil result
	}
	return out.Bytes(), nil
}

// DecryptTo decrypts like [Decrypt] and writes the decrypted MIME entity
// to w, with the same errors. Nothing is written to w unless the whole
// message was read and decrypted and its padding (CBC) or tag (GCM)
// checked out; a failure of w itself may leave part of the entity
// written.
//
// Memory: DecryptTo streams. The message is read once: its header and
// the small parts of the CMS object (recipient infos, algorithm
// identifiers) are read whole, the encrypted content is base64-decoded
// and decrypted as it arrives, and the plaintext waits in memory up to
// 1 MiB and beyond that in an encrypted temporary file in o.TempDir
// until it is known to be good. What DecryptTo holds does not grow with
// the size of the message.
func DecryptTo(w io.Writer, msg io.Reader, cert *x509.Certificate, key crypto.PrivateKey, o *DecryptOptions) error {
	var dir string
	if o != nil {
		dir = o.TempDir
	}
	return decryptTo(w, msg, cert, key, dir)
}
