// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailwright/mailwright/tlsprofile"
)

// probePKI is a CA and a server certificate made for the test.
type probePKI struct {
	caFile string
	leaf   tls.Certificate
}

var probeNotAfter = time.Date(2099, 1, 2, 3, 4, 5, 0, time.UTC)

// newProbePKI makes a CA (written to a PEM file) and a server certificate
// for names, with an RSA key when rsaKey is set and ECDSA otherwise.
func newProbePKI(t *testing.T, rsaKey bool, names ...string) probePKI {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "probe test CA"},
		NotBefore: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: probeNotAfter,
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	var key crypto.Signer
	if rsaKey {
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			t.Fatal(err)
		}
	} else if key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: names[0], Organization: []string{"Probe Test"}},
		NotBefore: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: probeNotAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	f := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(f, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o644); err != nil {
		t.Fatal(err)
	}
	return probePKI{caFile: f, leaf: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}}
}

// fakeSMTP is a loopback SMTP server that knows EHLO, STARTTLS and QUIT.
type fakeSMTP struct {
	tls      *tls.Config
	starttls bool // offer STARTTLS
	implicit bool // TLS from the first byte
}

func (s fakeSMTP) start(t *testing.T) (host string, port int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.session(c)
		}
	}()
	a := ln.Addr().(*net.TCPAddr)
	return a.IP.String(), a.Port
}

func (s fakeSMTP) session(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	isTLS := false
	if s.implicit {
		tc := tls.Server(c, s.tls)
		if tc.Handshake() != nil {
			return
		}
		c, isTLS = tc, true
	}
	r := bufio.NewReader(c)
	c.Write([]byte("220 fake.example.test ESMTP ready\r\n"))
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		verb, _, _ := strings.Cut(strings.ToUpper(strings.TrimSpace(line)), " ")
		switch verb {
		case "EHLO":
			reply := "250-fake.example.test greets you\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
			if isTLS {
				reply += "250-AUTH PLAIN LOGIN\r\n"
			} else if s.starttls {
				reply += "250-STARTTLS\r\n"
			}
			c.Write([]byte(reply + "250 8BITMIME\r\n"))
		case "STARTTLS":
			c.Write([]byte("220 2.0.0 Ready to start TLS\r\n"))
			tc := tls.Server(c, s.tls)
			if tc.Handshake() != nil {
				return
			}
			c, isTLS = tc, true
			r = bufio.NewReader(c)
		case "QUIT":
			c.Write([]byte("221 2.0.0 Bye\r\n"))
			return
		default:
			c.Write([]byte("502 5.5.2 Command not recognized\r\n"))
		}
	}
}

// runProbeCmd runs "mailwright probe" with args and returns the exit
// status, standard output and standard error.
func runProbeCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, getenv: os.Getenv}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	code := runMain(ctx, e, append([]string{"probe"}, args...))
	return code, out.String(), errOut.String()
}

func TestProbeSTARTTLS(t *testing.T) {
	t.Parallel()
	pki := newProbePKI(t, false, "mail.example.test", "127.0.0.1")
	host, port := fakeSMTP{starttls: true, tls: &tls.Config{
		Certificates: []tls.Certificate{pki.leaf},
		MinVersion:   tls.VersionTLS12, MaxVersion: tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
	}}.start(t)
	code, out, errOut := runProbeCmd(t, "--host", host, "--port", strconv.Itoa(port), "--tls", "--ca-file", pki.caFile)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	want := `Server: 127.0.0.1:PORT
Greeting: 220 fake.example.test ESMTP ready
Capabilities before STARTTLS:
  PIPELINING
  SIZE 10240000
  STARTTLS
  8BITMIME
Capabilities after STARTTLS:
  PIPELINING
  SIZE 10240000
  AUTH PLAIN LOGIN
  8BITMIME
AUTH mechanisms: PLAIN LOGIN
TLS: 1.2; Cipher Suite C02B (TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)
Certificate:
  Subject: CN=mail.example.test,O=Probe Test
  Issuer: CN=probe test CA
  Names: mail.example.test, 127.0.0.1
  Expires: 2099-01-02T03:04:05Z
  Public key pin: PIN
  Verified: yes, for 127.0.0.1
`
	got := strings.ReplaceAll(out, strconv.Itoa(port), "PORT")
	got = strings.ReplaceAll(got, tlsprofile.FormatPin(tlsprofile.PinSHA256(pki.leaf.Leaf)), "PIN")
	if got != want {
		t.Errorf("probe output:\n%s\nwant:\n%s", got, want)
	}
}

func TestProbeImplicitTLS(t *testing.T) {
	t.Parallel()
	pki := newProbePKI(t, false, "mail.example.test", "127.0.0.1")
	host, port := fakeSMTP{implicit: true, tls: &tls.Config{Certificates: []tls.Certificate{pki.leaf}}}.start(t)
	code, out, errOut := runProbeCmd(t, "--host", host, "--port", strconv.Itoa(port), "--ssl", "--ca-file", pki.caFile)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{
		"Greeting: 220 fake.example.test ESMTP ready\n",
		"Capabilities:\n  PIPELINING\n  SIZE 10240000\n  AUTH PLAIN LOGIN\n  8BITMIME\n",
		"AUTH mechanisms: PLAIN LOGIN\n",
		"TLS: 1.3; Cipher Suite 130",
		"  Issuer: CN=probe test CA\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "STARTTLS") {
		t.Errorf("implicit TLS output mentions STARTTLS:\n%s", out)
	}
}

// TestProbeCertificateFailures: the probe reports each refusal with its
// reason and exit status 1; --insecure connects anyway.
func TestProbeCertificateFailures(t *testing.T) {
	t.Parallel()
	pki := newProbePKI(t, false, "mail.example.test", "127.0.0.1")
	host, port := fakeSMTP{starttls: true, tls: &tls.Config{Certificates: []tls.Certificate{pki.leaf}}}.start(t)
	p := strconv.Itoa(port)
	code, _, errOut := runProbeCmd(t, "--host", host, "--port", p, "--tls")
	if code != 1 || !strings.Contains(errOut, "refused: unknown authority") {
		t.Errorf("unknown CA: exit %d, stderr %q", code, errOut)
	}

	other := newProbePKI(t, false, "mail.example.test")
	host2, port2 := fakeSMTP{starttls: true, tls: &tls.Config{Certificates: []tls.Certificate{other.leaf}}}.start(t)
	code, _, errOut = runProbeCmd(t, "--host", host2, "--port", strconv.Itoa(port2), "--ca-file", other.caFile)
	if code != 1 || !strings.Contains(errOut, "refused: wrong host name (certificate names mail.example.test)") {
		t.Errorf("wrong host: exit %d, stderr %q", code, errOut)
	}

	code, out, errOut := runProbeCmd(t, "--host", host, "--port", p, "--tls", "--insecure")
	if code != 0 || !strings.Contains(out, "  Verified: no (--insecure)\n") {
		t.Errorf("--insecure: exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
}

func TestProbeWithoutSTARTTLS(t *testing.T) {
	t.Parallel()
	host, port := fakeSMTP{}.start(t)
	p := strconv.Itoa(port)
	code, out, errOut := runProbeCmd(t, "--host", host, "--port", p)
	if code != 0 || !strings.Contains(out, "STARTTLS: not offered; the session stays in clear\n") ||
		!strings.Contains(out, "AUTH mechanisms: (none offered)\n") {
		t.Errorf("exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
	code, _, errOut = runProbeCmd(t, "--host", host, "--port", p, "--tls")
	if code != 1 || !strings.Contains(errOut, "server does not offer STARTTLS") {
		t.Errorf("--tls: exit %d, stderr %q", code, errOut)
	}
}

// TestProbeLegacyServer: a TLS 1.0-only server with RSA key exchange
// (CASE-24) is refused by default (SEC-12) and reached with
// --tls-version 1.0.
func TestProbeLegacyServer(t *testing.T) {
	t.Parallel()
	pki := newProbePKI(t, true, "mail.example.test", "127.0.0.1")
	host, port := fakeSMTP{starttls: true, tls: &tls.Config{
		Certificates: []tls.Certificate{pki.leaf},
		MinVersion:   tls.VersionTLS10, MaxVersion: tls.VersionTLS10,
		CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA},
	}}.start(t)
	p := strconv.Itoa(port)
	code, _, errOut := runProbeCmd(t, "--host", host, "--port", p, "--ca-file", pki.caFile)
	if code != 1 || !strings.Contains(errOut, "STARTTLS") {
		t.Errorf("default profile: exit %d, stderr %q", code, errOut)
	}
	code, out, errOut := runProbeCmd(t, "--host", host, "--port", p, "--ca-file", pki.caFile, "--tls-version", "1.0")
	if code != 0 || !strings.Contains(out, "TLS: 1.0; Cipher Suite 002F (TLS_RSA_WITH_AES_128_CBC_SHA)\n") {
		t.Errorf("--tls-version 1.0: exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
}

func TestProbeUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{nil, "--host is required"},
		{[]string{"--host", "127.0.0.1", "--tls", "--ssl"}, "exclude each other"},
		{[]string{"--host", "127.0.0.1", "--port", "70000"}, "out of range"},
		{[]string{"--host", "127.0.0.1", "--tls-version", "1.4"}, "TLSVersion"},
		{[]string{"--host", "127.0.0.1", "--profile", "paranoid"}, "unknown TLS profile"},
		{[]string{"--host", "127.0.0.1", "extra"}, "unexpected argument"},
		{[]string{"--bogus"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		code, _, errOut := runProbeCmd(t, tt.args...)
		if code != 2 || !strings.Contains(errOut, tt.want) {
			t.Errorf("probe %q: exit %d, stderr %q, want 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
	if code, _, _ := runProbeCmd(t, "--help"); code != 0 {
		t.Errorf("probe --help: exit %d, want 0", code)
	}
}

// TestProbePostfix probes the Postfix submission port of the mail peers
// (shared/peers/README.md): STARTTLS required, certificate from the peers'
// test CA. It skips when Postfix is not running, unless MAILPEERS=1.
func TestProbePostfix(t *testing.T) {
	dir := os.Getenv("MAILPEERS_DIR")
	if dir == "" {
		dir = "/tmp/mailpeers"
	}
	ca := filepath.Join(dir, "tls", "ca.pem")
	port := os.Getenv("PF_SUBMIT_PORT")
	if port == "" {
		port = "2587"
	}
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", port), 2*time.Second)
	if err == nil {
		conn.Close()
		_, err = os.Stat(ca)
	}
	if err != nil {
		if os.Getenv("MAILPEERS") == "1" {
			t.Fatalf("MAILPEERS=1 but the Postfix peer is not usable: %v", err)
		}
		t.Skipf("Postfix peer not running on 127.0.0.1:%s (start it with peers/postfix-start.sh): %v", port, err)
	}
	code, out, errOut := runProbeCmd(t, "--host", "127.0.0.1", "--port", port, "--tls", "--ca-file", ca)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
	for _, want := range []string{
		"Greeting: 220 ",
		"Capabilities before STARTTLS:\n",
		"  STARTTLS\n",
		"Capabilities after STARTTLS:\n",
		"AUTH mechanisms: ",
		"PLAIN",
		"TLS: 1.",
		"; Cipher Suite ",
		"  Issuer: CN=mailpeers test CA\n",
		"127.0.0.1",
		"  Verified: yes, for 127.0.0.1\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
