// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/smallstep/pkcs7"
)

// Cipher is a content-encryption algorithm for [Encrypt].
type Cipher int

// The content ciphers. The key is sent to each recipient with RSA
// PKCS #1 v1.5 key transport (RFC 8551 §2.3), which every S/MIME client
// reads.
const (
	// AES256CBC is AES-256 in CBC mode (RFC 3565), the default and the
	// cipher RFC 8551 §2.7 requires receivers to support.
	AES256CBC Cipher = iota
	// AES128CBC is AES-128 in CBC mode (RFC 3565).
	AES128CBC
	// AES128GCM is AES-128 in GCM mode in authEnveloped-data (RFC 5083,
	// RFC 5084), which RFC 8551 §2.7 requires receivers to support.
	// Authenticated, but older Outlook and Thunderbird versions cannot
	// read it.
	AES128GCM
	// AES256GCM is AES-256 in GCM mode in authEnveloped-data, the
	// SHOULD+ cipher of RFC 8551 §2.7, with the same reach as AES128GCM.
	AES256GCM
)

func (c Cipher) String() string {
	switch c {
	case AES256CBC:
		return "AES-256-CBC"
	case AES128CBC:
		return "AES-128-CBC"
	case AES128GCM:
		return "AES-128-GCM"
	case AES256GCM:
		return "AES-256-GCM"
	}
	return fmt.Sprintf("Cipher(%d)", int(c))
}

// EncryptOptions are the per-call settings of [Encrypt]. The zero value
// (or a nil pointer) encrypts with AES-256-CBC.
type EncryptOptions struct {
	// Cipher is the content cipher; the zero value is AES256CBC.
	Cipher Cipher

	// Now returns the time at which recipient certificates must be
	// valid; nil means time.Now.
	Now func() time.Time
}

func (o *EncryptOptions) now() time.Time {
	if o == nil || o.Now == nil {
		return time.Now()
	}
	return o.Now()
}

// Encrypt encrypts a MIME entity for one or more recipients and returns
// an application/pkcs7-mime; smime-type=enveloped-data entity (RFC 8551
// §3.3), or smime-type=authEnveloped-data for the GCM ciphers (§3.4). The entity is first brought into canonical form as in [Sign].
// Every recipient certificate must be valid now, allowed for email
// protection and hold an RSA key; otherwise a [*CertificateError] is
// returned.
func Encrypt(entity io.Reader, recipients []*x509.Certificate, o *EncryptOptions) (*Entity, error) {
	content, err := readCanonical(entity)
	if err != nil {
		return nil, err
	}
	return encrypt(content, recipients, o)
}

// SignAndEncrypt signs the entity as [Sign] does, then encrypts the signed
// entity as [Encrypt] does (RFC 8551 §3.6): the result is enveloped-data
// whose content is the multipart/signed (or opaque signed-data) entity.
func SignAndEncrypt(entity io.Reader, s *Signer, recipients []*x509.Certificate, so *SignOptions, eo *EncryptOptions) (*Entity, error) {
	content, err := readCanonical(entity)
	if err != nil {
		return nil, err
	}
	if err := checkRecipients(recipients, eo.now()); err != nil {
		return nil, err
	}
	signed, err := sign(content, s, so)
	if err != nil {
		return nil, err
	}
	return encrypt(signed.Bytes(), recipients, eo)
}

func checkRecipients(recipients []*x509.Certificate, now time.Time) error {
	if len(recipients) == 0 {
		return errors.New("smime: no recipient certificates")
	}
	for _, r := range recipients {
		if err := checkRecipientCert(r, now); err != nil {
			return err
		}
	}
	return nil
}

var cipherAlgs = map[Cipher]int{
	AES256CBC: pkcs7.EncryptionAlgorithmAES256CBC,
	AES128CBC: pkcs7.EncryptionAlgorithmAES128CBC,
}

// envelopeMu guards the package variables through which pkcs7.Encrypt is
// configured.
var envelopeMu sync.Mutex

func encrypt(content []byte, recipients []*x509.Certificate, o *EncryptOptions) (*Entity, error) {
	c := AES256CBC
	if o != nil {
		c = o.Cipher
	}
	if err := checkRecipients(recipients, o.now()); err != nil {
		return nil, err
	}
	switch c {
	case AES128GCM, AES256GCM:
		return encryptGCM(content, recipients, c)
	}
	alg, ok := cipherAlgs[c]
	if !ok {
		return nil, fmt.Errorf("smime: %v: %w", c, ErrUnsupported)
	}
	der, err := envelope(content, recipients, alg)
	if err != nil {
		return nil, fmt.Errorf("smime: encrypt: %v", err)
	}
	return pkcs7MIME("enveloped-data", der), nil
}

func encryptGCM(content []byte, recipients []*x509.Certificate, c Cipher) (*Entity, error) {
	keyLen, oid := 16, oidAES128GCM
	if c == AES256GCM {
		keyLen, oid = 32, oidAES256GCM
	}
	der, err := sealGCM(content, recipients, keyLen, oid)
	if err != nil {
		return nil, fmt.Errorf("smime: encrypt: %v", err)
	}
	return pkcs7MIME("authEnveloped-data", der), nil
}

func envelope(content []byte, recipients []*x509.Certificate, alg int) ([]byte, error) {
	envelopeMu.Lock()
	defer envelopeMu.Unlock()
	savedAlg, savedKEA := pkcs7.ContentEncryptionAlgorithm, pkcs7.KeyEncryptionAlgorithm
	defer func() {
		pkcs7.ContentEncryptionAlgorithm, pkcs7.KeyEncryptionAlgorithm = savedAlg, savedKEA
	}()
	pkcs7.ContentEncryptionAlgorithm = alg
	pkcs7.KeyEncryptionAlgorithm = pkcs7.OIDEncryptionAlgorithmRSA
	return pkcs7.Encrypt(content, recipients)
}
