// SPDX-License-Identifier: Apache-2.0

package tlsprofile

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The tests in this file run OpenSSL's own TLS server, "openssl s_server",
// on 127.0.0.1 as a real peer that is not crypto/tls. They skip when the
// openssl binary is missing, and fail then when MAILPEERS=1 (CI).

// opensslBinary returns the path of openssl or skips the test.
func opensslBinary(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("MAILPEERS") == "1" {
			t.Fatalf("openssl not found (MAILPEERS=1 demands it): %v", err)
		}
		t.Skip("openssl not installed; apt-get install openssl to run the s_server tests")
	}
	return bin
}

// pemFiles writes cert's chain and key as PEM files into dir and returns
// their names.
func pemFiles(t *testing.T, dir, name string, cert tls.Certificate) (certFile, keyFile string) {
	t.Helper()
	var chain []byte
	for _, der := range cert.Certificate {
		chain = append(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	der, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	key := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	certFile, keyFile = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key")
	if err := os.WriteFile(certFile, chain, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// sServer starts "openssl s_server -www" on 127.0.0.1 with the given
// certificate and extra arguments, waits until it accepts connections
// and returns its address. The process is killed, by its own PID, when
// the test ends.
func sServer(t *testing.T, cert tls.Certificate, args ...string) string {
	t.Helper()
	bin := opensslBinary(t)
	certFile, keyFile := pemFiles(t, t.TempDir(), "server", cert)
	for try := 0; try < 3; try++ {
		addr := "127.0.0.1:" + freePort(t)
		argv := append([]string{"s_server", "-www", "-accept", addr, "-cert", certFile, "-key", keyFile}, args...)
		cmd := exec.Command(bin, argv...)
		stdin, err := cmd.StdinPipe() // kept open: EOF on stdin ends s_server
		if err != nil {
			t.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		ready := make(chan bool, 1)
		go func() {
			sc := bufio.NewScanner(stdout)
			found := false
			for sc.Scan() {
				if !found && strings.HasPrefix(sc.Text(), "ACCEPT") {
					found = true
					ready <- true
				}
			}
			if !found {
				ready <- false
			}
		}()
		var ok bool
		select {
		case ok = <-ready:
		case <-time.After(10 * time.Second):
		}
		if ok {
			t.Cleanup(func() {
				stdin.Close()
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
			})
			return addr
		}
		stdin.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Logf("openssl s_server %s did not start: %s", strings.Join(argv, " "), stderr.String())
	}
	t.Fatal("openssl s_server did not start")
	return ""
}

// getPage dials addr with cfg through [Client], asks s_server -www for its
// status page and returns the connection state. The page proves that the
// server, too, finished the handshake (and accepted a client certificate
// it asked for).
func getPage(t *testing.T, addr string, cfg *tls.Config) (tls.ConnectionState, error) {
	t.Helper()
	ctx := t.Context()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	tc, err := Client(ctx, c, cfg)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	if _, err := io.WriteString(tc, "GET / HTTP/1.0\r\n\r\n"); err != nil {
		return tls.ConnectionState{}, err
	}
	page, err := io.ReadAll(tc)
	if !bytes.HasPrefix(page, []byte("HTTP/1.0 200 ok")) {
		return tls.ConnectionState{}, fmt.Errorf("s_server page %.40q: %v", page, err)
	}
	return tc.ConnectionState(), nil
}

// opensslCase is an s_server forced to one version and one suite.
type opensslCase struct {
	version uint16
	code    string // IANA code of the suite
	openssl string // OpenSSL's name for it
	ecdsa   bool   // the suite needs an ECDSA certificate
}

var opensslCases = []opensslCase{
	{tls.VersionTLS10, "002F", "AES128-SHA", false},
	{tls.VersionTLS10, "C013", "ECDHE-RSA-AES128-SHA", false},
	{tls.VersionTLS11, "0035", "AES256-SHA", false},
	{tls.VersionTLS11, "C014", "ECDHE-RSA-AES256-SHA", false},
	{tls.VersionTLS12, "009C", "AES128-GCM-SHA256", false},
	{tls.VersionTLS12, "009D", "AES256-GCM-SHA384", false},
	{tls.VersionTLS12, "C02F", "ECDHE-RSA-AES128-GCM-SHA256", false},
	{tls.VersionTLS12, "C030", "ECDHE-RSA-AES256-GCM-SHA384", false},
	{tls.VersionTLS12, "CCA8", "ECDHE-RSA-CHACHA20-POLY1305", false},
	{tls.VersionTLS12, "C02B", "ECDHE-ECDSA-AES128-GCM-SHA256", true},
	{tls.VersionTLS12, "CCA9", "ECDHE-ECDSA-CHACHA20-POLY1305", true},
	{tls.VersionTLS13, "1301", "TLS_AES_128_GCM_SHA256", false},
	{tls.VersionTLS13, "1302", "TLS_AES_256_GCM_SHA384", false},
	{tls.VersionTLS13, "1303", "TLS_CHACHA20_POLY1305_SHA256", false},
}

// args returns the s_server arguments that force c. OpenSSL 3 refuses TLS
// 1.0 and 1.1 at its default security level; level 0 lets them through.
func (c opensslCase) args() []string {
	flag := map[uint16]string{
		tls.VersionTLS10: "-tls1", tls.VersionTLS11: "-tls1_1",
		tls.VersionTLS12: "-tls1_2", tls.VersionTLS13: "-tls1_3",
	}[c.version]
	if c.version == tls.VersionTLS13 {
		return []string{flag, "-ciphersuites", c.openssl}
	}
	return []string{flag, "-cipher", c.openssl + ":@SECLEVEL=0"}
}

// TestOpenSSLProfiles runs each profile against s_server forced to one
// version and suite: the profile connects exactly when it allows the pair,
// the negotiated version and Describe line ("1.0; Cipher Suite 002F",
// "1.3; Cipher Suite 1302") are the forced ones, and a refusal is a
// *HandshakeError naming what was offered (CASE-24, SEC-12 against a
// server that is not Go).
func TestOpenSSLProfiles(t *testing.T) {
	t.Parallel()
	opensslBinary(t)
	ca := caFile(t)
	for _, c := range opensslCases {
		t.Run(VersionName(c.version)+"_"+c.code, func(t *testing.T) {
			t.Parallel()
			cert := leafSpec{names: []string{testHost}, ecdsa: c.ecdsa}.make(t)
			addr := sServer(t, cert, c.args()...)
			su, err := ParseSuite(c.code)
			if err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf("%s; Cipher Suite %s", VersionName(c.version), c.code)
			for _, p := range []Profile{Default, Modern, Legacy} {
				cfg, err := Config(&Options{Profile: p, ServerName: testHost, RootCAFile: ca})
				if err != nil {
					t.Fatal(err)
				}
				cs, err := getPage(t, addr, cfg)
				var he *HandshakeError
				switch {
				case p.Allows(c.version, su.ID) && err != nil:
					t.Errorf("%v: %v", p, err)
				case p.Allows(c.version, su.ID) && Describe(cs) != want:
					t.Errorf("%v: Describe = %q, want %q", p, Describe(cs), want)
				case !p.Allows(c.version, su.ID) && !errors.As(err, &he):
					t.Errorf("%v: %q %v, want *HandshakeError", p, Describe(cs), err)
				}
			}
		})
	}
}

// TestOpenSSLForceVersion: the classic TLSVersion = "1.0" reaches an
// OpenSSL server that speaks nothing newer, and the default does not.
func TestOpenSSLForceVersion(t *testing.T) {
	t.Parallel()
	ca := caFile(t)
	addr := sServer(t, leafSpec{names: []string{testHost}}.make(t), "-tls1", "-cipher", "ALL:@SECLEVEL=0")
	o := Options{ServerName: testHost, RootCAFile: ca}
	if err := o.SetTLSVersion("1.0"); err != nil {
		t.Fatal(err)
	}
	cfg, _ := Config(&o)
	cs, err := getPage(t, addr, cfg)
	if err != nil || cs.Version != tls.VersionTLS10 {
		t.Errorf(`TLSVersion "1.0": %q %v, want TLS 1.0`, Describe(cs), err)
	}
	cfg, _ = Config(&Options{ServerName: testHost, RootCAFile: ca})
	var he *HandshakeError
	if _, err := getPage(t, addr, cfg); !errors.As(err, &he) || he.MinVersion != tls.VersionTLS12 {
		t.Errorf("default: %v, want *HandshakeError offering 1.2 and up", err)
	}
}

// opensslRun runs openssl with args and returns its standard output.
func opensslRun(t *testing.T, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(opensslBinary(t), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// TestOpenSSLPin: the pin PinSHA256 computes equals the one OpenSSL's
// recipe gives (public key to DER, then SHA-256), and that pin, given in
// base64, lets a connection through while another key's is refused.
func TestOpenSSLPin(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cert := leafSpec{names: []string{testHost}}.make(t)
	certFile, _ := pemFiles(t, dir, "pinned", cert)
	pub := filepath.Join(dir, "pub.pem")
	if err := os.WriteFile(pub, opensslRun(t, "x509", "-in", certFile, "-pubkey", "-noout"), 0o600); err != nil {
		t.Fatal(err)
	}
	der := filepath.Join(dir, "pub.der")
	opensslRun(t, "pkey", "-pubin", "-in", pub, "-outform", "DER", "-out", der)
	sum := opensslRun(t, "dgst", "-sha256", "-binary", der)
	if !bytes.Equal(sum, PinSHA256(cert.Leaf)) {
		t.Fatalf("openssl pin %x, PinSHA256 %x", sum, PinSHA256(cert.Leaf))
	}

	addr := sServer(t, cert)
	cfg, _ := Config(&Options{Policy: Encrypt, ServerName: testHost, PinSHA256: []string{FormatPin(sum)}})
	if _, err := getPage(t, addr, cfg); err != nil {
		t.Errorf("matching pin: %v", err)
	}
	other := leafSpec{names: []string{testHost}, ecdsa: true}.make(t)
	cfg, _ = Config(&Options{Policy: Encrypt, ServerName: testHost,
		PinSHA256: []string{FormatPin(PinSHA256(other.Leaf))}})
	var ce *CertificateError
	if _, err := getPage(t, addr, cfg); !errors.As(err, &ce) || ce.Reason != ReasonPinMismatch {
		t.Errorf("other pin: %v, want ReasonPinMismatch", err)
	}
}

// TestOpenSSLClientPFX: a .pfx made by "openssl pkcs12 -export" (OpenSSL
// 3's default: AES-256-CBC with PBKDF2), as users bring it, is read and
// accepted by an s_server that requires a client certificate from the
// test root; without it the server refuses.
func TestOpenSSLClientPFX(t *testing.T) {
	t.Parallel()
	const password = "pfx-Secret-42"
	dir := t.TempDir()
	client := leafSpec{names: []string{"client.example.test"}}.make(t)
	certFile, keyFile := pemFiles(t, dir, "client", client)
	pfx := filepath.Join(dir, "client.pfx")
	opensslRun(t, "pkcs12", "-export", "-in", certFile, "-inkey", keyFile, "-out", pfx,
		"-passout", "pass:"+password)

	ca := caFile(t)
	addr := sServer(t, leafSpec{names: []string{testHost}}.make(t), "-Verify", "1", "-CAfile", ca)
	cfg, err := Config(&Options{ServerName: testHost, RootCAFile: ca,
		ClientCertFile: pfx, ClientCertPassword: password})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := getPage(t, addr, cfg); err != nil {
		t.Errorf("with the .pfx: %v", err)
	}
	cfg, _ = Config(&Options{ServerName: testHost, RootCAFile: ca})
	if _, err := getPage(t, addr, cfg); err == nil {
		t.Error("without a client certificate: s_server answered")
	}
}
