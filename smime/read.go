// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"encoding/asn1"
	"fmt"
	"io"
	stdmime "mime"
	"strings"
)

// oidAuthEnvelopedData is the RFC 5083 content type used for AES-GCM.
var oidAuthEnvelopedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 23}

// message is an S/MIME message as read by Verify and Decrypt.
type message struct {
	der         []byte                // the CMS object
	contentType asn1.ObjectIdentifier // of the CMS object
	detached    []byte                // multipart/signed: the signed entity
}

// readMessage reads an S/MIME message or entity: multipart/signed or
// application/pkcs7-mime (also the older x-pkcs7 names). The type of an
// application/pkcs7-mime object is taken from the CMS content type, so a
// missing or wrong smime-type parameter does no harm.
func readMessage(r io.Reader) (*message, error) {
	b, err := readAll(r)
	if err != nil {
		return nil, fmt.Errorf("smime: read message: %w", err)
	}
	fields, body, err := splitHeader(b)
	if err != nil {
		return nil, err
	}
	ct, _ := lookup(fields, "Content-Type")
	mediatype, params, err := stdmime.ParseMediaType(ct)
	if err != nil {
		return nil, formatErrorf("Content-Type %q: %v", ct, err)
	}
	switch mediatype {
	case "multipart/signed":
		return readDetached(body, params)
	case "application/pkcs7-mime", "application/x-pkcs7-mime":
		cte, _ := lookup(fields, "Content-Transfer-Encoding")
		return readPKCS7(body, strings.ToLower(cte))
	}
	return nil, formatErrorf("Content-Type %s is not an S/MIME type", mediatype)
}

func readDetached(body []byte, params map[string]string) (*message, error) {
	switch strings.ToLower(params["protocol"]) {
	case "application/pkcs7-signature", "application/x-pkcs7-signature":
	default:
		return nil, fmt.Errorf("%w: multipart/signed protocol %q", ErrUnsupported, params["protocol"])
	}
	m, err := splitMultipart(toCRLF(body), params["boundary"])
	if err != nil {
		return nil, err
	}
	if len(m.parts) != 2 {
		return nil, formatErrorf("multipart/signed has %d parts, want 2", len(m.parts))
	}
	fields, sigBody, err := splitHeader(m.parts[1])
	if err != nil {
		return nil, err
	}
	cte, _ := lookup(fields, "Content-Transfer-Encoding")
	msg, err := readPKCS7(sigBody, strings.ToLower(cte))
	if err != nil {
		return nil, err
	}
	msg.detached = m.parts[0]
	return msg, nil
}

func readPKCS7(body []byte, cte string) (*message, error) {
	der := body
	switch cte {
	case "base64":
		var err error
		if der, err = decodeBase64(body); err != nil {
			return nil, formatErrorf("base64 CMS object: %v", err)
		}
	case "", "binary", "7bit", "8bit":
	default:
		return nil, formatErrorf("CMS object with Content-Transfer-Encoding %q", cte)
	}
	oid, err := peekContentType(der)
	if err != nil {
		return nil, err
	}
	return &message{der: der, contentType: oid}, nil
}

// peekContentType reads the contentType of a BER or DER ContentInfo
// (RFC 5652 §3) without parsing the rest.
func peekContentType(der []byte) (asn1.ObjectIdentifier, error) {
	bad := formatErrorf("not a CMS ContentInfo")
	if len(der) < 2 || der[0] != 0x30 {
		return nil, bad
	}
	n := 2
	if l := der[1]; l > 0x80 {
		n += int(l & 0x7f)
	}
	if len(der) <= n {
		return nil, bad
	}
	var oid asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(der[n:], &oid); err != nil {
		return nil, bad
	}
	return oid, nil
}

func contentTypeName(oid asn1.ObjectIdentifier) string {
	switch {
	case oid.Equal(oidSignedData):
		return "signed-data"
	case oid.Equal(oidEnvelopedData):
		return "enveloped-data"
	case oid.Equal(oidAuthEnvelopedData):
		return "authEnveloped-data"
	}
	return oid.String()
}
