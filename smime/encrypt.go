// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"time"
)

// Cipher is a content-encryption algorithm for [Encrypt].
type Cipher int

// The content ciphers. The content key is sent to each RSA recipient
// with PKCS #1 v1.5 key transport (RFC 8551 §2.3), which every S/MIME
// client reads, or with RSAES-OAEP ([EncryptOptions.OAEP]), and to each EC
// recipient by ephemeral-static ECDH (RFC 5753).
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

	// OAEP sends the content key with RSAES-OAEP (SHA-256, MGF1 with
	// SHA-256; RFC 8551 §2.3, RFC 4055) instead of RSA PKCS #1 v1.5.
	// Receivers SHOULD+ read it, but older Outlook versions may not.
	OAEP bool

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
// §3.3), or smime-type=authEnveloped-data for the GCM ciphers (§3.4).
// The entity is first brought into canonical form as in [Sign].
// Every recipient certificate must be valid now, allowed for email
// protection and hold an RSA key (key transport) or an EC key on P-256,
// P-384 or P-521 (ephemeral-static ECDH, RFC 5753); otherwise a
// [*CertificateError] is returned.
func Encrypt(entity io.Reader, recipients []*x509.Certificate, o *EncryptOptions) (*Entity, error) {
	if err := checkRecipients(recipients, o.now()); err != nil {
		return nil, err
	}
	c, err := spoolCanonical(entity, "", 0, nil)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	out, err := encryptOut(c.Len(), writeAll(c), recipients, o)
	if err != nil {
		return nil, err
	}
	return out.entity()
}

// writeAll is the src of encryptOut for a piece.
func writeAll(p piece) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := p.WriteTo(w)
		return err
	}
}

// SignAndEncrypt signs the entity as [Sign] does, then encrypts the signed
// entity as [Encrypt] does (RFC 8551 §3.6): the result is enveloped-data
// whose content is the multipart/signed (or opaque signed-data) entity.
func SignAndEncrypt(entity io.Reader, s *Signer, recipients []*x509.Certificate, so *SignOptions, eo *EncryptOptions) (*Entity, error) {
	if _, err := signCheck(s, so); err != nil {
		return nil, err
	}
	if err := checkRecipients(recipients, eo.now()); err != nil {
		return nil, err
	}
	c, err := spoolCanonical(entity, "", signHash(so), boundaryFor(so))
	if err != nil {
		return nil, err
	}
	defer c.Close()
	out, err := signEncryptOut(c, s, recipients, so, eo)
	if err != nil {
		return nil, err
	}
	return out.entity()
}

func signEncryptOut(c *canonical, s *Signer, recipients []*x509.Certificate, so *SignOptions, eo *EncryptOptions) (*outEntity, error) {
	if err := checkRecipients(recipients, eo.now()); err != nil {
		return nil, err
	}
	signed, err := signOut(c, s, so)
	if err != nil {
		return nil, err
	}
	return encryptOut(signed.len(), signed.writeTo, recipients, eo)
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

// cipherAlgs are the key length and OID of each content cipher.
var cipherAlgs = map[Cipher]struct {
	keyLen int
	oid    asn1.ObjectIdentifier
	gcm    bool
}{
	AES256CBC: {32, oidAES256CBC, false},
	AES128CBC: {16, oidAES128CBC, false},
	AES128GCM: {16, oidAES128GCM, true},
	AES256GCM: {32, oidAES256GCM, true},
}

// encryptOut returns the encrypted entity for the n bytes src writes.
// AES-CBC and AES-GCM encrypt them while the entity is written.
func encryptOut(n int64, src func(io.Writer) error, recipients []*x509.Certificate, o *EncryptOptions) (*outEntity, error) {
	c := AES256CBC
	if o != nil {
		c = o.Cipher
	}
	if err := checkRecipients(recipients, o.now()); err != nil {
		return nil, err
	}
	alg, ok := cipherAlgs[c]
	if !ok {
		return nil, fmt.Errorf("smime: %v: %w", c, ErrUnsupported)
	}
	if alg.gcm {
		return encryptGCMOut(n, src, recipients, alg.keyLen, alg.oid, o != nil && o.OAEP)
	}
	sealer, err := newCBCSealer(n, recipients, alg.keyLen, alg.oid, o != nil && o.OAEP)
	if err != nil {
		return nil, fmt.Errorf("smime: encrypt: %v", err)
	}
	e := &outEntity{header: pkcs7MIMEHeader("enveloped-data")}
	e.size, e.body = b64Body(sealer.derLen(), func(w io.Writer) error {
		return sealer.writeTo(w, src)
	})
	return e, nil
}

func encryptGCMOut(n int64, src func(io.Writer) error, recipients []*x509.Certificate,
	keyLen int, oid asn1.ObjectIdentifier, oaep bool) (*outEntity, error) {
	sealer, err := newGCMSealer(n, recipients, keyLen, oid, oaep)
	if err != nil {
		return nil, fmt.Errorf("smime: encrypt: %v", err)
	}
	e := &outEntity{header: pkcs7MIMEHeader("authEnveloped-data")}
	e.size, e.body = b64Body(sealer.derLen(), func(w io.Writer) error {
		return sealer.writeTo(w, src)
	})
	return e, nil
}
