// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"crypto"
	"crypto/aes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"io"

	"github.com/smallstep/pkcs7"
)

// Reading EnvelopedData (RFC 5652 §6) and AuthEnvelopedData (RFC 5083)
// from a stream with berReader: the parts before the encrypted content
// are read whole (they are small), the content key is found, and the
// encrypted content is decrypted as it is read, into a spool. Every
// failure after the recipient is found that depends on the key or the
// plaintext (a wrong key, bad CBC padding, a bad GCM tag) is ErrDecrypt,
// and the padding and the tag are only checked once the whole message
// has been read and found well-formed, so decryption is no padding
// oracle.

// decryptMemLimit is how much plaintext the spool keeps in memory before
// it moves to an encrypted temporary file.
const decryptMemLimit = 1 << 20

// envelope is what is read of an EnvelopedData or AuthEnvelopedData up
// to its encrypted content.
type envelope struct {
	b     *berReader
	auth  bool // AuthEnvelopedData
	infos []asn1.RawValue
	alg   pkix.AlgorithmIdentifier
	// The frames being walked: ContentInfo, its [0] EXPLICIT content,
	// the (Auth)EnvelopedData and the EncryptedContentInfo.
	ci, explicit, env, eci *berFrame
	content                *berHeader // the encryptedContent; nil when absent
}

// contentOpener decrypts the encrypted content written to it.
type contentOpener interface {
	io.Writer
	// finish checks the padding or the tag once everything is read; aad
	// and mac are those of AuthEnvelopedData.
	finish(aad, mac []byte) error
}

// decryptTo decrypts the message read from msg into a spool and writes
// the plaintext to w once it is known to be good.
func decryptTo(w io.Writer, msg io.Reader, cert *x509.Certificate, key crypto.PrivateKey, tempDir string) error {
	body, err := pkcs7Stream(msg)
	if err != nil {
		return err
	}
	e, err := readEnvelope(newBERReader(body))
	if err != nil {
		return err
	}
	sp := newSpool(tempDir, decryptMemLimit)
	defer sp.Close()
	op, err := e.opener(sp, cert, key)
	if err != nil {
		return err
	}
	if e.content != nil {
		buf := make([]byte, 32<<10)
		if _, err := io.CopyBuffer(op, e.b.octets(*e.content), buf); err != nil {
			return err
		}
	}
	aad, mac, err := e.readTail()
	if err != nil {
		return err
	}
	if err := op.finish(aad, mac); err != nil {
		return err
	}
	_, err = sp.WriteTo(w)
	return err
}

// readEnvelope reads a ContentInfo up to the encrypted content of its
// EnvelopedData or AuthEnvelopedData.
func readEnvelope(b *berReader) (*envelope, error) {
	e := &envelope{b: b}
	h, err := b.next()
	if err != nil || !h.is(asn1.ClassUniversal, asn1.TagSequence) {
		return nil, notCMS(err)
	}
	if e.ci, err = b.enter(h); err != nil {
		return nil, err
	}
	var oid asn1.ObjectIdentifier
	if err := e.small(e.ci, asn1.TagOID, &oid); err != nil {
		return nil, notCMS(err)
	}
	e.auth = oid.Equal(oidAuthEnvelopedData)
	if !e.auth && !oid.Equal(pkcs7.OIDEnvelopedData) {
		return nil, fmt.Errorf("%w: CMS content is %s", ErrNotEncrypted, contentTypeName(oid))
	}
	if e.explicit, err = e.enterChild(e.ci, asn1.ClassContextSpecific, 0); err != nil {
		return nil, err
	}
	if e.env, err = e.enterChild(e.explicit, asn1.ClassUniversal, asn1.TagSequence); err != nil {
		return nil, err
	}
	if err := e.readRecipients(); err != nil {
		return nil, err
	}
	return e, e.readContentInfo()
}

// notCMS is the error for input that does not start like a ContentInfo.
func notCMS(err error) error {
	if _, ok := err.(*FormatError); err != nil && !ok {
		return err // an I/O error
	}
	return formatErrorf("not a CMS ContentInfo")
}

// small reads the next element in f, which must be a universal tag, and
// unmarshals it into v.
func (e *envelope) small(f *berFrame, tag int, v any) error {
	h, err := e.b.nextIn(f)
	if err != nil {
		return err
	}
	if !h.is(asn1.ClassUniversal, tag) {
		return formatErrorf("CMS: element with tag %d where %d belongs", h.tag, tag)
	}
	der, err := e.b.element(h, berMaxSmall)
	if err != nil {
		return err
	}
	if _, err := asn1.Unmarshal(der, v); err != nil {
		return formatErrorf("CMS: %v", err)
	}
	return nil
}

// enterChild reads the next element in f, which must be constructed of
// class and tag, and starts walking it.
func (e *envelope) enterChild(f *berFrame, class, tag int) (*berFrame, error) {
	h, err := e.b.nextIn(f)
	if err != nil {
		return nil, err
	}
	if !h.is(class, tag) {
		return nil, formatErrorf("CMS: element [%d %d] where [%d %d] belongs", h.class, h.tag, class, tag)
	}
	return e.b.enter(h)
}

// readRecipients reads the version, skips any originatorInfo, and reads
// the RecipientInfos.
func (e *envelope) readRecipients() error {
	var version int
	if err := e.small(e.env, asn1.TagInteger, &version); err != nil {
		return err
	}
	h, err := e.b.nextIn(e.env)
	if err != nil {
		return err
	}
	if h.is(asn1.ClassContextSpecific, 0) { // originatorInfo
		if err := e.b.skip(h); err != nil {
			return err
		}
		if h, err = e.b.nextIn(e.env); err != nil {
			return err
		}
	}
	if !h.is(asn1.ClassUniversal, asn1.TagSet) {
		return formatErrorf("CMS enveloped-data: no RecipientInfos")
	}
	der, err := e.b.element(h, berMaxSmall)
	if err != nil {
		return err
	}
	if _, err := asn1.UnmarshalWithParams(der, &e.infos, "set"); err != nil {
		return formatErrorf("CMS RecipientInfos: %v", err)
	}
	return nil
}

// readContentInfo reads the EncryptedContentInfo up to the encrypted
// content, if there is any.
func (e *envelope) readContentInfo() error {
	var err error
	if e.eci, err = e.enterChild(e.env, asn1.ClassUniversal, asn1.TagSequence); err != nil {
		return err
	}
	var ct asn1.ObjectIdentifier
	if err := e.small(e.eci, asn1.TagOID, &ct); err != nil {
		return err
	}
	if err := e.small(e.eci, asn1.TagSequence, &e.alg); err != nil {
		return err
	}
	more, err := e.b.more(e.eci)
	if err != nil || !more {
		return err
	}
	h, err := e.b.nextIn(e.eci)
	if err != nil {
		return err
	}
	if !h.is(asn1.ClassContextSpecific, 0) {
		return formatErrorf("CMS: unexpected element in EncryptedContentInfo")
	}
	e.content = &h
	return nil
}

// readTail reads what follows the encrypted content, up to the end of
// the input: for AuthEnvelopedData the additional data (the DER of the
// authenticated attributes as a SET OF) and the mac.
func (e *envelope) readTail() (aad, mac []byte, err error) {
	if e.content != nil {
		if err := e.b.end(e.eci); err != nil {
			return nil, nil, err
		}
	}
	if e.auth {
		if aad, mac, err = e.readMAC(); err != nil {
			return nil, nil, err
		}
	}
	last := 1 // unprotectedAttrs
	if e.auth {
		last = 2 // unauthAttrs
	}
	if err := e.skipOptional(last); err != nil {
		return nil, nil, err
	}
	for _, f := range []*berFrame{e.env, e.explicit, e.ci} {
		if err := e.b.end(f); err != nil {
			return nil, nil, err
		}
	}
	if eof, err := e.b.atEOF(); err != nil || !eof {
		return nil, nil, notEOF(err)
	}
	return aad, mac, nil
}

func notEOF(err error) error {
	if err != nil {
		return fmt.Errorf("smime: read message: %w", err)
	}
	return formatErrorf("trailing data after CMS object")
}

// readMAC reads the optional authAttrs [1] and the mac OCTET STRING of
// AuthEnvelopedData.
func (e *envelope) readMAC() (aad, mac []byte, err error) {
	h, err := e.b.nextIn(e.env)
	if err != nil {
		return nil, nil, err
	}
	if h.is(asn1.ClassContextSpecific, 1) {
		der, err := e.b.element(h, berMaxSmall)
		if err != nil {
			return nil, nil, err
		}
		aad = authAttrsAAD(asn1.RawValue{FullBytes: der})
		if h, err = e.b.nextIn(e.env); err != nil {
			return nil, nil, err
		}
	}
	if !h.is(asn1.ClassUniversal, asn1.TagOctetString) {
		return nil, nil, formatErrorf("CMS authEnveloped-data: no mac")
	}
	der, err := e.b.element(h, berMaxSmall)
	if err != nil {
		return nil, nil, err
	}
	if _, err := asn1.Unmarshal(der, &mac); err != nil {
		return nil, nil, formatErrorf("CMS authEnveloped-data mac: %v", err)
	}
	return aad, mac, nil
}

// skipOptional skips an optional last element [tag] of the
// (Auth)EnvelopedData.
func (e *envelope) skipOptional(tag int) error {
	more, err := e.b.more(e.env)
	if err != nil || !more {
		return err
	}
	h, err := e.b.nextIn(e.env)
	if err != nil {
		return err
	}
	if !h.is(asn1.ClassContextSpecific, tag) {
		return formatErrorf("CMS: unexpected element [%d %d] at the end of enveloped-data", h.class, h.tag)
	}
	return e.b.skip(h)
}

// opener finds the content key for cert and key and returns the
// decrypter of the content, writing to w.
func (e *envelope) opener(w io.Writer, cert *x509.Certificate, key crypto.PrivateKey) (contentOpener, error) {
	if e.auth {
		return e.gcmOpener(w, cert, key)
	}
	c, ok := cbcCiphers[e.alg.Algorithm.String()]
	if !ok {
		return nil, fmt.Errorf("%w: content cipher %v", ErrUnsupported, e.alg.Algorithm)
	}
	var iv []byte
	if _, err := asn1.Unmarshal(e.alg.Parameters.FullBytes, &iv); err != nil {
		return nil, fmt.Errorf("%w: CBC parameters", ErrUnsupported)
	}
	cek, err := contentKey(e.infos, cert, key, c.keyLen)
	if err != nil {
		return nil, err
	}
	block, err := c.block(cek)
	if err != nil || len(iv) != block.BlockSize() {
		return nil, ErrDecrypt
	}
	return cbcFinisher{newCBCOpener(w, block, iv)}, nil
}

// cbcFinisher gives cbcOpener the finish of a contentOpener.
type cbcFinisher struct{ *cbcOpener }

func (c cbcFinisher) finish(_, _ []byte) error { return c.cbcOpener.finish() }

// gcmOpener finds the content key and returns the AES-GCM decrypter.
func (e *envelope) gcmOpener(w io.Writer, cert *x509.Certificate, key crypto.PrivateKey) (contentOpener, error) {
	keyLen, ok := gcmKeyLengths[e.alg.Algorithm.String()]
	if !ok {
		return nil, fmt.Errorf("%w: content cipher %v", ErrUnsupported, e.alg.Algorithm)
	}
	var params gcmParameters
	if _, err := asn1.Unmarshal(e.alg.Parameters.FullBytes, &params); err != nil || len(params.Nonce) != gcmNonceSize {
		return nil, fmt.Errorf("%w: GCM parameters", ErrUnsupported)
	}
	cek, err := contentKey(e.infos, cert, key, keyLen)
	if err != nil {
		return nil, err
	}
	if params.ICVLen < 12 || params.ICVLen > gcmTagSize || len(cek) != keyLen {
		return nil, fmt.Errorf("%w: GCM tag length %d", ErrUnsupported, params.ICVLen)
	}
	if _, err := aes.NewCipher(cek); err != nil {
		return nil, ErrDecrypt
	}
	o, err := newGCMOpener(w, cek, params.Nonce)
	if err != nil {
		return nil, ErrDecrypt
	}
	return gcmTagLen{o, params.ICVLen}, nil
}

// gcmTagLen checks the length of the mac against the ICV length of the
// GCM parameters.
type gcmTagLen struct {
	*gcmOpener
	icvLen int
}

func (g gcmTagLen) finish(aad, mac []byte) error {
	if len(mac) != g.icvLen {
		return ErrDecrypt
	}
	return g.gcmOpener.finish(aad, mac)
}
