// SPDX-License-Identifier: Apache-2.0

package conformance_test

// The real-server tier: mailsender and the mailwright command send through a
// real Postfix with Dovecot SASL (peers/postfix-start.sh), the delivered
// copy is read back from the Maildir and compared byte for byte, and its DKIM
// signature is checked with Debian's python3-dkim. Every test skips when the
// peers are not running, and fails instead when MAILPEERS=1.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailwright/mailwright/mailsender"
	"github.com/mailwright/mailwright/smtpclient"
)

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

var (
	peersDir   = env("MAILPEERS_DIR", "/tmp/mailpeers")
	smtpPort   = env("PF_SMTP_PORT", "2525")
	submitPort = env("PF_SUBMIT_PORT", "2587")
	smtpsPort  = env("PF_SMTPS_PORT", "2465")
	testUser   = env("TEST_USER", "user@example.test")
	testPass   = env("TEST_PASS", "secret")
)

// peer returns the port number of a running Postfix port, or skips (fails
// with MAILPEERS=1) when nothing listens there.
func peer(t *testing.T, port string) int {
	t.Helper()
	addr := net.JoinHostPort("127.0.0.1", port)
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		if os.Getenv("MAILPEERS") == "1" {
			t.Fatalf("mail peer %s not running: %v", addr, err)
		}
		t.Skipf("mail peer %s not running (bash peers/postfix-start.sh)", addr)
	}
	c.Close()
	if _, err := os.Stat(caFile()); err != nil {
		t.Fatalf("peer CA: %v", err)
	}
	n, _ := strconv.Atoi(port)
	return n
}

func caFile() string { return filepath.Join(peersDir, "tls", "ca.pem") }

// dkimKey writes a fresh RSA-2048 key and its TXT record value to dir.
func dkimKey(t *testing.T, dir string) (keyFile, txtFile string) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	spki, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	keyFile, txtFile = filepath.Join(dir, "sel.key"), filepath.Join(dir, "sel.txt")
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	txt := "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(spki)
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(txtFile, []byte(txt), 0o644); err != nil {
		t.Fatal(err)
	}
	return keyFile, txtFile
}

// delivered waits up to ten seconds for the Maildir file of mailbox that
// contains marker, and returns it with LF turned back into CRLF.
func delivered(t *testing.T, mailbox, marker string) []byte {
	t.Helper()
	return waitForMessage(t, filepath.Join(peersDir, "mail", "example.test", mailbox, "new"), marker, 15*time.Second)
}

// waitForMessage returns, with CRLF line ends, the first message in the
// Maildir folder dir that contains marker, waiting up to wait for the
// local delivery agent to write it.
func waitForMessage(t *testing.T, dir, marker string, wait time.Duration) []byte {
	t.Helper()
	for deadline := time.Now().Add(wait); time.Now().Before(deadline); {
		files, _ := os.ReadDir(dir)
		for _, f := range files {
			b, err := os.ReadFile(filepath.Join(dir, f.Name()))
			if err == nil && bytes.Contains(b, []byte(marker)) {
				return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no message with %q in %s after %v", marker, dir, wait)
	return nil
}

// verifyDKIM checks the DKIM signatures of msg with two verifiers nobody
// here wrote, Debian's python3-dkim (peers/dkim-verify.py) and OpenDKIM's
// test mode, the key read from txtFile instead of DNS (for whatever s= and
// d= the signatures name).
// Both must accept it.
func verifyDKIM(t *testing.T, msg []byte, txtFile string) {
	t.Helper()
	if out, err := dkimpy(msg, txtFile); err != nil {
		t.Fatalf("python3-dkim rejects the message: %v\n%s", err, out)
	}
	if pass, out := openDKIM(t, msg, txtFile); !pass {
		t.Fatalf("OpenDKIM rejects the message:\n%s", out)
	}
}

// rejectDKIM is verifyDKIM for a message that must fail both verifiers:
// it shows that they really check.
func rejectDKIM(t *testing.T, msg []byte, txtFile string) {
	t.Helper()
	if out, err := dkimpy(msg, txtFile); err == nil {
		t.Fatalf("python3-dkim accepts a changed message:\n%s", out)
	}
	if pass, out := openDKIM(t, msg, txtFile); pass {
		t.Fatalf("OpenDKIM accepts a changed message:\n%s", out)
	}
}

func dkimpy(msg []byte, txtFile string) ([]byte, error) {
	cmd := exec.Command("/usr/bin/python3", "../peers/dkim-verify.py", "--txt-file", txtFile)
	cmd.Stdin = bytes.NewReader(msg)
	return cmd.CombinedOutput()
}

// keyNames returns "s._domainkey.d" for the s= and d= tags of each
// DKIM-Signature field in msg's header.
func keyNames(msg []byte) []string {
	header, _, _ := bytes.Cut(bytes.ReplaceAll(msg, []byte("\r\n"), []byte("\n")), []byte("\n\n"))
	unfolded := strings.NewReplacer("\n ", " ", "\n\t", " ").Replace(string(header))
	var names []string
	for _, line := range strings.Split(unfolded, "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "DKIM-Signature") {
			continue
		}
		tags := map[string]string{}
		for _, tag := range strings.Split(value, ";") {
			k, v, _ := strings.Cut(tag, "=")
			tags[strings.TrimSpace(k)] = strings.Join(strings.Fields(v), "")
		}
		names = append(names, tags["s"]+"._domainkey."+tags["d"])
	}
	return names
}

// openDKIM runs "opendkim -t" on msg. It exits 0 whatever the result, so
// the verdict is read from the Authentication-Results header it prints at
// -vvv: pass is true only for "dkim=pass".
func openDKIM(t *testing.T, msg []byte, txtFile string) (pass bool, out []byte) {
	t.Helper()
	bin, err := exec.LookPath("opendkim")
	if err != nil {
		bin = "/usr/sbin/opendkim"
	}
	dir := t.TempDir()
	txt, err := os.ReadFile(txtFile)
	if err != nil {
		t.Fatal(err)
	}
	keys := filepath.Join(dir, "keys.txt")
	conf := filepath.Join(dir, "opendkim.conf")
	file := filepath.Join(dir, "msg.eml")
	var records strings.Builder
	for _, name := range keyNames(msg) {
		records.WriteString(name + " " + strings.TrimSpace(string(txt)) + "\n")
	}
	for name, data := range map[string]string{
		keys: records.String(),
		conf: "Mode v\nTestPublicKeys " + keys + "\nSyslog no\n",
		file: string(msg),
	} {
		if err := os.WriteFile(name, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out, err = exec.Command(bin, "-x", conf, "-vvv", "-t", file).CombinedOutput()
	if err != nil {
		t.Fatalf("opendkim (bash peers/install.sh dkim): %v\n%s", err, out)
	}
	return bytes.Contains(out, []byte("dkim=pass")), out
}

// fixedRand returns a deterministic random stream for Message-IDs and MIME
// boundaries.
func fixedRand(seed uint64) *mrand.ChaCha8 {
	var s [32]byte
	copy(s[:], strconv.FormatUint(seed, 10))
	return mrand.NewChaCha8(s)
}

func TestPeerTierSend(t *testing.T) {
	dir := t.TempDir()
	keyFile, txtFile := dkimKey(t, dir)
	for _, port := range []struct {
		name string
		port string
		ssl  bool
	}{{"starttls", submitPort, false}, {"implicit", smtpsPort, true}} {
		for _, mech := range []string{"PLAIN", "LOGIN", "CRAM-MD5"} {
			t.Run(port.name+"/"+mech, func(t *testing.T) {
				p := peer(t, port.port)
				now := time.Now().Truncate(time.Second)
				seed := uint64(now.UnixNano()) + uint64(len(mech))
				s := &mailsender.Sender{
					Host:          "127.0.0.1",
					Port:          p,
					TLS:           !port.ssl,
					SSL:           port.ssl,
					CAFile:        caFile(),
					Username:      testUser,
					Password:      testPass,
					AuthMechanism: mech,
					Now:           func() time.Time { return now },
					DKIM: &mailsender.DKIM{
						KeyFile:  keyFile,
						Domain:   "example.test",
						Selector: "sel",
					},
				}
				id := fmt.Sprintf("peertier-%s-%s-%d@example.test", port.name, mech, seed)
				m := &mailsender.Message{
					From:      "Ünïcode Sender <user@example.test>",
					To:        []string{"alice@example.test"},
					Cc:        []string{"Bob <bob@example.test>"},
					Subject:   "peer tier " + port.name + " " + mech + " ✓",
					Body:      "Hello from mailwright.\r\n.leading dot\r\nnon-ASCII: grüße\r\n",
					HTMLBody:  "<p>Hello from <b>mailwright</b>.</p>\r\n",
					MessageID: id,
					Header:    []mailsender.Field{{Name: "List-Unsubscribe", Value: "<mailto:u@example.test>"}},
				}

				var want bytes.Buffer
				s.Rand = fixedRand(seed)
				if err := s.Compose(&want, m, s.DKIM); err != nil {
					t.Fatalf("Compose: %v", err)
				}
				s.Rand = fixedRand(seed)
				res, err := s.SendCertified(context.Background(), m, nil)
				if err != nil {
					t.Fatalf("SendCertified: %v", err)
				}
				if res.Code != 250 || !strings.HasPrefix(res.TLS, "1.") {
					t.Errorf("result = %+v, want 250 and a TLS line", res)
				}

				for _, box := range []string{"alice", "bob"} {
					got := delivered(t, box, id)
					if !bytes.HasSuffix(got, want.Bytes()) {
						t.Fatalf("%s's copy differs from the message sent:\n--- got\n%s\n--- want\n%s",
							box, got, want.Bytes())
					}
					verifyDKIM(t, got, txtFile)
				}
				// The same copy with one body byte changed must fail.
				changed := bytes.Replace(delivered(t, "alice", id), []byte("Hello from"),
					[]byte("Hallo from"), 1)
				rejectDKIM(t, changed, txtFile)
			})
		}
	}
}

// TestPeerTierWrongPassword: AUTH with a wrong password is a typed error
// carrying 535.
func TestPeerTierWrongPassword(t *testing.T) {
	p := peer(t, submitPort)
	s := &mailsender.Sender{Host: "127.0.0.1", Port: p, TLS: true, CAFile: caFile(),
		Username: testUser, Password: "wrong-" + testPass, AuthMechanism: "PLAIN"}
	_, err := s.Send(context.Background(), peerMessage("wrong password"))
	var se *smtpclient.Error
	if !errors.As(err, &se) || se.Code != 535 {
		t.Fatalf("Send with a wrong password = %v, want a *smtpclient.Error with 535", err)
	}
	if strings.Contains(err.Error(), "wrong-"+testPass) {
		t.Errorf("the error shows the password: %v", err)
	}
}

// TestPeerTierMailBeforeSTARTTLS: the submission port refuses MAIL before
// STARTTLS with 530, and the error says to turn on TLS.
func TestPeerTierMailBeforeSTARTTLS(t *testing.T) {
	p := peer(t, submitPort)
	s := &mailsender.Sender{Host: "127.0.0.1", Port: p}
	_, err := s.Send(context.Background(), peerMessage("no starttls"))
	var se *smtpclient.Error
	if !errors.As(err, &se) || se.Code != 530 {
		t.Fatalf("Send without TLS to the submission port = %v, want 530", err)
	}
	if !strings.Contains(err.Error(), "MAIL FROM rejected: 530 5.7.0") ||
		!strings.Contains(err.Error(), "turn on TLS") {
		t.Errorf("error %q does not name MAIL FROM, 530 5.7.0 and the remedy", err)
	}
}

// TestPeerTierRelayDenied: an unauthenticated relay attempt is reported
// with the server's 5xx for that recipient.
func TestPeerTierRelayDenied(t *testing.T) {
	p := peer(t, smtpPort)
	s := &mailsender.Sender{Host: "127.0.0.1", Port: p}
	m := peerMessage("relay")
	m.To = []string{"victim@elsewhere.test"}
	_, err := s.Send(context.Background(), m)
	var sendErr *mailsender.SendError
	if !errors.As(err, &sendErr) || len(sendErr.Recipients) != 1 {
		t.Fatalf("relay attempt = %v, want a *mailsender.SendError with one recipient", err)
	}
	var se *smtpclient.Error
	if !errors.As(err, &se) || se.Code/100 != 5 || !strings.Contains(se.Message, "Relay access denied") {
		t.Fatalf("relay attempt = %v, want the server's 5xx Relay access denied", err)
	}
	if sendErr.Recipients[0].Addr != "victim@elsewhere.test" || sendErr.Delivered {
		t.Errorf("SendError = %+v, want victim@elsewhere.test refused and nothing delivered", sendErr)
	}
}

func peerMessage(subject string) *mailsender.Message {
	return &mailsender.Message{
		From:    testUser,
		To:      []string{"alice@example.test"},
		Subject: "peer tier " + subject,
		Body:    "A mailwright peer tier test message.\r\n",
	}
}

// TestPeerTierTLSVersion: the classic TLSVersion forces a version, and the
// report reads as the classic one: "1.2; Cipher Suite C02F" and, for an old
// server, "1.0; Cipher Suite C013" (values measured with Go against this
// Postfix; peers/README.md).
func TestPeerTierTLSVersion(t *testing.T) {
	for _, tt := range []struct{ version, want string }{
		{"1.2", "1.2; Cipher Suite C02F"},
		{"1.0", "1.0; Cipher Suite C013"},
	} {
		t.Run(tt.version, func(t *testing.T) {
			p := peer(t, smtpsPort)
			s := &mailsender.Sender{Host: "127.0.0.1", Port: p, SSL: true, CAFile: caFile(),
				TLSVersion: tt.version, Username: testUser, Password: testPass}
			m := peerMessage("tls " + tt.version)
			m.Body = "Delivered over TLS " + tt.version + ".\r\n"
			res, err := s.Send(context.Background(), m)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if res.TLS != tt.want {
				t.Errorf("Result.TLS = %q, want %q", res.TLS, tt.want)
			}
		})
	}
}
