// SPDX-License-Identifier: Apache-2.0

package tlsprofile

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"software.sslmate.com/src/go-pkcs12"
)

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := Config(nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MinVersion != tls.VersionTLS12 || cfg.MaxVersion != tls.VersionTLS13 {
		t.Errorf("versions %#x-%#x, want 1.2-1.3", cfg.MinVersion, cfg.MaxVersion)
	}
	if diff := cmp.Diff(Default.CipherSuites(), cfg.CipherSuites); diff != "" {
		t.Errorf("suites (-want +got):\n%s", diff)
	}
	if cfg.VerifyConnection == nil || cfg.RootCAs == nil || cfg.ServerName != "" {
		t.Errorf("Config(nil) = %+v", cfg)
	}
}

func TestConfigVersions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		o        Options
		min, max uint16
	}{
		{Options{MinVersion: "1.0", MaxVersion: "1.0"}, tls.VersionTLS10, tls.VersionTLS10},
		{Options{MinVersion: "1.3"}, tls.VersionTLS13, tls.VersionTLS13},
		{Options{MaxVersion: "1.2"}, tls.VersionTLS12, tls.VersionTLS12},
		{Options{Profile: Legacy, MaxVersion: "1.1"}, tls.VersionTLS10, tls.VersionTLS11},
		{Options{Profile: Modern}, tls.VersionTLS13, tls.VersionTLS13},
		{Options{CipherSuites: []string{"1301", "1302"}}, tls.VersionTLS13, tls.VersionTLS13},
	}
	for _, tt := range tests {
		cfg, err := Config(&tt.o)
		if err != nil || cfg.MinVersion != tt.min || cfg.MaxVersion != tt.max {
			t.Errorf("Config(%+v) versions %#x-%#x, %v, want %#x-%#x", tt.o, cfg.MinVersion, cfg.MaxVersion, err, tt.min, tt.max)
		}
	}
	cfg, _ := Config(&Options{CipherSuites: []string{"009C", "TLS_AES_128_GCM_SHA256", "C02F"}})
	if diff := cmp.Diff([]uint16{0x009C, 0xC02F}, cfg.CipherSuites); diff != "" {
		t.Errorf("explicit suites (-want +got):\n%s", diff)
	}
}

// TestConfigErrors: bad input is a clear error naming the field.
func TestConfigErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		o     Options
		field string
	}{
		{Options{MinVersion: "1.4"}, "MinVersion"},
		{Options{MaxVersion: "SSLv3"}, "MaxVersion"},
		{Options{MinVersion: "1.3", MaxVersion: "1.2"}, "MinVersion"},
		{Options{CipherSuites: []string{"C02F", "bogus"}}, "CipherSuites"},
		{Options{CipherSuites: []string{"1301"}, MaxVersion: "1.2"}, "CipherSuites"},
		{Options{PinSHA256: []string{"abc"}}, "PinSHA256"},
		{Options{RootCAFile: filepath.Join(dir, "missing.pem")}, "RootCAFile"},
		{Options{RootCAFile: notPEM}, "RootCAFile"},
		{Options{ClientCertFile: filepath.Join(dir, "missing.pem")}, "ClientCertFile"},
		{Options{ClientCertFile: notPEM}, "ClientCertFile"},
		{Options{ClientKeyFile: notPEM}, "ClientKeyFile"},
		{Options{Profile: 7}, "Profile"},
		{Options{Policy: -1}, "Policy"},
	}
	for _, tt := range tests {
		cfg, err := Config(&tt.o)
		if err == nil {
			t.Errorf("Config(%+v) = %v, want error", tt.o, cfg)
			continue
		}
		if !strings.HasPrefix(err.Error(), "tlsprofile: "+tt.field) {
			t.Errorf("Config(%+v) error %q, want it to start with %q", tt.o, err, "tlsprofile: "+tt.field)
		}
	}
}

// TestCASE22NoServerName: a non-nil config with nothing set gets the host
// (without the port) from ForHost and verification stays on.
func TestCASE22NoServerName(t *testing.T) {
	t.Parallel()
	root, _ := testCAs(t)
	pool := x509.NewCertPool()
	pool.AddCert(root.cert)
	good := certServer(t, leafSpec{names: []string{"smtp.example.com"}}.make(t))
	wrong := certServer(t, leafSpec{names: []string{"other.example.com"}}.make(t))

	for _, addr := range []string{"smtp.example.com:587", "smtp.example.com:465"} {
		cfg := ForHost(&tls.Config{RootCAs: pool}, addr)
		if cfg.ServerName != "smtp.example.com" || cfg.InsecureSkipVerify {
			t.Fatalf("ForHost(%q): ServerName %q InsecureSkipVerify %v", addr, cfg.ServerName, cfg.InsecureSkipVerify)
		}
		if _, err := dial(t, good, cfg); err != nil {
			t.Errorf("%s, matching certificate: %v", addr, err)
		}
		_, err := dial(t, wrong, cfg)
		var ce *CertificateError
		if !errors.As(err, &ce) || ce.Reason != ReasonHostname {
			t.Errorf("%s, certificate for another host: %v, want ReasonHostname", addr, err)
		}
	}

	// The same with a config from Config without a ServerName.
	ca := caFile(t)
	base, _ := Config(&Options{RootCAFile: ca})
	if _, err := dial(t, good, ForHost(base, "smtp.example.com:587")); err != nil {
		t.Errorf("Config + ForHost: %v", err)
	}
	_, err := dial(t, wrong, ForHost(base, "smtp.example.com:587"))
	var ce *CertificateError
	if !errors.As(err, &ce) || ce.Reason != ReasonHostname {
		t.Errorf("Config + ForHost, wrong certificate: %v, want ReasonHostname", err)
	}
	// Without ForHost there is nothing to verify against: a typed error,
	// not a silent success.
	if _, err := dial(t, good, base); !errors.As(err, &ce) || ce.Reason != ReasonNoServerName {
		t.Errorf("no ServerName: %v, want ReasonNoServerName", err)
	}
	// A caller's ServerName is kept.
	if got := ForHost(&tls.Config{ServerName: "a.example"}, "b.example:25").ServerName; got != "a.example" {
		t.Errorf("ForHost replaced ServerName with %q", got)
	}
	if got := ForHost(nil, "[::1]:25").ServerName; got != "::1" {
		t.Errorf("ForHost(nil, [::1]:25).ServerName = %q", got)
	}
}

// TestVerifyIPAddress: an IP address as ServerName is checked against the
// certificate's IP addresses although no SNI is sent for it.
func TestVerifyIPAddress(t *testing.T) {
	t.Parallel()
	ca := caFile(t)
	addr := certServer(t, leafSpec{names: []string{testHost, "127.0.0.1"}}.make(t))
	cfg, _ := Config(&Options{ServerName: "127.0.0.1", RootCAFile: ca})
	if _, err := dial(t, addr, cfg); err != nil {
		t.Errorf("127.0.0.1: %v", err)
	}
	cfg, _ = Config(&Options{ServerName: "127.0.0.2", RootCAFile: ca})
	var ce *CertificateError
	if _, err := dial(t, addr, cfg); !errors.As(err, &ce) || ce.Reason != ReasonHostname {
		t.Errorf("127.0.0.2: %v, want ReasonHostname", err)
	}
}

// TestCASE24LegacyServers: old servers limited to TLS 1.0 or to RSA key
// exchange fail under Default with a *HandshakeError listing what was
// offered, and work under Legacy, which needs no GODEBUG setting.
func TestCASE24LegacyServers(t *testing.T) {
	ca := caFile(t)
	cert := leafSpec{names: []string{testHost}}.make(t)
	tls10 := serve(t, &tls.Config{Certificates: []tls.Certificate{cert},
		MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10,
		CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}})
	rsaKex := serve(t, &tls.Config{Certificates: []tls.Certificate{cert},
		MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256}})
	def, _ := Config(&Options{ServerName: testHost, RootCAFile: ca})
	legacy, _ := Config(&Options{Profile: Legacy, ServerName: testHost, RootCAFile: ca})

	check := func(godebug string) {
		for _, s := range []struct{ addr, want string }{
			{tls10, "1.0; Cipher Suite 002F"},
			{rsaKex, "1.2; Cipher Suite 009C"},
		} {
			_, err := dial(t, s.addr, def)
			var he *HandshakeError
			if !errors.As(err, &he) {
				t.Errorf("GODEBUG=%q, default profile, %s server: %v, want *HandshakeError", godebug, s.want, err)
			} else if msg := err.Error(); !strings.Contains(msg, "TLS 1.2 to 1.3") || !strings.Contains(msg, "C02F") {
				t.Errorf("HandshakeError %q does not list the versions and suites offered", msg)
			}
			cs, err := dial(t, s.addr, legacy)
			if err != nil || Describe(cs) != s.want {
				t.Errorf("GODEBUG=%q, legacy profile: %q, %v, want %q", godebug, Describe(cs), err, s.want)
			}
		}
	}
	check("")
	// A process-wide opt-in does not widen Default: its suites are listed.
	t.Setenv("GODEBUG", "tlsrsakex=1,tls10server=1")
	check("tlsrsakex=1,tls10server=1")
}

// clientAuthServer starts a server that requires a client certificate
// from the test root and returns the address.
func clientAuthServer(t *testing.T) string {
	t.Helper()
	root, _ := testCAs(t)
	pool := x509.NewCertPool()
	pool.AddCert(root.cert)
	return serve(t, &tls.Config{
		Certificates: []tls.Certificate{leafSpec{names: []string{testHost}}.make(t)},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
	})
}

// writeClientFiles writes a client certificate from the test root as
// cert.pem, key.pem, both.pem (chain and key) and client.pfx.
func writeClientFiles(t *testing.T, password string) (dir string) {
	t.Helper()
	dir = t.TempDir()
	c := leafSpec{names: []string{"client.example.test"}, ecdsa: true}.make(t)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate[0]})
	der, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	root, _ := testCAs(t)
	pfx, err := pkcs12.Modern.WithRand(rand.Reader).Encode(c.PrivateKey, c.Leaf, []*x509.Certificate{root.cert}, password)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"cert.pem": certPEM, "key.pem": keyPEM, "both.pem": append(certPEM, keyPEM...), "client.pfx": pfx,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestClientCertificate(t *testing.T) {
	t.Parallel()
	const password = "pfx-Secret-42"
	addr := clientAuthServer(t)
	dir := writeClientFiles(t, password)
	ca := caFile(t)
	tests := []struct {
		name string
		o    Options
	}{
		{"pem pair", Options{ClientCertFile: filepath.Join(dir, "cert.pem"), ClientKeyFile: filepath.Join(dir, "key.pem")}},
		{"pem combined", Options{ClientCertFile: filepath.Join(dir, "both.pem")}},
		{"pfx", Options{ClientCertFile: filepath.Join(dir, "client.pfx"), ClientCertPassword: password}},
	}
	for _, tt := range tests {
		tt.o.ServerName, tt.o.RootCAFile = testHost, ca
		cfg, err := Config(&tt.o)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		cs, err := dial(t, addr, cfg)
		if err == nil {
			// In TLS 1.3 the server checks the client certificate after
			// the client's handshake ends; read to see its verdict.
			err = readOK(t, addr, cfg)
		}
		if err != nil || Describe(cs) == "" {
			t.Errorf("%s: %v", tt.name, err)
		}
	}

	// Without a certificate the server refuses.
	cfg, _ := Config(&Options{ServerName: testHost, RootCAFile: ca})
	if err := readOK(t, addr, cfg); err == nil {
		t.Error("no client certificate: server accepted")
	}

	// A wrong PKCS #12 password is an error that does not repeat it.
	_, err := Config(&Options{ClientCertFile: filepath.Join(dir, "client.pfx"), ClientCertPassword: "wrong-" + password})
	if err == nil || strings.Contains(err.Error(), password) || !strings.HasPrefix(err.Error(), "tlsprofile: ClientCertFile") {
		t.Errorf("wrong password: %v", err)
	}
}

// readOK dials addr and reads the server's "ok", which it sends only
// after a successful handshake.
func readOK(t *testing.T, addr string, cfg *tls.Config) error {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	buf := make([]byte, 2)
	if _, err := conn.Read(buf); err != nil {
		return err
	}
	if string(buf) != "ok" {
		return errors.New("unexpected reply " + string(buf))
	}
	return nil
}

func TestForceVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		profile  Profile
		min, max uint16
	}{
		{"", Default, tls.VersionTLS12, tls.VersionTLS13},
		{"1.0", Legacy, tls.VersionTLS10, tls.VersionTLS10},
		{"1.1", Legacy, tls.VersionTLS11, tls.VersionTLS11},
		{"1.2", Default, tls.VersionTLS12, tls.VersionTLS12},
		{"TLS1.3", Default, tls.VersionTLS13, tls.VersionTLS13},
	}
	for _, tt := range tests {
		var o Options
		if err := o.ForceVersion(tt.in); err != nil {
			t.Fatalf("ForceVersion(%q): %v", tt.in, err)
		}
		cfg, err := Config(&o)
		if err != nil || o.Profile != tt.profile || cfg.MinVersion != tt.min || cfg.MaxVersion != tt.max {
			t.Errorf("ForceVersion(%q): profile %v versions %#x-%#x %v, want %v %#x-%#x",
				tt.in, o.Profile, cfg.MinVersion, cfg.MaxVersion, err, tt.profile, tt.min, tt.max)
		}
	}
	var o Options
	if err := o.ForceVersion("1.4"); err == nil || !strings.HasPrefix(err.Error(), "tlsprofile: TLSVersion") {
		t.Errorf("ForceVersion(1.4) = %v", err)
	}
}

// TestClientNilConfig: an empty config fails before any ClientHello with
// a typed error instead of a panic.
func TestClientNilConfig(t *testing.T) {
	t.Parallel()
	addr := certServer(t, leafSpec{names: []string{testHost}}.make(t))
	for _, cfg := range []*tls.Config{nil, {}} {
		_, err := dial(t, addr, cfg)
		var he *HandshakeError
		if !errors.As(err, &he) || !strings.Contains(err.Error(), "ServerName") {
			t.Errorf("dial with %v: %v, want *HandshakeError about ServerName", cfg, err)
		}
	}
}

func TestSetTLSVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		profile  Profile
		min, max uint16
	}{
		{"", Default, tls.VersionTLS12, tls.VersionTLS13},
		{"1.2", Default, tls.VersionTLS12, tls.VersionTLS13},
		{"TLSv1.2", Default, tls.VersionTLS12, tls.VersionTLS13},
		{"1.3", Default, tls.VersionTLS13, tls.VersionTLS13},
		{"1.1", Legacy, tls.VersionTLS11, tls.VersionTLS11},
		{"1.0", Legacy, tls.VersionTLS10, tls.VersionTLS10},
	}
	for _, tt := range tests {
		var o Options
		if err := o.SetTLSVersion(tt.in); err != nil {
			t.Fatalf("SetTLSVersion(%q): %v", tt.in, err)
		}
		cfg, err := Config(&o)
		if err != nil || o.Profile != tt.profile || cfg.MinVersion != tt.min || cfg.MaxVersion != tt.max {
			t.Errorf("SetTLSVersion(%q): profile %v versions %#x-%#x %v, want %v %#x-%#x",
				tt.in, o.Profile, cfg.MinVersion, cfg.MaxVersion, err, tt.profile, tt.min, tt.max)
		}
	}
	var o Options
	for _, bad := range []string{"1.4", "ssl3", "2"} {
		err := o.SetTLSVersion(bad)
		if err == nil || !strings.HasPrefix(err.Error(), "tlsprofile: TLSVersion") {
			t.Errorf("SetTLSVersion(%q) = %v, want a TLSVersion error", bad, err)
		}
	}
}

func TestParsePolicy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		want     Policy
		required bool
	}{
		{"verify", Verify, true},
		{"encrypt", Encrypt, true},
		{"may", May, false},
		{"none", None, false},
	}
	for _, tt := range tests {
		p, err := ParsePolicy(tt.in)
		if err != nil || p != tt.want || p.String() != tt.in || p.Required() != tt.required {
			t.Errorf("ParsePolicy(%q) = %v (required %v), %v, want %v (required %v)",
				tt.in, p, p.Required(), err, tt.want, tt.required)
		}
	}
	var zero Policy
	if zero != Verify {
		t.Errorf("zero Policy = %v, want verify", zero)
	}
	for _, bad := range []string{"", "Verify", "dane", "secure"} {
		if _, err := ParsePolicy(bad); err == nil || !strings.HasPrefix(err.Error(), "tlsprofile: ") {
			t.Errorf("ParsePolicy(%q) = %v, want a tlsprofile error", bad, err)
		}
	}
	if s := Policy(9).String(); s != "Policy(9)" {
		t.Errorf("Policy(9).String() = %q", s)
	}
}
