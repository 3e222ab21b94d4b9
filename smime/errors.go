// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"errors"
	"fmt"
)

// Errors that callers branch on. They are returned wrapped; test with
// [errors.Is].
var (
	// ErrNotSigned means Verify was given a message that is neither
	// multipart/signed nor application/pkcs7-mime signed-data.
	ErrNotSigned = errors.New("smime: message is not signed")

	// ErrNotEncrypted means Decrypt was given a message that is not
	// application/pkcs7-mime enveloped-data.
	ErrNotEncrypted = errors.New("smime: message is not encrypted")

	// ErrDigestMismatch means the signed content was changed after
	// signing: its digest differs from the one the signer signed.
	ErrDigestMismatch = errors.New("smime: content does not match the signature (message digest mismatch)")

	// ErrBadSignature means the signature value itself does not verify
	// with the signer's public key.
	ErrBadSignature = errors.New("smime: signature does not verify")

	// ErrNotRecipient means the message was not encrypted for the
	// certificate given to Decrypt.
	ErrNotRecipient = errors.New("smime: message is not encrypted for this certificate")

	// ErrDecrypt means the content key or the content could not be
	// decrypted with the private key given, typically because the key
	// does not belong to the certificate.
	ErrDecrypt = errors.New("smime: cannot decrypt (wrong private key, or the content was altered)")

	// ErrUnsupported means the message uses an algorithm or a CMS content
	// type this package does not implement.
	ErrUnsupported = errors.New("smime: unsupported algorithm or content type")
)

// FormatError reports input that is not a well-formed MIME entity or
// S/MIME message. Nothing is produced when it is returned.
type FormatError struct {
	Msg string
}

func (e *FormatError) Error() string { return "smime: malformed input: " + e.Msg }

func formatErrorf(format string, args ...any) error {
	return &FormatError{Msg: fmt.Sprintf(format, args...)}
}

// CertProblem says what is wrong with a certificate.
type CertProblem int

// The certificate problems a [CertificateError] reports.
const (
	// CertExpired: the certificate's NotAfter is in the past (or the
	// signing time lies outside its validity).
	CertExpired CertProblem = iota + 1
	// CertNotYetValid: the certificate's NotBefore is in the future.
	CertNotYetValid
	// CertWrongUsage: the certificate is not for S/MIME: its extended
	// key usage lacks emailProtection, or its key usage lacks
	// digitalSignature/nonRepudiation (signing), keyEncipherment (RSA
	// encryption) or keyAgreement (EC encryption), RFC 8550 §4.4.
	CertWrongUsage
	// CertUntrusted: no chain leads to the given roots.
	CertUntrusted
	// CertUnsupportedKey: the key type cannot be used here (encryption
	// needs RSA or EC on P-256, P-384 or P-521; signing RSA or ECDSA),
	// or the private key does not match the certificate.
	CertUnsupportedKey
)

var certProblemText = map[CertProblem]string{
	CertExpired:        "has expired",
	CertNotYetValid:    "is not yet valid",
	CertWrongUsage:     "is not valid for S/MIME use",
	CertUntrusted:      "is not trusted",
	CertUnsupportedKey: "has an unsupported or mismatched key",
}

// String returns a short description, such as "has expired".
func (p CertProblem) String() string {
	if s, ok := certProblemText[p]; ok {
		return s
	}
	return fmt.Sprintf("problem %d", int(p))
}

// CertificateError reports a certificate that cannot be used: expired,
// not for email protection, untrusted, or with an unusable key.
type CertificateError struct {
	// Role is "signer" or "recipient".
	Role string
	// Subject is the certificate's subject, for the message.
	Subject string
	// Problem is what is wrong.
	Problem CertProblem
	// Detail explains the problem further; may be empty.
	Detail string
	// Err is the underlying error, if any (for example from
	// [x509.Certificate.Verify]).
	Err error
}

func (e *CertificateError) Error() string {
	s := fmt.Sprintf("smime: %s certificate %q %s", e.Role, e.Subject, e.Problem)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *CertificateError) Unwrap() error { return e.Err }
