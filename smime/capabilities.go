// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"encoding/asn1"
)

// oidSMIMECapabilities is the SMIMECapabilities signed attribute (RFC 8551
// §2.5.2).
var oidSMIMECapabilities = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 15}

// smimeCapabilities is the DER SEQUENCE OF SMIMECapability announcing the
// content ciphers Decrypt handles, strongest first: AES-256-CBC and
// AES-128-CBC (RFC 3565 §2.3; their parameters are absent).
var smimeCapabilities = mustMarshal([]struct {
	Algorithm asn1.ObjectIdentifier
}{
	{oidAES256CBC},
	{oidAES128CBC},
})

func mustMarshal(v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
