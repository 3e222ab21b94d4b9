// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"crypto"
	"encoding/binary"
	"errors"
	"syscall"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/emersion/go-sasl"

	"github.com/mailwright/mailwright/saslmech"
)

// The SASL benchmarks measure the client side of one whole exchange with
// no network: Start and every Next, answering the server messages of the
// published examples. go-sasl has PLAIN, LOGIN and OAUTHBEARER, so those run
// side by side ("mailwright" and "go-sasl" sub-benchmarks, same inputs);
// the other mechanisms run alone. mailwright's Start also checks the
// connection (Permit) and every credential byte; go-sasl checks neither.
//
//	go test -run '^$' -bench SASL -benchmem ./tools/bench

var (
	benchTLS   = &saslmech.ServerInfo{Host: "mail.example.test", TLS: true}
	benchToken = "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"
	// Dovecot's refusal of a token (RFC 7628 section 3.2.2).
	benchTokenError = []byte(`{"status":"invalid_token","schemes":"bearer","scope":"mail"}`)
)

// saslLoop runs f b.N times and reports allocations and a cpu-ns/op
// metric: on a shared machine the CPU time a benchmark uses is steadier
// than the wall time that ns/op measures.
func saslLoop(b *testing.B, f func()) {
	b.ReportAllocs()
	start := saslCPUTime()
	for b.Loop() {
		f()
	}
	b.ReportMetric(float64(saslCPUTime()-start)/float64(b.N), "cpu-ns/op")
}

// saslCPUTime returns the CPU time the process has used so far.
func saslCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type benchClient interface {
	Next(challenge []byte) ([]byte, error)
}

// runExchange answers the challenges in order after the initial response.
func runExchange(b *testing.B, c benchClient, challenges ...[]byte) {
	for _, ch := range challenges {
		if _, err := c.Next(ch); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSASLPlain(b *testing.B) {
	b.Run("mailwright", func(b *testing.B) {
		saslLoop(b, func() {
			if _, err := saslmech.NewPlain("", "tim", "tanstaaftanstaaf").Start(benchTLS); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("go-sasl", func(b *testing.B) {
		saslLoop(b, func() {
			if _, _, err := sasl.NewPlainClient("", "tim", "tanstaaftanstaaf").Start(); err != nil {
				b.Fatal(err)
			}
		})
	})
}

// BenchmarkSASLLogin uses the initial-response form, the only one go-sasl
// has, with the "Password:" prompt it requires.
func BenchmarkSASLLogin(b *testing.B) {
	prompt := []byte("Password:")
	b.Run("mailwright", func(b *testing.B) {
		saslLoop(b, func() {
			m := saslmech.NewLoginInitialResponse("tim", "tanstaaftanstaaf")
			if _, err := m.Start(benchTLS); err != nil {
				b.Fatal(err)
			}
			runExchange(b, m, prompt)
		})
	})
	b.Run("go-sasl", func(b *testing.B) {
		saslLoop(b, func() {
			c := sasl.NewLoginClient("tim", "tanstaaftanstaaf")
			if _, _, err := c.Start(); err != nil {
				b.Fatal(err)
			}
			runExchange(b, c, prompt)
		})
	})
}

func BenchmarkSASLOAuthBearer(b *testing.B) {
	b.Run("mailwright", func(b *testing.B) {
		saslLoop(b, func() {
			m := saslmech.NewOAuthBearer("user@example.com", "server.example.com", 143, benchToken)
			if _, err := m.Start(benchTLS); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("go-sasl", func(b *testing.B) {
		saslLoop(b, func() {
			c := sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{Username: "user@example.com",
				Token: benchToken, Host: "server.example.com", Port: 143})
			if _, _, err := c.Start(); err != nil {
				b.Fatal(err)
			}
		})
	})
}

// BenchmarkSASLOAuthBearerError decodes the server's JSON refusal.
func BenchmarkSASLOAuthBearerError(b *testing.B) {
	b.Run("mailwright", func(b *testing.B) {
		saslLoop(b, func() {
			m := saslmech.NewOAuthBearer("user@example.com", "server.example.com", 143, benchToken)
			m.Start(benchTLS)
			var oe *saslmech.OAuthError
			if _, err := m.Next(benchTokenError); !errors.As(err, &oe) || oe.Status != "invalid_token" {
				b.Fatal(err)
			}
		})
	})
	b.Run("go-sasl", func(b *testing.B) {
		saslLoop(b, func() {
			c := sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{Username: "user@example.com",
				Token: benchToken, Host: "server.example.com", Port: 143})
			c.Start()
			var oe *sasl.OAuthBearerError
			if _, err := c.Next(benchTokenError); !errors.As(err, &oe) || oe.Status != "invalid_token" {
				b.Fatal(err)
			}
		})
	})
}

// BenchmarkSASLOnly covers the mechanisms go-sasl does not have.
func BenchmarkSASLOnly(b *testing.B) {
	b.Run("XOAUTH2", func(b *testing.B) {
		saslLoop(b, func() {
			if _, err := saslmech.NewXOAUTH2("user@example.com", benchToken).Start(benchTLS); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("CRAM-MD5", func(b *testing.B) {
		ch := []byte("<1896.697170952@postoffice.reston.mci.net>") // RFC 2195
		saslLoop(b, func() {
			m := saslmech.NewCRAMMD5("tim", "tanstaaftanstaaf")
			m.Start(benchTLS)
			runExchange(b, m, ch)
		})
	})
	scram := []struct {
		hash                crypto.Hash
		nonce, first, final string
	}{
		{crypto.SHA1, "fyko+d2lbbFgONRv9qkxdawL", // RFC 5802 section 5
			"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
			"v=rmF9pqV8S7suAoZWja4dJRkFsKQ="},
		{crypto.SHA256, "rOprNGfwEbeRWgbNEkqO", // RFC 7677 section 3
			"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
			"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="},
	}
	for _, s := range scram {
		m := &saslmech.SCRAM{Hash: s.hash}
		b.Run(m.Name()+"-i4096", func(b *testing.B) {
			saslLoop(b, func() {
				m := &saslmech.SCRAM{Hash: s.hash, Username: "user", Password: "pencil", Nonce: s.nonce}
				m.Start(benchTLS)
				runExchange(b, m, []byte(s.first), []byte(s.final))
				if err := m.Finish(); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
	b.Run("NTLMv2", func(b *testing.B) {
		ch := ntlmChallengeMessage()
		saslLoop(b, func() {
			m := saslmech.NewNTLM(`EXAMPLE\user`, "secret")
			m.Start(benchTLS)
			runExchange(b, m, nil, ch)
		})
	})
}

// ntlmChallengeMessage is an NTLMv2 CHALLENGE message (MS-NLMP section
// 2.2.1.2) with the section 4.2.1 server challenge and a TargetInfo of
// NetBIOS domain, NetBIOS computer and the terminator.
func ntlmChallengeMessage() []byte {
	u16 := func(s string) []byte {
		var b []byte
		for _, r := range utf16.Encode([]rune(s)) {
			b = binary.LittleEndian.AppendUint16(b, r)
		}
		return b
	}
	av := func(id uint16, v []byte) []byte {
		b := binary.LittleEndian.AppendUint16(nil, id)
		b = binary.LittleEndian.AppendUint16(b, uint16(len(v)))
		return append(b, v...)
	}
	target := u16("Domain")
	info := append(append(av(2, u16("Domain")), av(1, u16("Server"))...), av(0, nil)...)
	msg := []byte("NTLMSSP\x00\x02\x00\x00\x00")
	field := func(n, off int) {
		msg = binary.LittleEndian.AppendUint16(msg, uint16(n))
		msg = binary.LittleEndian.AppendUint16(msg, uint16(n))
		msg = binary.LittleEndian.AppendUint32(msg, uint32(off))
	}
	field(len(target), 48)
	msg = binary.LittleEndian.AppendUint32(msg, 0x00000001|0x00000004|0x00000200|0x00080000|0x00800000)
	msg = append(msg, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef)
	msg = append(msg, make([]byte, 8)...)
	field(len(info), 48+len(target))
	return append(append(msg, target...), info...)
}

// saslmech.Client is a go-sasl client as it is.
var _ sasl.Client = (*saslmech.Client)(nil)

// runGoSASLServer drives a go-sasl client against a go-sasl server the way
// a protocol server does, and returns the server's verdict.
func runGoSASLServer(c sasl.Client, s sasl.Server) error {
	_, ir, err := c.Start()
	if err != nil {
		return err
	}
	resp := ir
	for {
		ch, done, err := s.Next(resp)
		if err != nil || done {
			return err
		}
		if resp, err = c.Next(ch); err != nil {
			return err
		}
	}
}

// TestSASLGoSASLServers: mailwright's mechanisms, through the go-sasl
// adapter, are accepted by go-sasl's PLAIN and OAUTHBEARER servers with the
// right credentials and refused with wrong ones.
func TestSASLGoSASLServers(t *testing.T) {
	plainServer := func() sasl.Server {
		return sasl.NewPlainServer(func(identity, user, pass string) error {
			if identity != "" || user != "tim" || pass != "tanstaaftanstaaf" {
				return errors.New("bad credentials")
			}
			return nil
		})
	}
	bearerServer := func() sasl.Server {
		return sasl.NewOAuthBearerServer(func(o sasl.OAuthBearerOptions) *sasl.OAuthBearerError {
			if o.Username != "user@example.com" || o.Token != benchToken ||
				o.Host != "mail.example.test" || o.Port != 587 {
				return &sasl.OAuthBearerError{Status: "invalid_token", Schemes: "bearer"}
			}
			return nil
		})
	}
	client := func(m saslmech.Mechanism) *saslmech.Client {
		return &saslmech.Client{Mechanism: m, Server: *benchTLS}
	}
	tests := []struct {
		name string
		c    *saslmech.Client
		s    sasl.Server
		ok   bool
	}{
		{"PLAIN", client(saslmech.NewPlain("", "tim", "tanstaaftanstaaf")), plainServer(), true},
		{"PLAIN wrong", client(saslmech.NewPlain("", "tim", "wrong")), plainServer(), false},
		{"OAUTHBEARER", client(saslmech.NewOAuthBearer("user@example.com", "", 587, benchToken)),
			bearerServer(), true},
		{"OAUTHBEARER wrong", client(saslmech.NewOAuthBearer("user@example.com", "", 587, "expired")),
			bearerServer(), false},
	}
	for _, tt := range tests {
		err := runGoSASLServer(tt.c, tt.s)
		if (err == nil) != tt.ok {
			t.Errorf("%s: server says %v, want success %v", tt.name, err, tt.ok)
		}
	}
	// The refused token went through the error flow: the client answered
	// the JSON challenge with ^A, which the server accepted as the end.
	c := client(saslmech.NewOAuthBearer("user@example.com", "", 587, "expired"))
	err := runGoSASLServer(c, bearerServer())
	var oe *saslmech.OAuthError
	var se *sasl.OAuthBearerError
	if !errors.As(err, &se) || !errors.As(c.Err(), &oe) || oe.Status != "invalid_token" {
		t.Errorf("refused token: server %v, client %v; want invalid_token on both sides", err, c.Err())
	}
}
