// SPDX-License-Identifier: Apache-2.0

package dkim

import (
	"os"
	"strings"
	"testing"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/keys/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLoadKeys loads each key form and checks the p= value of its record
// against the one OpenSSL computed (testdata/keys/README.md).
func TestLoadKeys(t *testing.T) {
	rsaP := "v=DKIM1; k=rsa; p=" + string(readTestdata(t, "rsa.spki.b64"))
	edP := "v=DKIM1; k=ed25519; p=" + string(readTestdata(t, "ed25519.pub.b64"))
	cases := []struct {
		name, file, password string
		want                 string
	}{
		{"PKCS#1 PEM", "rsa.pk1.pem", "", rsaP},
		{"PKCS#8 PEM, RSA", "rsa.pk8.pem", "", rsaP},
		{"PKCS#8 PEM, Ed25519", "ed25519.pk8.pem", "", edP},
		{"PKCS#12, AES", "rsa.pfx", "test", rsaP},
		{"PKCS#12, 3DES (legacy)", "rsa-legacy.pfx", "test", rsaP},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := readTestdata(t, c.file)
			load := func() (any, error) { return LoadKey(data) }
			if strings.HasSuffix(c.file, ".pfx") {
				load = func() (any, error) { return LoadPKCS12(data, c.password) }
			}
			k, err := load()
			if err != nil {
				t.Fatal(err)
			}
			rec, err := Record("sel", "example.com", k)
			if err != nil || rec.Value != c.want {
				t.Errorf("Record = %v, %v; want %q", rec, err, c.want)
			}
		})
	}
}

func TestLoadKeyRejects(t *testing.T) {
	cases := []struct {
		name string
		load func() error
		want string
	}{
		{"EC key", func() error { _, err := LoadKey(readTestdata(t, "ec.pk8.pem")); return err }, "unsupported key type"},
		{"certificate", func() error { _, err := LoadKey(readTestdata(t, "rsa.cert.pem")); return err }, "is not a private key"},
		{"wrong password", func() error { _, err := LoadPKCS12(readTestdata(t, "rsa.pfx"), "nope"); return err }, "dkim: PKCS#12"},
		{"encrypted PEM", func() error {
			_, err := LoadKey([]byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"))
			return err
		}, "encrypted PEM"},
		{"short seed", func() error { _, err := LoadKey([]byte("AAAA")); return err }, "neither PEM"},
		{"RSA key under 1024 bits (RFC 8301)", func() error {
			k, err := LoadKey(readTestdata(t, "rsa512.pk8.pem"))
			if err != nil {
				return err
			}
			_, err = NewSigner(&SignOptions{Domain: "example.com", Selector: "s", Signer: k})
			return err
		}, "RSA key of 512 bits is too short"},
	}
	for _, c := range cases {
		if err := c.load(); err == nil || !strings.Contains(err.Error(), c.want) ||
			!strings.HasPrefix(err.Error(), "dkim: ") {
			t.Errorf("%s: err = %v, want one with %q", c.name, err, c.want)
		}
	}
}

// TestRecordStrings: the RSA record is cut into character-strings of at
// most 255 octets that join to the value, and Zone quotes each one.
func TestRecordStrings(t *testing.T) {
	k, err := LoadKey(readTestdata(t, "rsa.pk8.pem"))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := Record("sel", "example.com.", k.Public())
	if err != nil {
		t.Fatal(err)
	}
	if rec.Name != "sel._domainkey.example.com" || len(rec.Strings) != 2 ||
		len(rec.Strings[0]) != 255 || strings.Join(rec.Strings, "") != rec.Value {
		t.Errorf("Record = %+v", rec)
	}
	want := `sel._domainkey.example.com. IN TXT ( "` + rec.Strings[0] + `" "` + rec.Strings[1] + `" )`
	if rec.Zone() != want {
		t.Errorf("Zone() = %s, want %s", rec.Zone(), want)
	}
	// Read back from a zone-style line, the record verifies a signature.
	recs, err := ParseTXTRecords(strings.NewReader(rec.Name + " \"" + rec.Strings[0] + "\" \"" + rec.Strings[1] + "\"\n"))
	if err != nil || recs[rec.Name] != rec.Value {
		t.Fatalf("ParseTXTRecords: %v %q", err, recs[rec.Name])
	}
	msg := "From: a@example.com\r\n\r\nhi\r\n"
	signed := mustSign(t, &SignOptions{Domain: "example.com", Selector: "sel", Signer: k}, msg) + msg
	if vs := verifyString(t, signed, &VerifyOptions{Resolver: recs}); vs[0].Err != nil {
		t.Error(vs[0].Err)
	}
}
