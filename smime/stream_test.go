// SPDX-License-Identifier: Apache-2.0

package smime

import (
	"bytes"
	"crypto/x509"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// TestB64Writer: the streaming base64 writer gives the same lines as
// encodeBase64 whatever the sizes of the writes, and b64Size predicts
// their length.
func TestB64Writer(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 3, 56, 57, 58, 114, 1000, 57 * 1024, 57*1024 + 1, 200000} {
		in := make([]byte, n)
		for i := range in {
			in[i] = byte(r.IntN(256))
		}
		want := encodeBase64(in)
		if int64(len(want)) != b64Size(int64(n)) {
			t.Errorf("b64Size(%d) = %d, want %d", n, b64Size(int64(n)), len(want))
		}
		for _, chunk := range []int{1, 7, 57, 4096, n + 1} {
			var out bytes.Buffer
			w := &b64Writer{w: &out}
			for p := in; len(p) > 0; {
				k := min(chunk, len(p))
				w.Write(p[:k])
				p = p[k:]
			}
			w.Close()
			if !bytes.Equal(out.Bytes(), want) {
				t.Errorf("n=%d chunk=%d: b64Writer wrote %d bytes different from encodeBase64's %d", n, chunk, out.Len(), len(want))
			}
		}
	}
}

// TestEncryptLengths: content lengths around the AES block size and the
// 64 KiB chunk of the CBC writer come back byte for byte from Decrypt and
// from openssl cms -decrypt.
func TestEncryptLengths(t *testing.T) {
	p := getPKI(t)
	const head = "Content-Type: text/plain\r\n\r\n"
	line := strings.Repeat("x", 72) + "\r\n"
	for _, n := range []int{len(head), 47, 48, 49, 64<<10 - 1, 64 << 10, 64<<10 + 1, 300000} {
		body := []byte(strings.Repeat(line, n/len(line)+1)[:n-len(head)])
		if len(body) > 0 && body[len(body)-1] == '\r' {
			body[len(body)-1] = 'x'
		}
		entity := head + string(body)
		e := encryptOrFail(t, entity, []*x509.Certificate{p.recipient}, nil)
		got, err := Decrypt(bytes.NewReader(e.Bytes()), p.recipient, p.recipientKey)
		if err != nil || string(got) != entity {
			t.Errorf("n=%d: Decrypt = %d bytes, %v; want the %d bytes encrypted", n, len(got), err, len(entity))
		}
		if got := opensslDecrypt(t, p, e.Bytes(), "recipient"); string(got) != entity {
			t.Errorf("n=%d: openssl decrypted %d bytes, want %d", n, len(got), len(entity))
		}
	}
}

// TestProtectMatchesEntity: Protect writes exactly what Sign produces for
// the message's entity, behind the clear header fields, for detached and
// opaque signatures (RSA signatures are deterministic with Now and Rand
// fixed).
func TestProtectMatchesEntity(t *testing.T) {
	p := getPKI(t)
	now := p.signer.Certificate.NotBefore.Add(time.Hour)
	for _, opaque := range []bool{false, true} {
		o := func() *SignOptions {
			return &SignOptions{Opaque: opaque, Now: func() time.Time { return now }, Rand: bytes.NewReader(make([]byte, 15))}
		}
		var out bytes.Buffer
		pr := &Protector{Signer: p.signer, SignOptions: o()}
		if err := pr.Protect(&out, strings.NewReader(testMessage)); err != nil {
			t.Fatal(err)
		}
		e, err := Sign(strings.NewReader(testInner), p.signer, o())
		if err != nil {
			t.Fatal(err)
		}
		if want := testOuter + string(e.Bytes()); out.String() != want {
			t.Errorf("opaque=%v: Protect wrote\n%q\nwant\n%q", opaque, out.String(), want)
		}
	}
}

// TestProtectLarge: a message with a 1 MiB attachment, signed and then
// encrypted with AES-CBC as it is written, opens with openssl cms and
// verifies.
func TestProtectLarge(t *testing.T) {
	p := getPKI(t)
	raw := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	entity := "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee the file\r\n" +
		"--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		string(encodeBase64(raw)) + "\r\n--b--\r\n"
	msg := "From: alice@example.test\r\nSubject: big\r\n" + entity
	var out bytes.Buffer
	pr := &Protector{Signer: p.signer, Recipients: []*x509.Certificate{p.recipient}}
	if err := pr.Protect(&out, strings.NewReader(msg)); err != nil {
		t.Fatal(err)
	}
	signed := opensslDecrypt(t, p, out.Bytes(), "recipient")
	if got := opensslVerify(t, p, signed); string(got) != entity {
		t.Errorf("openssl verified %d bytes, want the %d-byte entity", len(got), len(entity))
	}
}
