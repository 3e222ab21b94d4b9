// SPDX-License-Identifier: Apache-2.0

package tlsprofile_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"

	"github.com/mailwright/mailwright/tlsprofile"
)

func ExampleDescribe() {
	// A connection state as crypto/tls reports it after a handshake.
	cs := tls.ConnectionState{HandshakeComplete: true, Version: tls.VersionTLS12, CipherSuite: 0xC02F}
	fmt.Println(tlsprofile.Describe(cs))

	s := tlsprofile.Summarize(cs)
	fmt.Println(s.VersionName(), s.SuiteName(), s.Insecure)
	// Output:
	// 1.2; Cipher Suite C02F
	// 1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 false
}

func ExampleParseSuite() {
	for _, in := range []string{"009C", "0xC02F", "TLS_AES_128_GCM_SHA256"} {
		s, err := tlsprofile.ParseSuite(in)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s %s insecure=%v rsa-kex=%v\n", s.Code(), s.Name, s.Insecure, s.RSAKeyExchange)
	}
	// Output:
	// 009C TLS_RSA_WITH_AES_128_GCM_SHA256 insecure=true rsa-kex=true
	// C02F TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 insecure=false rsa-kex=false
	// 1301 TLS_AES_128_GCM_SHA256 insecure=false rsa-kex=false
}

func ExampleProfile() {
	for _, p := range []tlsprofile.Profile{tlsprofile.Modern, tlsprofile.Default, tlsprofile.Legacy} {
		fmt.Printf("%-7s TLS %s to %s, %d suites below TLS 1.3\n", p,
			tlsprofile.VersionName(p.MinVersion()), tlsprofile.VersionName(p.MaxVersion()),
			len(p.CipherSuites()))
	}
	// Output:
	// modern  TLS 1.3 to 1.3, 0 suites below TLS 1.3
	// default TLS 1.2 to 1.3, 10 suites below TLS 1.3
	// legacy  TLS 1.0 to 1.3, 14 suites below TLS 1.3
}

func ExampleConfig() {
	// An old server that only speaks TLS 1.0: opt in to Legacy and force
	// the version, as the classic TLSVersion = "1.0" did.
	cfg, err := tlsprofile.Config(&tlsprofile.Options{
		Profile:    tlsprofile.Legacy,
		ServerName: "mail.example.com",
		MinVersion: "1.0",
		MaxVersion: "1.0",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tlsprofile.VersionName(cfg.MinVersion), tlsprofile.VersionName(cfg.MaxVersion), cfg.ServerName)

	_, err = tlsprofile.Config(&tlsprofile.Options{MinVersion: "1.4"})
	fmt.Println(err)
	// Output:
	// 1.0 1.0 mail.example.com
	// tlsprofile: MinVersion: unknown TLS version "1.4" (want 1.0, 1.1, 1.2 or 1.3)
}

// This example is compile-only: it needs a server.
func ExampleClient() {
	ctx := context.Background()
	addr := "mail.example.com:465"
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()

	cfg, err := tlsprofile.Config(&tlsprofile.Options{RootCAFile: "ca.pem"})
	if err != nil {
		fmt.Println(err)
		return
	}
	tc, err := tlsprofile.Client(ctx, conn, tlsprofile.ForHost(cfg, addr))
	var ce *tlsprofile.CertificateError
	switch {
	case errors.As(err, &ce):
		fmt.Println("certificate refused:", ce.Reason)
	case err != nil:
		fmt.Println(err)
	default:
		fmt.Println(tlsprofile.Describe(tc.ConnectionState()))
	}
}
