// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// Interoperability with NSS, the library Thunderbird and Firefox use for
// S/MIME, through its command-line tools (Debian libnss3-tools): certutil
// builds a certificate database, pk12util imports a key, cmsutil makes and
// reads the CMS objects. cmsutil works on DER CMS objects, so the tests
// take the object out of our MIME output and wrap cmsutil's output in
// MIME for our reader.

// needNSS skips the test when the NSS tools are not installed, unless
// MAILPEERS=1 demands the real peers.
func needNSS(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"cmsutil", "certutil", "pk12util"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("MAILPEERS") == "1" {
				t.Fatalf("%s not installed (MAILPEERS=1): %v", tool, err)
			}
			t.Skipf("%s not installed (apt-get install libnss3-tools)", tool)
		}
	}
}

// nssRun runs an NSS tool and returns its stdout, its stderr and its
// error.
func nssRun(t *testing.T, tool string, args ...string) ([]byte, []byte, error) {
	t.Helper()
	cmd := exec.Command(tool, args...)
	cmd.Stdin = strings.NewReader("")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.Bytes(), errb.Bytes(), err
}

// mustNSS is nssRun that fails the test when the tool fails.
func mustNSS(t *testing.T, tool string, args ...string) []byte {
	t.Helper()
	out, stderr, err := nssRun(t, tool, args...)
	if err != nil {
		t.Fatalf("%s %v: %v\n%s%s", tool, args, err, out, stderr)
	}
	return out
}

// nssDB makes an NSS database (no password) in a new temporary directory
// that trusts the test CA for email, and imports into it the key and
// certificate of each signer (with its chain) from a PKCS #12 file, as
// pk12util does for a Thunderbird profile. It returns the "sql:" path.
func nssDB(t *testing.T, p *testPKI, keys ...*Signer) string {
	t.Helper()
	db := nssEmptyDB(t)
	dir := strings.TrimPrefix(db, "sql:")
	// Trust flags are SSL,S/MIME,code signing: the CA is trusted to
	// issue email certificates only (with "C,," cmsutil refuses our
	// signatures).
	mustNSS(t, "certutil", "-A", "-n", "mailwright test CA", "-t", ",C,", "-i", p.path("ca.pem"), "-d", db)
	for i, s := range keys {
		pfx, err := pkcs12.Modern.Encode(s.Key, s.Certificate, s.Chain, "pw")
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, "key"+string(rune('0'+i))+".p12")
		if err := os.WriteFile(f, pfx, 0o600); err != nil {
			t.Fatal(err)
		}
		mustNSS(t, "pk12util", "-i", f, "-d", db, "-W", "pw", "-K", "")
	}
	return db
}

// nssEmptyDB makes an NSS database without any certificate or trust in a
// new temporary directory and returns its "sql:" path.
func nssEmptyDB(t *testing.T) string {
	t.Helper()
	needNSS(t)
	db := "sql:" + t.TempDir()
	mustNSS(t, "certutil", "-N", "-d", db, "--empty-password")
	return db
}

// nssAddCert imports a certificate without trust, under the nickname
// name.
func nssAddCert(t *testing.T, db, name string, c *x509.Certificate) {
	t.Helper()
	f := writeTemp(t, name+".pem", certPEM(c))
	mustNSS(t, "certutil", "-A", "-n", name, "-t", ",,", "-i", f, "-d", db)
}

// cmsObject returns the DER CMS object of an S/MIME entity and, for
// multipart/signed, the signed entity.
func cmsObject(t *testing.T, e []byte) (der, detached []byte) {
	t.Helper()
	m, err := readMessage(bytes.NewReader(e))
	if err != nil {
		t.Fatal(err)
	}
	return m.der, m.detached
}

// cmsDecode runs cmsutil -D on a CMS object (with detached content when
// content is not nil) and returns the decoded content, cmsutil's stderr
// and its error.
func cmsDecode(t *testing.T, db string, der, content []byte) ([]byte, []byte, error) {
	t.Helper()
	in := writeTemp(t, "in.der", der)
	out := filepath.Join(t.TempDir(), "out")
	args := []string{"-D", "-i", in, "-d", db, "-o", out}
	if content != nil {
		args = append(args, "-c", writeTemp(t, "content", content))
	}
	stdout, stderr, err := nssRun(t, "cmsutil", args...)
	got, rerr := os.ReadFile(out)
	if err == nil && rerr != nil {
		t.Fatalf("cmsutil -D wrote no output: %v\n%s%s", rerr, stdout, stderr)
	}
	return got, append(stdout, stderr...), err
}

// tamper returns b with its last byte before the final CRLF changed.
func tamper(b []byte) []byte {
	c := bytes.Clone(b)
	i := len(c) - 3
	c[i] ^= 0x01
	return c
}

// TestNSSVerifiesOurSignatures: cmsutil -D verifies every detached and
// opaque signature we make, RSA (with its intermediate in the
// SignedData) and ECDSA, with the test CA trusted for email, and gives
// back exactly the canonical entity we signed; a changed entity makes it
// fail.
func TestNSSVerifiesOurSignatures(t *testing.T) {
	p := getPKI(t)
	db := nssDB(t, p)
	for _, sname := range []string{"rsa", "ecdsa"} {
		s := map[string]*Signer{"rsa": p.signer, "ecdsa": p.signerEC}[sname]
		for _, name := range []string{"ascii", "utf8", "multipart", "lf"} {
			for _, opaque := range []bool{false, true} {
				t.Run(sname+"/"+name+"/opaque="+map[bool]string{false: "no", true: "yes"}[opaque], func(t *testing.T) {
					entity := testEntities[name]
					want, err := canonicalize([]byte(entity))
					if err != nil {
						t.Fatal(err)
					}
					var e []byte
					if opaque {
						e = signOrFail(t, entity, s, &SignOptions{Opaque: true}).Bytes()
					} else {
						// The Protector with nil SignOptions, as a sending
						// pipeline uses it.
						var buf bytes.Buffer
						pr := &Protector{Signer: s}
						if err := pr.Protect(&buf, strings.NewReader("From: alice@example.test\r\n"+entity)); err != nil {
							t.Fatal(err)
						}
						e = buf.Bytes()
					}
					der, detached := cmsObject(t, e)
					if opaque {
						got, log, err := cmsDecode(t, db, der, nil)
						if err != nil {
							t.Fatalf("cmsutil -D: %v\n%s", err, log)
						}
						if !bytes.Equal(got, want) {
							t.Errorf("cmsutil content = %q, want %q", got, want)
						}
						checkNSSRejects(t, db, tamperOpaque(t, der, want), nil)
						return
					}
					if !bytes.Equal(detached, want) {
						t.Fatalf("signed entity %q, want %q", detached, want)
					}
					if _, log, err := cmsDecode(t, db, der, detached); err != nil {
						t.Fatalf("cmsutil -D -c: %v\n%s", err, log)
					}
					checkNSSRejects(t, db, der, tamper(detached))
				})
			}
		}
	}
}

// TestNSSVerifiesOurHashes: cmsutil -D verifies our SHA-384 and SHA-512
// signatures, detached and opaque, RSA and ECDSA.
func TestNSSVerifiesOurHashes(t *testing.T) {
	p := getPKI(t)
	db := nssDB(t, p)
	want, err := canonicalize([]byte(testEntities["utf8"]))
	if err != nil {
		t.Fatal(err)
	}
	for sname, s := range map[string]*Signer{"rsa": p.signer, "ecdsa": p.signerEC} {
		for _, h := range []crypto.Hash{crypto.SHA384, crypto.SHA512} {
			for _, opaque := range []bool{false, true} {
				der, detached := cmsObject(t, signOrFail(t, testEntities["utf8"], s, &SignOptions{Hash: h, Opaque: opaque}).Bytes())
				got, log, err := cmsDecode(t, db, der, detached)
				if err != nil {
					t.Errorf("%s/%v/opaque=%v: cmsutil -D: %v\n%s", sname, h, opaque, err, log)
					continue
				}
				if opaque && !bytes.Equal(got, want) {
					t.Errorf("%s/%v: cmsutil content = %q, want %q", sname, h, got, want)
				}
			}
		}
	}
}

// TestNSSOAEP: RSAES-OAEP key transport (RFC 8551 §2.3).
func TestNSSOAEP(t *testing.T) {
	p := getPKI(t)
	bob := &Signer{Certificate: p.recipient, Key: p.recipientKey}
	db := nssDB(t, p, bob)
	entity := testEntities["ascii"]
	e, err := Encrypt(strings.NewReader(entity), []*x509.Certificate{p.recipient}, &EncryptOptions{OAEP: true})
	if err != nil {
		t.Fatal(err)
	}
	der, _ := cmsObject(t, e.Bytes())
	got, log, err := cmsDecode(t, db, der, nil)
	if err != nil {
		t.Skipf("NSS cmsutil cannot read RSAES-OAEP key transport: %v\n%s", err, log)
	}
	if !bytes.Equal(got, []byte(entity)) {
		t.Errorf("cmsutil content = %q, want %q", got, entity)
	}
}

// TestNSSChecksTrust: the same signature that cmsutil accepts with the
// test CA trusted is refused by a database that does not trust it, so a
// passing cmsutil -D means the chain was checked too.
func TestNSSChecksTrust(t *testing.T) {
	p := getPKI(t)
	db := nssEmptyDB(t)
	for _, opaque := range []bool{false, true} {
		der, detached := cmsObject(t, signOrFail(t, testEntities["ascii"], p.signer, &SignOptions{Opaque: opaque}).Bytes())
		_, log, err := cmsDecode(t, db, der, detached)
		if err == nil {
			t.Fatalf("opaque=%v: cmsutil -D accepted a signer whose CA it does not trust\n%s", opaque, log)
		}
		if !bytes.Contains(log, []byte("status = SigningCertNotTrusted")) {
			t.Errorf("opaque=%v: cmsutil -D: %v, want status SigningCertNotTrusted\n%s", opaque, err, log)
		}
	}
}

// tamperOpaque returns the signed-data der with one byte of its
// encapsulated content want changed.
func tamperOpaque(t *testing.T, der, want []byte) []byte {
	t.Helper()
	i := bytes.Index(der, want)
	if i < 0 {
		t.Fatal("content not found in the signed-data")
	}
	c := bytes.Clone(der)
	c[i+len(want)-3] ^= 0x01
	return c
}

// checkNSSRejects asserts that cmsutil -D fails for a signature that
// does not match its content, and says why.
func checkNSSRejects(t *testing.T, db string, der, content []byte) {
	t.Helper()
	_, log, err := cmsDecode(t, db, der, content)
	if err == nil {
		t.Fatalf("cmsutil -D accepted changed content\n%s", log)
	}
	if !bytes.Contains(log, []byte("status = DigestMismatch")) {
		t.Errorf("cmsutil -D on changed content: %v, want status DigestMismatch\n%s", err, log)
	}
}

// TestNSSDecryptsOurEnvelopes: cmsutil -D decrypts what we encrypt for
// the RSA recipient with AES-256-CBC and AES-128-CBC and gives back the
// canonical entity byte for byte; a sign-then-encrypt message decrypts
// to our signed entity, which NSS then verifies.
func TestNSSDecryptsOurEnvelopes(t *testing.T) {
	p := getPKI(t)
	bob := &Signer{Certificate: p.recipient, Key: p.recipientKey}
	db := nssDB(t, p, bob)
	for _, c := range []Cipher{AES256CBC, AES128CBC} {
		for _, name := range []string{"ascii", "utf8", "multipart", "lf"} {
			t.Run(c.String()+"/"+name, func(t *testing.T) {
				entity := testEntities[name]
				want, err := canonicalize([]byte(entity))
				if err != nil {
					t.Fatal(err)
				}
				e, err := Encrypt(strings.NewReader(entity), []*x509.Certificate{p.recipient}, &EncryptOptions{Cipher: c})
				if err != nil {
					t.Fatal(err)
				}
				der, _ := cmsObject(t, e.Bytes())
				got, log, err := cmsDecode(t, db, der, nil)
				if err != nil {
					t.Fatalf("cmsutil -D: %v\n%s", err, log)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("cmsutil content = %q, want %q", got, want)
				}
			})
		}
	}
	for _, opaque := range []bool{false, true} {
		t.Run("sign-then-encrypt/opaque="+map[bool]string{false: "no", true: "yes"}[opaque], func(t *testing.T) {
			entity := testEntities["utf8"]
			want, err := canonicalize([]byte(entity))
			if err != nil {
				t.Fatal(err)
			}
			// With the signing time and the boundary fixed, an RSA
			// PKCS #1 v1.5 signature is deterministic, so the decrypted
			// layer must be exactly what Sign gives.
			now := time.Now().Truncate(time.Second)
			so := func() *SignOptions {
				return &SignOptions{Opaque: opaque, Now: func() time.Time { return now },
					Rand: strings.NewReader(strings.Repeat("b", 64))}
			}
			signed := signOrFail(t, entity, p.signer, so()).Bytes()
			e, err := SignAndEncrypt(strings.NewReader(entity), p.signer, []*x509.Certificate{p.recipient}, so(), nil)
			if err != nil {
				t.Fatal(err)
			}
			der, _ := cmsObject(t, e.Bytes())
			inner, log, err := cmsDecode(t, db, der, nil)
			if err != nil {
				t.Fatalf("cmsutil -D: %v\n%s", err, log)
			}
			if !bytes.Equal(inner, signed) {
				t.Errorf("decrypted layer %.300q, want %.300q", inner, signed)
			}
			sder, detached := cmsObject(t, inner)
			var content []byte
			if !opaque {
				content = detached
				if !bytes.Equal(detached, want) {
					t.Errorf("signed entity %q, want %q", detached, want)
				}
			}
			got, log, err := cmsDecode(t, db, sder, content)
			if err != nil {
				t.Fatalf("cmsutil -D of the inner signature: %v\n%s", err, log)
			}
			if opaque && !bytes.Equal(got, want) {
				t.Errorf("cmsutil content = %q, want %q", got, want)
			}
		})
	}
}

// nssEncrypt runs cmsutil -E for recipient (an email address or a
// nickname) on content and returns the enveloped-data and the error.
func nssEncrypt(t *testing.T, db, recipient string, content []byte) ([]byte, []byte, error) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out.der")
	stdout, stderr, err := nssRun(t, "cmsutil", "-E", "-r", recipient, "-i", writeTemp(t, "content", content), "-d", db, "-o", out)
	der, _ := os.ReadFile(out)
	return der, append(stdout, stderr...), err
}

// TestNSSDecryptsECRecipient: ephemeral-static ECDH (RFC 5753) to a P-256
// recipient, in both directions. NSS 3.87's CMS has no key agreement
// recipients; the test records that and skips instead of passing.
func TestNSSDecryptsECRecipient(t *testing.T) {
	p := getPKI(t)
	dave := &Signer{Certificate: p.recipientEC, Key: p.recipECKey}
	db := nssDB(t, p, dave)
	entity := testEntities["ascii"]
	der, log, err := nssEncrypt(t, db, "dave@example.test", []byte(entity))
	if err != nil {
		t.Logf("cmsutil -E to an EC recipient fails: %v\n%s", err, log)
	} else {
		got, derr := Decrypt(bytes.NewReader(pkcs7MIME("enveloped-data", der).Bytes()), p.recipientEC, p.recipECKey)
		if derr != nil || !bytes.Equal(got, []byte(entity)) {
			t.Errorf("Decrypt of NSS's EC envelope = %q, %v; want %q", got, derr, entity)
		}
	}
	e, err2 := Encrypt(strings.NewReader(entity), []*x509.Certificate{p.recipientEC}, nil)
	if err2 != nil {
		t.Fatal(err2)
	}
	der2, _ := cmsObject(t, e.Bytes())
	got, log2, err2 := cmsDecode(t, db, der2, nil)
	if err2 != nil {
		t.Logf("cmsutil -D of our EC envelope fails: %v\n%s", err2, log2)
	} else if !bytes.Equal(got, []byte(entity)) {
		t.Errorf("cmsutil content = %q, want %q", got, entity)
	}
	if err != nil || err2 != nil {
		t.Skip("NSS cmsutil cannot do ECDH key agreement recipients (see log); not proven against NSS")
	}
}

// TestNSSAuthEnveloped: AES-GCM authEnveloped-data (RFC 5083). NSS 3.87
// does not read it; the test records cmsutil's answer and skips instead
// of passing. If NSS ever reads it, the content must be ours byte for
// byte.
func TestNSSAuthEnveloped(t *testing.T) {
	p := getPKI(t)
	bob := &Signer{Certificate: p.recipient, Key: p.recipientKey}
	db := nssDB(t, p, bob)
	entity := testEntities["ascii"]
	var failed []string
	for _, c := range []Cipher{AES128GCM, AES256GCM} {
		e, err := Encrypt(strings.NewReader(entity), []*x509.Certificate{p.recipient}, &EncryptOptions{Cipher: c})
		if err != nil {
			t.Fatal(err)
		}
		der, _ := cmsObject(t, e.Bytes())
		got, log, err := cmsDecode(t, db, der, nil)
		if err != nil {
			t.Logf("%v: cmsutil -D fails: %v\n%s", c, err, log)
			failed = append(failed, c.String())
			continue
		}
		if !bytes.Equal(got, []byte(entity)) {
			t.Errorf("%v: cmsutil content = %q, want %q", c, got, entity)
		}
	}
	if failed != nil {
		t.Skipf("NSS cmsutil cannot read authEnveloped-data (%s); not proven against NSS", strings.Join(failed, ", "))
	}
}

// nssSign runs cmsutil -S with the key named nick and the digest hash
// (SHA256, SHA384, SHA512), opaque or detached
// (-T), with a signing time (-G) and S/MIME capabilities (-P) as
// Thunderbird sends, and returns the signed-data.
func nssSign(t *testing.T, db, nick, hash string, content []byte, detached bool) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out.der")
	args := []string{"-S", "-N", nick, "-H", hash, "-G", "-P", "-i", writeTemp(t, "content", content), "-d", db, "-o", out}
	if detached {
		args = append(args, "-T")
	}
	mustNSS(t, "cmsutil", args...)
	der, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// multipartSignedFrom builds a multipart/signed entity from a signed
// entity and a detached signature, as a mail client does.
func multipartSignedFrom(content, sig []byte, micalg string) []byte {
	var b bytes.Buffer
	b.WriteString("Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=" + micalg + "; boundary=\"nss-boundary\"\r\n\r\n")
	b.WriteString("This is a cryptographically signed message in MIME format.\r\n\r\n--nss-boundary\r\n")
	b.Write(content)
	b.WriteString("\r\n--nss-boundary\r\n")
	b.WriteString("Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\nContent-Transfer-Encoding: base64\r\n")
	b.WriteString("Content-Disposition: attachment; filename=\"smime.p7s\"\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString(sig)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n\r\n--nss-boundary--\r\n")
	return b.Bytes()
}

// TestWeVerifyNSSSignatures: Verify accepts opaque and detached
// signatures cmsutil makes with alice's RSA and ECDSA keys (SHA-256,
// SHA-384, SHA-512), with the test
// CA as root, reports alice and the signing time, and gives the content
// back; changed content gives ErrDigestMismatch.
func TestWeVerifyNSSSignatures(t *testing.T) {
	p := getPKI(t)
	for _, sname := range []string{"rsa", "ecdsa"} {
		s := map[string]*Signer{"rsa": p.signer, "ecdsa": p.signerEC}[sname]
		db := nssDB(t, p, s)
		cases := []struct{ entity, hash string }{{"ascii", "SHA256"}, {"utf8", "SHA256"}, {"multipart", "SHA256"},
			{"utf8", "SHA384"}, {"utf8", "SHA512"}}
		for _, c := range cases {
			name, hash := c.entity, c.hash
			micalg := "sha-" + hash[3:]
			for _, detached := range []bool{false, true} {
				t.Run(sname+"/"+name+"/"+hash+"/detached="+map[bool]string{false: "no", true: "yes"}[detached], func(t *testing.T) {
					want, err := canonicalize([]byte(testEntities[name]))
					if err != nil {
						t.Fatal(err)
					}
					der := nssSign(t, db, "alice@example.test", hash, want, detached)
					oid, _ := asn1.Marshal(map[string]asn1.ObjectIdentifier{"SHA256": oidSHA256, "SHA384": oidSHA384, "SHA512": oidSHA512}[hash])
					if !bytes.Contains(der, oid) {
						t.Fatalf("cmsutil -H %s: no %s digest algorithm in the signed-data", hash, hash)
					}
					var msg, bad []byte
					if detached {
						msg = multipartSignedFrom(want, der, micalg)
						bad = multipartSignedFrom(tamper(want), der, micalg)
					} else {
						msg = pkcs7MIME("signed-data", der).Bytes()
						bad = pkcs7MIME("signed-data", tamperOpaque(t, der, want)).Bytes()
					}
					v, err := Verify(bytes.NewReader(msg), p.roots(), nil)
					if err != nil {
						t.Fatalf("Verify: %v", err)
					}
					if !bytes.Equal(v.Content, want) || v.Opaque == detached {
						t.Errorf("Verify = %q opaque=%v, want %q opaque=%v", v.Content, v.Opaque, want, !detached)
					}
					if !v.Signer.Equal(s.Certificate) {
						t.Errorf("signer %s, want alice", v.Signer.Subject)
					}
					if v.SigningTime.IsZero() {
						t.Error("no signing time, cmsutil -G adds one")
					}
					if _, err := Verify(bytes.NewReader(bad), p.roots(), nil); !errors.Is(err, ErrDigestMismatch) {
						t.Errorf("Verify of changed content: %v, want ErrDigestMismatch", err)
					}
				})
			}
		}
	}
}

// TestWeDecryptNSSEnvelopes: Decrypt reads what cmsutil -E encrypts to
// bob and gives the content back byte for byte; a changed ciphertext
// gives ErrDecrypt (or, when the change survives the padding check, not
// the original content).
func TestWeDecryptNSSEnvelopes(t *testing.T) {
	p := getPKI(t)
	db := nssDB(t, p)
	nssAddCert(t, db, "bob", p.recipient)
	for _, name := range []string{"ascii", "utf8", "multipart"} {
		t.Run(name, func(t *testing.T) {
			want, err := canonicalize([]byte(testEntities[name]))
			if err != nil {
				t.Fatal(err)
			}
			der, log, err := nssEncrypt(t, db, "bob@example.test", want)
			if err != nil {
				t.Fatalf("cmsutil -E: %v\n%s", err, log)
			}
			got, err := Decrypt(bytes.NewReader(pkcs7MIME("enveloped-data", der).Bytes()), p.recipient, p.recipientKey)
			if err != nil {
				t.Fatalf("Decrypt: %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Decrypt = %q, want %q", got, want)
			}
			// Flipping the top bit of the last byte of the
			// second-to-last ciphertext block flips it in the padding
			// byte, which then exceeds 16 whatever the key.
			bad, at, alg := ciphertextOffsets(t, der)
			if !alg.Equal(oidAES128CBC) && !alg.Equal(oidAES256CBC) {
				t.Errorf("cmsutil -E content cipher %v, want AES-CBC", alg)
			}
			t.Logf("cmsutil -E content cipher %v", alg)
			if got, err := Decrypt(bytes.NewReader(pkcs7MIME("enveloped-data", bad).Bytes()), p.recipient, p.recipientKey); err != nil || !bytes.Equal(got, want) {
				t.Fatalf("Decrypt of the DER form = %q, %v; want %q", got, err, want)
			}
			if len(at) < 32 {
				t.Fatalf("ciphertext of %d octets, want at least two blocks", len(at))
			}
			bad[at[len(at)-17]] ^= 0x80
			if got, err := Decrypt(bytes.NewReader(pkcs7MIME("enveloped-data", bad).Bytes()), p.recipient, p.recipientKey); !errors.Is(err, ErrDecrypt) {
				t.Errorf("Decrypt of a changed ciphertext = %q, %v; want ErrDecrypt", got, err)
			}
		})
	}
}

// ciphertextOffsets returns an enveloped-data object in DER form, the
// offsets in it of every octet of its encrypted content, which cmsutil
// writes as a constructed string of several pieces, and the content
// cipher.
func ciphertextOffsets(t *testing.T, ber []byte) ([]byte, []int, asn1.ObjectIdentifier) {
	t.Helper()
	der, err := berToDER(ber)
	if err != nil {
		t.Fatal(err)
	}
	var v asn1.RawValue
	if _, err := asn1.Unmarshal(der, &v); err != nil {
		t.Fatal(err)
	}
	root := asn1Node{v, len(v.FullBytes) - len(v.Bytes)}
	// ContentInfo [0] -> EnvelopedData -> last field, EncryptedContentInfo
	// -> encryptedContent [0].
	env := root.kids(t)[1].kids(t)[0].kids(t)
	eci := env[len(env)-1].kids(t)
	if len(eci) != 3 {
		t.Fatalf("EncryptedContentInfo has %d fields, want 3", len(eci))
	}
	ec := eci[2]
	pieces := []asn1Node{ec}
	if ec.v.IsCompound {
		pieces = ec.kids(t)
	}
	var at []int
	for _, n := range pieces {
		for i := range n.v.Bytes {
			at = append(at, n.off+i)
		}
	}
	var alg struct {
		Algorithm asn1.ObjectIdentifier
		Params    asn1.RawValue `asn1:"optional"`
	}
	if _, err := asn1.Unmarshal(eci[1].v.FullBytes, &alg); err != nil {
		t.Fatal(err)
	}
	return der, at, alg.Algorithm
}

// asn1Node is a parsed element and the offset of its contents in the
// whole object.
type asn1Node struct {
	v   asn1.RawValue
	off int
}

// kids parses the elements inside n.
func (n asn1Node) kids(t *testing.T) []asn1Node {
	t.Helper()
	var out []asn1Node
	rest, pos := n.v.Bytes, n.off
	for len(rest) > 0 {
		var v asn1.RawValue
		r, err := asn1.Unmarshal(rest, &v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, asn1Node{v, pos + len(v.FullBytes) - len(v.Bytes)})
		pos += len(v.FullBytes)
		rest = r
	}
	return out
}
