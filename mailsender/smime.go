// SPDX-License-Identifier: Apache-2.0

package mailsender

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mailwright/mailwright/mime"
	"github.com/mailwright/mailwright/smime"
)

// SMIME holds how a message is signed, encrypted, or signed and then
// encrypted with S/MIME (RFC 8551) before it is DKIM-signed and sent. A
// signing key (Signer, CertFile with KeyFile, or PFXFile) signs; recipient
// certificates (Recipients, RecipientFiles) encrypt; both sign, then
// encrypt (RFC 8551 §3.6). At least one of the two is required.
//
// Only the MIME entity (the Content-* fields and the body) is protected:
// From, To, Cc, Subject, Date, Message-ID and the extra header fields stay
// in the clear above it, so an encrypted message's Subject is readable by
// anyone who sees the message.
type SMIME struct {
	// Signer is the signing certificate with its key and chain. When it
	// is nil, CertFile and KeyFile, or else PFXFile, name the key.
	Signer *smime.Signer
	// CertFile names a PEM file holding the signing certificate first and
	// then the certificates of its chain, which are sent with the
	// signature (RFC 8551 §2.5.2). KeyFile names its PEM private key
	// (PKCS#8, PKCS#1 or SEC 1, unencrypted).
	CertFile, KeyFile string
	// PFXFile names a PKCS#12 (.pfx, .p12) file holding the signing
	// certificate, its key and its chain; PFXPassword opens it.
	PFXFile     string
	PFXPassword string

	// Recipients are the certificates the message is encrypted for, and
	// RecipientFiles name PEM files of more (each may hold several). Add
	// the sender's own certificate to be able to read the sent copy.
	Recipients     []*x509.Certificate
	RecipientFiles []string

	// Opaque signs with application/pkcs7-mime signed-data instead of
	// multipart/signed (RFC 8551 §3.5). The zero value sends a detached
	// signature, which receivers without S/MIME can still read.
	Opaque bool
	// Hash is the digest: zero or crypto.SHA256, crypto.SHA384 or
	// crypto.SHA512 (RFC 8551 §2.1).
	Hash crypto.Hash
	// Cipher is the content cipher; the zero value is AES-256-CBC, which
	// every S/MIME client reads (see smime.Cipher for AES-GCM).
	Cipher smime.Cipher
	// OAEP sends the content key with RSAES-OAEP instead of RSA PKCS #1
	// v1.5 (RFC 8551 §2.3).
	OAEP bool

	// AnyAddress turns off the address checks. By default the signing
	// certificate must name the From address, which receivers compare
	// (RFC 8550 §3), and when encrypting every recipient (To, Cc and
	// Bcc) must be named by one of the recipient certificates, so that
	// nobody receives a message they cannot read.
	AnyAddress bool
}

// ErrNoRecipientCertificate means a recipient of an encrypted message is
// named by none of the recipient certificates. It is returned inside a
// *[FieldError] naming the recipient, as in "mailsender: Message.Cc[0]:
// no S/MIME recipient certificate names this address"; test it with
// [errors.Is].
var ErrNoRecipientCertificate = errors.New("no S/MIME recipient certificate names this address")

// protector checks s.SMIME for the message mm and returns what protects
// it, or nil when s.SMIME is nil. Every certificate is checked at the
// time of sending, so that a message that cannot be protected is refused
// before it is composed.
func (s *Sender) protector(mm *mime.Message) (*protection, error) {
	c := s.SMIME
	if c == nil {
		return nil, nil
	}
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	if err := c.checkOptions(); err != nil {
		return nil, err
	}
	p := &smime.Protector{
		SignOptions: &smime.SignOptions{Opaque: c.Opaque, Hash: c.Hash,
			Now: func() time.Time { return now }, Rand: s.Rand},
		EncryptOptions: &smime.EncryptOptions{Cipher: c.Cipher, OAEP: c.OAEP,
			Now: func() time.Time { return now }},
	}
	var err error
	if p.Signer, err = c.signer(mm.From.Addr, now); err != nil {
		return nil, err
	}
	if p.Recipients, err = c.recipients(mm, now); err != nil {
		return nil, err
	}
	if p.Signer == nil && len(p.Recipients) == 0 {
		return nil, fieldErr("Sender.SMIME", "has neither a signing key nor recipient certificates")
	}
	p.TempDir = s.SpoolDir
	return &protection{p: p}, nil
}

// checkOptions checks the choices of algorithm.
func (c *SMIME) checkOptions() error {
	switch c.Hash {
	case 0, crypto.SHA256, crypto.SHA384, crypto.SHA512:
	default:
		return fieldErr("SMIME.Hash", "is not SHA-256, SHA-384 or SHA-512")
	}
	switch c.Cipher {
	case smime.AES256CBC, smime.AES128CBC, smime.AES128GCM, smime.AES256GCM:
	default:
		return fieldErr("SMIME.Cipher", "is not a known content cipher")
	}
	return nil
}

// signer loads the signing key, if any, and checks it at time now for a
// message from fromAddr.
func (c *SMIME) signer(fromAddr string, now time.Time) (*smime.Signer, error) {
	field := "SMIME.Signer"
	sg := c.Signer
	var err error
	switch {
	case sg != nil:
	case c.CertFile != "" || c.KeyFile != "":
		if c.PFXFile != "" {
			return nil, fieldErr("SMIME.PFXFile", "and SMIME.CertFile are both set: choose one")
		}
		field = "SMIME.CertFile"
		sg, err = c.loadPEM()
	case c.PFXFile != "":
		field = "SMIME.PFXFile"
		sg, err = c.loadPFX()
	default:
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := sg.Check(now); err != nil {
		if ce := (*smime.CertificateError)(nil); errors.As(err, &ce) &&
			ce.Problem == smime.CertUnsupportedKey && field == "SMIME.CertFile" {
			field = "SMIME.KeyFile"
		}
		return nil, &FieldError{Field: field, Err: err}
	}
	if !c.AnyAddress && !smime.NamesAddress(sg.Certificate, fromAddr) {
		return nil, fieldErr(field, "signing certificate does not name the From address "+
			"(receivers compare them, RFC 8550 §3; set SMIME.AnyAddress to sign anyway)")
	}
	return sg, nil
}

// loadPEM reads CertFile and KeyFile.
func (c *SMIME) loadPEM() (*smime.Signer, error) {
	if c.CertFile == "" {
		return nil, fieldErr("SMIME.CertFile", "is empty but SMIME.KeyFile is set")
	}
	if c.KeyFile == "" {
		return nil, fieldErr("SMIME.KeyFile", "is empty but SMIME.CertFile is set")
	}
	cert, err := os.ReadFile(c.CertFile)
	if err != nil {
		return nil, &FieldError{Field: "SMIME.CertFile", Err: err}
	}
	key, err := os.ReadFile(c.KeyFile)
	if err != nil {
		return nil, &FieldError{Field: "SMIME.KeyFile", Err: err}
	}
	certs, err := smime.ParseCertificatesPEM(cert)
	if err != nil {
		return nil, &FieldError{Field: "SMIME.CertFile", Err: err}
	}
	k, err := smime.ParsePrivateKeyPEM(key)
	if err != nil {
		return nil, &FieldError{Field: "SMIME.KeyFile", Err: err}
	}
	// Check tells a key that does not match the certificate.
	return &smime.Signer{Certificate: certs[0], Key: k, Chain: certs[1:]}, nil
}

// loadPFX reads PFXFile with PFXPassword.
func (c *SMIME) loadPFX() (*smime.Signer, error) {
	data, err := os.ReadFile(c.PFXFile)
	if err != nil {
		return nil, &FieldError{Field: "SMIME.PFXFile", Err: err}
	}
	sg, err := smime.LoadPKCS12(data, c.PFXPassword)
	if err != nil {
		return nil, &FieldError{Field: "SMIME.PFXFile", Err: err}
	}
	return sg, nil
}

// recipients returns every recipient certificate, checked at time now,
// and makes sure each recipient of mm is named by one of them.
func (c *SMIME) recipients(mm *mime.Message, now time.Time) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for i, r := range c.Recipients {
		if err := smime.CheckRecipient(r, now); err != nil {
			return nil, &FieldError{Field: fmt.Sprintf("SMIME.Recipients[%d]", i), Err: err}
		}
		certs = append(certs, r)
	}
	for i, name := range c.RecipientFiles {
		field := fmt.Sprintf("SMIME.RecipientFiles[%d]", i)
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, &FieldError{Field: field, Err: err}
		}
		list, err := smime.ParseCertificatesPEM(data)
		if err != nil {
			return nil, &FieldError{Field: field, Err: err}
		}
		for _, r := range list {
			if err := smime.CheckRecipient(r, now); err != nil {
				return nil, &FieldError{Field: field, Err: err}
			}
		}
		certs = append(certs, list...)
	}
	if len(certs) == 0 || c.AnyAddress {
		return certs, nil
	}
	return certs, covered(mm, certs)
}

// covered reports the first recipient of mm that no certificate names.
func covered(mm *mime.Message, certs []*x509.Certificate) error {
	for _, l := range []struct {
		name  string
		addrs []mime.Address
	}{{"Message.To", mm.To}, {"Message.Cc", mm.Cc}, {"Message.Bcc", mm.Bcc}} {
		for i, a := range l.addrs {
			if !anyNames(certs, a.Addr) {
				return &FieldError{Field: fmt.Sprintf("%s[%d]", l.name, i), Err: ErrNoRecipientCertificate}
			}
		}
	}
	return nil
}

func anyNames(certs []*x509.Certificate, addr string) bool {
	for _, c := range certs {
		if smime.NamesAddress(c, addr) {
			return true
		}
	}
	return false
}

// oidEmailAddress is the PKCS #9 emailAddress attribute that older
// certificates carry in their subject (RFC 8550 §3).

// protection is what protects one message: the Protector, which spools
// the canonical entity in Sender.SpoolDir when it is large.
type protection struct {
	p *smime.Protector
}

// errProtectDone stops composing when Protect has stopped reading.
var errProtectDone = errors.New("mailsender: S/MIME stopped reading the message")

// writeMessage writes mm to w, protected by p when p is not nil. The
// message is composed straight into smime's Protect through a pipe:
// neither side holds it whole (Protect keeps its canonical form in an
// encrypted spool while it signs or encrypts). An error composing the
// message (an attachment that cannot be read) is returned as it is.
func writeMessage(w io.Writer, mm *mime.Message, p *protection) error {
	if p == nil {
		_, err := mm.WriteTo(w)
		return err
	}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := mm.WriteTo(pw)
		pw.CloseWithError(err)
		done <- err
	}()
	perr := p.p.Protect(w, pr)
	pr.CloseWithError(errProtectDone) // unblocks the composer if Protect stopped early
	if werr := <-done; werr != nil && !errors.Is(werr, errProtectDone) {
		return werr
	}
	if perr != nil {
		return fmt.Errorf("mailsender: S/MIME: %w", perr)
	}
	return nil
}
