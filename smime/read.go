// SPDX-License-Identifier: Apache-2.0

package smime

import "encoding/asn1"

// oidAuthEnvelopedData is the RFC 5083 content type used for AES-GCM.
var oidAuthEnvelopedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 23}

// message is a CMS object read whole: the signature part of a
// multipart/signed message (and, in the tests, whole messages).
type message struct {
	der         []byte                // the CMS object
	contentType asn1.ObjectIdentifier // of the CMS object
	detached    []byte                // multipart/signed: the signed entity
}

// readPKCS7 decodes the body of an application/pkcs7-* part and reads
// the content type of the CMS object in it.
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
