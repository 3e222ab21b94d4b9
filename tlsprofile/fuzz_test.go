// SPDX-License-Identifier: Apache-2.0

package tlsprofile

import (
	"bytes"
	"testing"
)

func FuzzParseSuite(f *testing.F) {
	for _, s := range []string{"009C", "0xC02F", "TLS_AES_128_GCM_SHA256", "tls_rsa_with_rc4_128_sha", "", "0x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseSuite(in)
		if err != nil {
			return
		}
		again, err := ParseSuite(s.Code())
		if err != nil || again.ID != s.ID {
			t.Errorf("ParseSuite(%q) = %04X but its code gives %04X, %v", in, s.ID, again.ID, err)
		}
	})
}

func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"1.0", "TLSv1.3", "tls 1.2", "1.4", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		v, err := ParseVersion(in)
		if err != nil {
			return
		}
		if again, err := ParseVersion(VersionName(v)); err != nil || again != v {
			t.Errorf("ParseVersion(%q) = %#x, round trip %#x %v", in, v, again, err)
		}
	})
}

func FuzzParsePin(f *testing.F) {
	f.Add("sha256/AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	f.Add("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	f.Fuzz(func(t *testing.T, in string) {
		sum, err := ParsePin(in)
		if err != nil {
			return
		}
		if again, err := ParsePin(FormatPin(sum)); err != nil || !bytes.Equal(again, sum) {
			t.Errorf("ParsePin(%q) = %x, round trip %x %v", in, sum, again, err)
		}
	})
}
