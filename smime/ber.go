// SPDX-License-Identifier: Apache-2.0

package smime

import "encoding/asn1"

var errBER = formatErrorf("bad BER encoding")

// maxBERDepth bounds the nesting of BER elements.
const maxBERDepth = 64

// berToDER re-encodes a BER element, as OpenSSL writes CMS when streaming,
// with definite minimal lengths so that encoding/asn1 reads it.
// Constructed strings keep their chunks; callers join them. Only the
// length forms are changed.
func berToDER(b []byte) ([]byte, error) {
	if isDER(b) {
		return b, nil // no copy for what is DER already, as we write it
	}
	der, rest, err := berElement(b, 0)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, formatErrorf("trailing data after CMS object")
	}
	return der, nil
}

func berElement(b []byte, depth int) (der, rest []byte, err error) {
	if depth > maxBERDepth {
		return nil, nil, errBER
	}
	tagLen, err := berTagLen(b)
	if err != nil {
		return nil, nil, err
	}
	tag, b := b[:tagLen], b[tagLen:]
	constructed := tag[0]&0x20 != 0
	if len(b) == 0 {
		return nil, nil, errBER
	}
	var content []byte
	if b[0] == 0x80 {
		if !constructed {
			return nil, nil, errBER
		}
		content, rest, err = berIndefinite(b[1:], depth)
	} else {
		content, rest, err = berDefinite(b, constructed, depth)
	}
	if err != nil {
		return nil, nil, err
	}
	out := append(append([]byte(nil), tag...), derLength(len(content))...)
	return append(out, content...), rest, nil
}

// berTagLen returns the length of the identifier octets at the start of b.
func berTagLen(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, errBER
	}
	if b[0]&0x1f != 0x1f {
		return 1, nil
	}
	for i := 1; i < len(b) && i < 6; i++ {
		if b[i]&0x80 == 0 {
			return i + 1, nil
		}
	}
	return 0, errBER
}

// berIndefinite converts the children up to the end-of-contents octets.
func berIndefinite(b []byte, depth int) (content, rest []byte, err error) {
	for {
		if len(b) >= 2 && b[0] == 0 && b[1] == 0 {
			return content, b[2:], nil
		}
		if len(b) == 0 {
			return nil, nil, errBER
		}
		var child []byte
		if child, b, err = berElement(b, depth+1); err != nil {
			return nil, nil, err
		}
		content = append(content, child...)
	}
}

// berDefinite reads a definite length and the content it covers,
// converting the children of a constructed element.
func berDefinite(b []byte, constructed bool, depth int) (content, rest []byte, err error) {
	n, hdr := int(b[0]), 1
	if n&0x80 != 0 {
		k := n & 0x7f
		if k == 0 || k > 4 || len(b) < 1+k {
			return nil, nil, errBER
		}
		n = 0
		for _, c := range b[1 : 1+k] {
			n = n<<8 | int(c)
		}
		hdr += k
	}
	if n < 0 || len(b)-hdr < n {
		return nil, nil, errBER
	}
	body, rest := b[hdr:hdr+n], b[hdr+n:]
	if !constructed {
		return body, rest, nil
	}
	for len(body) > 0 {
		var child []byte
		if child, body, err = berElement(body, depth+1); err != nil {
			return nil, nil, err
		}
		content = append(content, child...)
	}
	return content, rest, nil
}

func derLength(n int) []byte {
	if n < 0x80 {
		return []byte{byte(n)}
	}
	var b []byte
	for ; n > 0; n >>= 8 {
		b = append([]byte{byte(n)}, b...)
	}
	return append([]byte{0x80 | byte(len(b))}, b...)
}

// isDER reports whether b is one element whose lengths, at every level
// of nesting, are all definite: then encoding/asn1 reads it as it is.
func isDER(b []byte) bool {
	var v asn1.RawValue
	rest, err := asn1.Unmarshal(b, &v)
	return err == nil && len(rest) == 0 && definite(v, 0)
}

func definite(v asn1.RawValue, depth int) bool {
	if !v.IsCompound {
		return true
	}
	if depth > maxBERDepth {
		return false
	}
	for rest := v.Bytes; len(rest) > 0; {
		var c asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &c); err != nil || !definite(c, depth+1) {
			return false
		}
	}
	return true
}
