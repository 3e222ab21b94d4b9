// SPDX-License-Identifier: Apache-2.0

package conformance_test

// The interoperability matrix: every way of reaching the real Postfix and
// Dovecot (plain, STARTTLS, implicit TLS, and Cyrus SASL for NTLM) with
// every SASL mechanism it offers, messages of every shape (attachments,
// 8-bit, SMTPUTF8, 10 MiB), DKIM checked by python3-dkim and OpenDKIM, and
// S/MIME checked by openssl cms. Every delivered copy is compared byte for
// byte with what was sent, after the trace fields the server put in front.
//
// Each cell is a subtest; with MATRIX_OUT set, each also appends one line
// "row<TAB>column<TAB>peer<TAB>result" to that file, which .ci/run prints
// as a table.

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailwright/mailwright/dkim"
	"github.com/mailwright/mailwright/saslmech"
	"github.com/mailwright/mailwright/smime"
	"github.com/mailwright/mailwright/smtpclient"
	"github.com/mailwright/mailwright/tlsprofile"
)

// cyrusPort is Postfix with Cyrus SASL (NTLM); testToken, the bearer token
// the OAuth stub accepts, is declared with the other peer tier settings.
var cyrusPort = env("PF_CYRUS_PORT", "2526")

// matrixMu serialises writes to MATRIX_OUT.
var matrixMu sync.Mutex

// cell records one result of the matrix.
func cell(t *testing.T, row, column, peer string) {
	t.Cleanup(func() {
		out := os.Getenv("MATRIX_OUT")
		if out == "" {
			return
		}
		result := "pass"
		switch {
		case t.Failed():
			result = "FAIL"
		case t.Skipped():
			result = "skip"
		}
		matrixMu.Lock()
		defer matrixMu.Unlock()
		f, err := os.OpenFile(out, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return
		}
		defer f.Close()
		fmt.Fprintf(f, "%s\t%s\t%s\t%s\n", row, column, peer, result)
	})
}

// versions of the peers, asked once.
var (
	versionsOnce sync.Once
	versions     map[string]string
)

func peerVersion(name string) string {
	versionsOnce.Do(func() {
		versions = map[string]string{}
		ask := func(key string, argv ...string) {
			out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
			if err != nil {
				versions[key] = key + " (version unknown)"
				return
			}
			versions[key] = strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
		}
		ask("postfix", "/usr/sbin/postconf", "-d", "-h", "mail_version")
		versions["postfix"] = "Postfix " + versions["postfix"]
		ask("dovecot", "dovecot", "--version")
		versions["dovecot"] = "Dovecot " + strings.Fields(versions["dovecot"] + " ?")[0]
		ask("dkimpy", "dpkg-query", "-W", "-f", "python3-dkim ${Version}", "python3-dkim")
		ask("opendkim", "dpkg-query", "-W", "-f", "OpenDKIM ${Version}", "opendkim")
		ask("cyrus", "dpkg-query", "-W", "-f", "Cyrus SASL ${Version}", "libsasl2-2")
		ask("openssl", "openssl", "version")
		if f := strings.Fields(versions["openssl"]); len(f) >= 2 {
			versions["openssl"] = f[0] + " " + f[1]
		}
	})
	return versions[name]
}

// transport is one way of reaching Postfix.
type transport struct {
	name     string
	port     *string
	implicit bool
	starttls bool
	sasl     string // "dovecot" or "cyrus"
}

var transports = []transport{
	{name: "plain :2525", port: &smtpPort, sasl: "dovecot"},
	{name: "STARTTLS :2587", port: &submitPort, starttls: true, sasl: "dovecot"},
	{name: "implicit TLS :2465", port: &smtpsPort, implicit: true, sasl: "dovecot"},
	{name: "STARTTLS :2526 (Cyrus)", port: &cyrusPort, starttls: true, sasl: "cyrus"},
}

func mechanismsFor(tr transport) []string {
	if tr.sasl == "cyrus" {
		return []string{"NTLM", "SCRAM-SHA-256"}
	}
	return []string{"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256", "XOAUTH2", "OAUTHBEARER"}
}

func newMechanism(name string, port int) saslmech.Mechanism {
	switch name {
	case "PLAIN":
		return saslmech.NewPlain("", testUser, testPass)
	case "LOGIN":
		return saslmech.NewLogin(testUser, testPass)
	case "CRAM-MD5":
		return saslmech.NewCRAMMD5(testUser, testPass)
	case "SCRAM-SHA-1":
		return saslmech.NewSCRAMSHA1(testUser, testPass)
	case "SCRAM-SHA-256":
		return saslmech.NewSCRAMSHA256(testUser, testPass)
	case "NTLM":
		return saslmech.NewNTLM(strings.SplitN(testUser, "@", 2)[0], testPass)
	case "XOAUTH2":
		return saslmech.NewXOAUTH2(testUser, testToken)
	case "OAUTHBEARER":
		return saslmech.NewOAuthBearer(testUser, "127.0.0.1", port, testToken)
	}
	panic("unknown mechanism " + name)
}

// dialPeer connects to the transport, authenticated with mech.
func dialPeer(t *testing.T, ctx context.Context, tr transport, mech string) *smtpclient.Client {
	t.Helper()
	p := peer(t, *tr.port)
	ca, err := os.ReadFile(caFile())
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	o := &smtpclient.Options{
		LocalName: "client.example.test",
		TLSConfig: &tls.Config{RootCAs: pool, ServerName: "mail.example.test"},
		TLSPolicy: tlsprofile.Verify,
	}
	if !tr.starttls && !tr.implicit {
		o.TLSPolicy = tlsprofile.None
		// Loopback: saslmech allows it; the choice is spelled out anyway.
		o.Insecure = saslmech.Insecure{ChallengeResponse: true, RevealSecret: true}
	}
	addr := fmt.Sprintf("127.0.0.1:%d", p)
	dial := smtpclient.Dial
	if tr.implicit {
		dial = smtpclient.DialTLS
	}
	c, err := dial(ctx, addr, o)
	if err != nil {
		t.Fatalf("dial %s: %v", tr.name, err)
	}
	if mech != "" {
		if err := c.Auth(ctx, newMechanism(mech, p)); err != nil {
			c.Close()
			t.Fatalf("AUTH %s on %s: %v", mech, tr.name, err)
		}
	}
	return c
}

// sendAndFetch sends msg through c and returns the copy delivered to the
// mailbox ("alice" or "catchall"), checked to be byte for byte the message
// after the server's trace fields.
func sendAndFetch(t *testing.T, ctx context.Context, c *smtpclient.Client, to, mailbox, marker string, msg []byte) []byte {
	t.Helper()
	if _, err := c.SendMail(ctx, testUser, []string{to}, bytes.NewReader(msg), nil); err != nil {
		t.Fatalf("SendMail: %v", err)
	}
	c.Quit(ctx) //nolint:errcheck
	got := deliveredTo(t, mailbox, marker)
	if !bytes.HasSuffix(got, msg) {
		t.Fatalf("delivered copy (%d bytes) differs from the %d bytes sent", len(got), len(msg))
	}
	for _, line := range strings.Split(string(got[:len(got)-len(msg)]), "\r\n") {
		name, _, _ := strings.Cut(line, ":")
		switch strings.ToLower(name) {
		case "", "return-path", "delivered-to", "received", "x-original-to":
		default:
			if !strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "\t") {
				t.Errorf("the server put %q in front of the message", line)
			}
		}
	}
	return got
}

// deliveredTo finds the delivered file containing marker in a mailbox of
// example.test or in the catch-all Maildir.
func deliveredTo(t *testing.T, mailbox, marker string) []byte {
	t.Helper()
	if mailbox != "catchall" {
		return delivered(t, mailbox, marker)
	}
	return waitForMessage(t, filepath.Join(peersDir, "mail", "catchall", "new"), marker, 15*time.Second)
}

func marker(t *testing.T) string {
	var b [6]byte
	rand.Read(b[:])
	return fmt.Sprintf("mx-%x", b)
}

func simpleMessage(marker, extraHeader, body string) []byte {
	return []byte("From: Matrix <user@example.test>\r\nTo: alice@example.test\r\n" +
		"Subject: matrix " + marker + "\r\nDate: Fri, 04 Dec 2026 17:00:00 +0000\r\n" +
		"Message-ID: <" + marker + "@example.test>\r\n" + extraHeader +
		"\r\n" + body)
}

// TestPeerTierMatrixSASL: every transport with every mechanism its SASL
// server offers.
func TestPeerTierMatrixSASL(t *testing.T) {
	for _, tr := range transports {
		for _, mech := range mechanismsFor(tr) {
			t.Run(tr.name+"/"+mech, func(t *testing.T) {
				peerName := peerVersion("postfix") + " + " + peerVersion(tr.sasl)
				cell(t, tr.name, mech, peerName)
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				c := dialPeer(t, ctx, tr, mech)
				defer c.Close()
				m := marker(t)
				sendAndFetch(t, ctx, c, "alice@example.test", "alice", m,
					simpleMessage(m, "", "Sent over "+tr.name+" after AUTH "+mech+".\r\n.leading dot\r\n"))
			})
		}
	}
}

// TestPeerTierMatrixContent: messages of every shape over STARTTLS.
func TestPeerTierMatrixContent(t *testing.T) {
	tr := transports[1]
	type content struct {
		name    string
		to, box string
		build   func(m string) []byte
	}
	contents := []content{
		{"attachments", "alice@example.test", "alice", func(m string) []byte {
			bin := make([]byte, 3000)
			for i := range bin {
				bin[i] = byte(i * 7)
			}
			b64 := base64.StdEncoding.EncodeToString(bin)
			var lines []string
			for len(b64) > 76 {
				lines, b64 = append(lines, b64[:76]), b64[76:]
			}
			lines = append(lines, b64)
			return simpleMessage(m, "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n",
				"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the files.\r\n"+
					"--b1\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"data.bin\"\r\n"+
					"Content-Transfer-Encoding: base64\r\n\r\n"+strings.Join(lines, "\r\n")+"\r\n"+
					"--b1\r\nContent-Type: text/csv\r\nContent-Disposition: attachment; filename=\"t.csv\"\r\n\r\na,b\r\n1,2\r\n--b1--\r\n")
		}},
		{"8-bit", "alice@example.test", "alice", func(m string) []byte {
			return simpleMessage(m, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n",
				"Grüße aus Köln, ½ € — 8-bit body.\r\n")
		}},
		{"SMTPUTF8", "δοκιμή@example.test", "catchall", func(m string) []byte {
			return []byte("From: Jürgen <user@example.test>\r\nTo: δοκιμή@example.test\r\nSubject: matrix " + m + " ✓ UTF-8\r\n" +
				"Date: Fri, 04 Dec 2026 17:00:00 +0000\r\nMessage-ID: <" + m + "@example.test>\r\nMIME-Version: 1.0\r\n" +
				"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nΚαλημέρα.\r\n")
		}},
		{"10 MiB", "alice@example.test", "alice", func(m string) []byte {
			var b bytes.Buffer
			b.Write(simpleMessage(m, "", ""))
			line := strings.Repeat("0123456789abcdef", 4) + "\r\n" // 66 octets
			for b.Len() < 10<<20 {
				b.WriteString(line)
			}
			return b.Bytes()
		}},
	}
	for _, ct := range contents {
		t.Run(ct.name, func(t *testing.T) {
			cell(t, tr.name+" PLAIN", ct.name, peerVersion("postfix")+" + "+peerVersion("dovecot"))
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			c := dialPeer(t, ctx, tr, "PLAIN")
			defer c.Close()
			m := marker(t)
			sendAndFetch(t, ctx, c, ct.to, ct.box, m, ct.build(m))
		})
	}
}

// TestPeerTierMatrixDKIM: signed by mailwright, sent through Postfix, the
// delivered copy verified by python3-dkim and by OpenDKIM.
func TestPeerTierMatrixDKIM(t *testing.T) {
	dir := t.TempDir()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	edPub, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaSPKI, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	keys := []struct {
		name   string
		signer crypto.Signer
		txt    string
	}{
		{"rsa-sha256", rsaKey, "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(rsaSPKI)},
		{"ed25519-sha256", edKey, "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(edPub)},
	}
	for _, k := range keys {
		for _, canon := range []dkim.Canonicalization{dkim.Relaxed, dkim.Simple} {
			name := fmt.Sprintf("%s %s/%s", k.name, canon, canon)
			t.Run(name, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				m := marker(t)
				raw := simpleMessage(m, "", "Signed by mailwright.\r\n\r\n\r\n")
				var signed bytes.Buffer
				err := dkim.Sign(&signed, bytes.NewReader(raw), &dkim.SignOptions{Domain: "example.test", Selector: "mx",
					Signer: k.signer, HeaderCanonicalization: canon, BodyCanonicalization: canon})
				if err != nil {
					t.Fatal(err)
				}
				c := dialPeer(t, ctx, transports[1], "PLAIN")
				defer c.Close()
				got := sendAndFetch(t, ctx, c, "alice@example.test", "alice", m, signed.Bytes())
				msgFile := filepath.Join(dir, m+".eml")
				if err := os.WriteFile(msgFile, got, 0o644); err != nil {
					t.Fatal(err)
				}
				txtFile := filepath.Join(dir, m+".txt")
				os.WriteFile(txtFile, []byte(k.txt), 0o644)
				t.Run("python3-dkim", func(t *testing.T) {
					cell(t, "DKIM "+name, "python3-dkim", peerVersion("dkimpy"))
					if out, err := dkimpy(got, txtFile); err != nil {
						t.Fatalf("python3-dkim rejects the delivered copy: %v\n%s", err, out)
					}
				})
				t.Run("OpenDKIM", func(t *testing.T) {
					cell(t, "DKIM "+name, "OpenDKIM", peerVersion("opendkim"))
					dns := filepath.Join(dir, m+".dns")
					os.WriteFile(dns, []byte("mx._domainkey.example.test "+k.txt+"\n"), 0o644)
					out, err := exec.Command("bash", "../peers/opendkim-verify.sh", "--dns", dns, msgFile).CombinedOutput()
					if err != nil || !strings.Contains(string(out), ": pass") {
						t.Fatalf("OpenDKIM: %v\n%s", err, out)
					}
				})
			})
		}
	}
}

// TestPeerTierMatrixSMIME: signed, encrypted, and signed-then-encrypted
// by mailwright, sent through Postfix, and opened by openssl cms.
func TestPeerTierMatrixSMIME(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		if os.Getenv("MAILPEERS") == "1" {
			t.Fatal("openssl is not installed")
		}
		t.Skip("openssl is not installed")
	}
	dir := t.TempDir()
	pki := newSMIMEPKI(t, dir)
	for _, mode := range []string{"signed", "encrypted", "signed+encrypted"} {
		t.Run(mode, func(t *testing.T) {
			cell(t, "S/MIME "+mode, "openssl cms", peerVersion("openssl"))
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			m := marker(t)
			inner := "Content-Type: text/plain; charset=utf-8\r\n\r\nS/MIME " + mode + " " + m + "\r\n"
			raw := []byte("From: Matrix <user@example.test>\r\nTo: alice@example.test\r\nSubject: matrix " + m + "\r\n" +
				"Date: Fri, 04 Dec 2026 17:00:00 +0000\r\nMessage-ID: <" + m + "@example.test>\r\nMIME-Version: 1.0\r\n" + inner)
			p := &smime.Protector{}
			if strings.Contains(mode, "signed") {
				p.Signer = pki.signer
			}
			if strings.Contains(mode, "encrypted") {
				p.Recipients = []*x509.Certificate{pki.recipient}
			}
			var out bytes.Buffer
			if err := p.Protect(&out, bytes.NewReader(raw)); err != nil {
				t.Fatal(err)
			}
			c := dialPeer(t, ctx, transports[1], "PLAIN")
			defer c.Close()
			got := sendAndFetch(t, ctx, c, "alice@example.test", "alice", "matrix "+m, out.Bytes())
			file := filepath.Join(dir, m+".eml")
			os.WriteFile(file, got, 0o644)
			text := got
			if strings.Contains(mode, "encrypted") {
				dec, err := exec.Command("openssl", "cms", "-decrypt", "-in", file, "-recip", pki.recipientCert, "-inkey", pki.recipientKey).CombinedOutput()
				if err != nil {
					t.Fatalf("openssl cms -decrypt: %v\n%s", err, dec)
				}
				text = dec
				file = filepath.Join(dir, m+".dec.eml")
				os.WriteFile(file, dec, 0o644)
			}
			if strings.Contains(mode, "signed") {
				ver, err := exec.Command("openssl", "cms", "-verify", "-in", file, "-CAfile", pki.caFile, "-purpose", "smimesign").CombinedOutput()
				if err != nil {
					t.Fatalf("openssl cms -verify: %v\n%s", err, ver)
				}
				text = ver
			}
			if !bytes.Contains(text, []byte("S/MIME "+mode+" "+m)) {
				t.Errorf("openssl's output does not hold the text:\n%s", text)
			}
		})
	}
}

// smimePKI is a CA, a signer certificate for user@example.test and a
// recipient certificate for alice@example.test, made for one run.
type smimePKI struct {
	signer                      *smime.Signer
	recipient                   *x509.Certificate
	caFile                      string
	recipientCert, recipientKey string
}

func newSMIMEPKI(t *testing.T, dir string) *smimePKI {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now()
	caT := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "matrix S/MIME CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caT, caT, caKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leaf := func(serial int64, email string, key crypto.Signer, usage x509.KeyUsage) *x509.Certificate {
		tm := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: email},
			EmailAddresses: []string{email}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
			KeyUsage: usage, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}}
		der, err := x509.CreateCertificate(rand.Reader, tm, ca, key.Public(), caKey)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		return c
	}
	sKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	rKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	sCert := leaf(2, "user@example.test", sKey, x509.KeyUsageDigitalSignature)
	rCert := leaf(3, "alice@example.test", rKey, x509.KeyUsageKeyEncipherment|x509.KeyUsageDigitalSignature)
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rKeyDER, _ := x509.MarshalPKCS8PrivateKey(rKey)
	return &smimePKI{
		signer:        &smime.Signer{Certificate: sCert, Key: sKey, Chain: []*x509.Certificate{ca}},
		recipient:     rCert,
		caFile:        write("ca.pem", "CERTIFICATE", ca.Raw),
		recipientCert: write("alice.pem", "CERTIFICATE", rCert.Raw),
		recipientKey:  write("alice.key", "PRIVATE KEY", rKeyDER),
	}
}
