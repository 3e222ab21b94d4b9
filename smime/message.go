// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
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
// SEC-29); errors from [Sign] and [Encrypt] are passed on. On
// error nothing is written to w.
//
// Memory: the message is read once into memory; the signature and AES-CBC
// encryption are computed while the result is written, so no second copy
// is made (AES-GCM makes one).
func (p *Protector) Protect(w io.Writer, msg io.Reader) error {
	if p.Signer == nil && len(p.Recipients) == 0 {
		return errors.New("smime: Protector needs a Signer or Recipients")
	}
	b, err := readAll(msg)
	if err != nil {
		return fmt.Errorf("smime: read message: %w", err)
	}
	outer, entity, err := splitMessage(b)
	if err != nil {
		return err
	}
	e, err := p.protect(entity)
	if err != nil {
		return err
	}
	if _, err := w.Write(outer); err != nil {
		return err
	}
	return e.writeTo(w)
}

func (p *Protector) protect(entity []byte) (*outEntity, error) {
	content, err := canonicalize(entity)
	if err != nil {
		return nil, err
	}
	switch {
	case len(p.Recipients) == 0:
		return signOut(content, p.Signer, p.SignOptions)
	case p.Signer == nil:
		return encryptOut(int64(len(content)), func(w io.Writer) error {
			_, err := w.Write(content)
			return err
		}, p.Recipients, p.EncryptOptions)
	}
	return signEncryptOut(content, p.Signer, p.Recipients, p.SignOptions, p.EncryptOptions)
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
