// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"io"
	"strings"
)

// Protector signs, encrypts, or signs and then encrypts whole messages
// (RFC 5322 header and body), as a sending pipeline needs between
// composing a message and DKIM-signing it. Signer set: sign; Recipients
// set: encrypt; both: sign, then encrypt (RFC 8551 §3.6). The zero value
// does nothing and [Protector.Protect] reports that.
type Protector struct {
	// Signer signs the message; nil means no signature.
	Signer *Signer
	// Recipients are the certificates the message is encrypted for;
	// empty means no encryption. Add the sender's own certificate to be
	// able to read the sent copy.
	Recipients []*x509.Certificate
	// SignOptions are passed to the signing step; nil gives a detached
	// SHA-256 signature.
	SignOptions *SignOptions
	// EncryptOptions are passed to the encryption step; nil gives
	// AES-256-CBC.
	EncryptOptions *EncryptOptions
	// TempDir is where temporary files go: the canonical entity beyond
	// its first 1 MiB, between being read and being signed or encrypted,
	// and an unencoded or quoted-printable part beyond its first 256 KiB
	// while its encoding is decided; "" means os.TempDir(). Each file is
	// encrypted with a key held only in memory and is removed (on Unix,
	// unlinked as soon as it is opened).
	TempDir string
}

// Protect reads a message from msg and writes it to w with its MIME
// entity protected. The entity is the message's Content-* header fields
// and its body (a message without Content-Type is text/plain, RFC 2045
// §5.2). Every other header field (From, To, Subject, Date, ...) stays in
// the clear on top, in its order, followed by MIME-Version: 1.0 and the
// header of the new entity; the message's own MIME-Version is dropped.
// Note that an encrypted message's Subject is thus readable by anyone
// who sees the message.
//
// Line ends become CRLF. A header field with a bare CR or a NUL, a header
// line over 998 octets, a line that is not a field, or a message without
// the empty line after its header gives a [*FormatError] (SEC-27,
// SEC-29); errors from [Sign] and [Encrypt] are passed on. Whatever is
// wrong with the message or the certificates, nothing is written to w;
// only an error of w itself, or of the temporary file while the result
// is being written, can leave part of it written.
//
// Memory: Protect streams. The message is read once and its entity,
// brought into canonical form and hashed on the way, waits in memory up
// to 1 MiB and beyond that in an encrypted temporary file in TempDir;
// the signature and the encryption (AES-CBC and AES-GCM alike) are then
// computed while the result is written. What Protect holds does not grow
// with the size of the message, except for one header of one part at a
// time.
func (p *Protector) Protect(w io.Writer, msg io.Reader) error {
	if p.Signer == nil && len(p.Recipients) == 0 {
		return errors.New("smime: Protector needs a Signer or Recipients")
	}
	if err := p.check(); err != nil {
		return err
	}
	br := bufio.NewReaderSize(msg, 64<<10)
	outer, entityHead, err := readMessageHeader(br)
	if err != nil {
		return err
	}
	var h crypto.Hash
	var boundaries io.Reader
	if p.Signer != nil {
		h, boundaries = signHash(p.SignOptions), boundaryFor(p.SignOptions)
	}
	c, err := spoolCanonical(io.MultiReader(bytes.NewReader(entityHead), br), p.TempDir, h, boundaries)
	if err != nil {
		return err
	}
	defer c.Close()
	e, err := p.protect(c)
	if err != nil {
		return err
	}
	if _, err := w.Write(outer); err != nil {
		return err
	}
	return e.writeTo(w)
}

// check makes the certificate checks before anything is read.
func (p *Protector) check() error {
	if p.Signer != nil {
		if _, err := signCheck(p.Signer, p.SignOptions); err != nil {
			return err
		}
	}
	if len(p.Recipients) > 0 {
		return checkRecipients(p.Recipients, p.EncryptOptions.now())
	}
	return nil
}

func (p *Protector) protect(c *canonical) (*outEntity, error) {
	switch {
	case len(p.Recipients) == 0:
		return signOut(c, p.Signer, p.SignOptions)
	case p.Signer == nil:
		return encryptOut(c.Len(), writeAll(c), p.Recipients, p.EncryptOptions)
	}
	return signEncryptOut(c, p.Signer, p.Recipients, p.SignOptions, p.EncryptOptions)
}

// readMessageHeader reads a message's header from r, up to and including
// the empty line after it, and returns it as splitMessage does: the
// fields that are not Content-* nor MIME-Version, with MIME-Version: 1.0
// after them, and the header of the entity (the Content-* fields and an
// empty line). r is left at the first byte of the body.
func readMessageHeader(r *bufio.Reader) (outer, entityHead []byte, err error) {
	h, err := readHeaderBlock(r)
	if err != nil {
		return nil, nil, err
	}
	return splitMessage(h)
}

// splitMessage returns the header fields of msg that are not Content-*
// nor MIME-Version, with CRLF line ends and MIME-Version: 1.0 added after
// them, and the entity: the Content-* fields, an empty line and the body.
// The entity is assembled inside msg, in front of the body, when there is
// room, so that the body is not copied; msg is changed.
func splitMessage(msg []byte) (outer, entity []byte, err error) {
	if len(msg) == 0 {
		return nil, nil, formatErrorf("empty message")
	}
	fields, body, err := splitHeader(msg)
	if err != nil {
		return nil, nil, err
	}
	var ob, eb bytes.Buffer
	for _, f := range fields {
		if bytes.IndexByte(f.raw, 0) >= 0 || !linesOK(f.raw, maxLine, false) {
			return nil, nil, formatErrorf("header field %s holds a NUL or a line over %d octets", f.name, maxLine)
		}
		name := strings.ToLower(f.name)
		switch {
		case strings.HasPrefix(name, "content-"):
			eb.Write(f.raw)
		case name != "mime-version":
			ob.Write(f.raw)
		}
	}
	ob.WriteString("MIME-Version: 1.0\r\n")
	eb.WriteString("\r\n")
	if start := len(msg) - len(body); eb.Len() <= start {
		copy(msg[start-eb.Len():], eb.Bytes())
		return ob.Bytes(), msg[start-eb.Len():], nil
	}
	eb.Write(body)
	return ob.Bytes(), eb.Bytes(), nil
}
