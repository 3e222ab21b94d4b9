// SPDX-License-Identifier: Apache-2.0

package mailsender

import (
	"crypto/x509"
	"io"
	"log/slog"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/mailwright/mailwright/saslmech"
	"github.com/mailwright/mailwright/smtpclient"
	"github.com/mailwright/mailwright/tlsprofile"
)

// Sender holds how to reach a mail server and how to sign. The field names
// are the properties users of classic mail components know. The zero value
// plus a Host is a plain SMTP client on port 25; a Sender is validated on
// every send and may be shared by goroutines as long as nobody changes it.
type Sender struct {
	// Host is the server's name or IP address. Required.
	Host string
	// Port is the server's TCP port. Zero means 465 with SSL, 587 with
	// TLS and 25 otherwise.
	Port int

	// Username and Password are the SMTP AUTH credentials (RFC 4954). With
	// an empty Username and a plain Password nothing is authenticated. A
	// Password that starts with "[oauth]" (any case) is an OAuth 2.0 access
	// token, sent with XOAUTH2; Username is then the account address and
	// may be empty.
	Username string
	Password string
	// AuthMechanism forces one SASL mechanism ("PLAIN", "LOGIN",
	// "CRAM-MD5", ...). Empty means the first mechanism of AuthPolicy
	// that the server offers.
	AuthMechanism string
	// AuthPolicy orders the mechanisms tried when AuthMechanism is empty;
	// only listed ones are used. Nil means [saslmech.DefaultOrder]:
	// SCRAM-SHA-256, SCRAM-SHA-1, CRAM-MD5, NTLM, then PLAIN and LOGIN.
	// [ClassicAuthOrder] is the classic component's CRAM-MD5, NTLM, LOGIN.
	// With an OAuth 2.0 token, XOAUTH2 then OAUTHBEARER are used instead.
	AuthPolicy saslmech.Policy

	// TLS starts TLS with STARTTLS after the greeting (RFC 3207), then
	// sends EHLO again. It is required by default: see TLSPolicy.
	TLS bool
	// SSL starts TLS right after connecting (implicit TLS, RFC 8314).
	SSL bool
	// TLSVersion forces one TLS version, "1.0", "1.1", "1.2" or "1.3", as
	// the classic property did (set "1.0" for an old server). Empty means
	// TLS 1.2 or newer.
	TLSVersion string
	// TLSPolicy refines TLS and SSL: the zero value [tlsprofile.Verify]
	// requires TLS and a valid certificate, [tlsprofile.Encrypt] accepts
	// any certificate, [tlsprofile.May] (STARTTLS only) continues in clear
	// when the server does not offer STARTTLS. Without TLS and SSL it is
	// ignored.
	TLSPolicy tlsprofile.Policy
	// RootCAs are the authorities the server certificate must chain to;
	// nil means the system's, plus CAFile.
	RootCAs *x509.CertPool
	// CAFile names a PEM file of extra trusted authorities.
	CAFile string
	// ServerName is the name checked in the certificate; empty means Host.
	ServerName string
	// Insecure allows authentication without TLS to a server that is not
	// on a loopback address (SECURITY.md rule 6). The zero value refuses.
	Insecure saslmech.Insecure

	// Dialer opens the TCP connection, for example through a proxy; nil
	// means a net.Dialer.
	Dialer smtpclient.Dialer

	// LocalName is the name sent with EHLO; empty means "localhost".
	LocalName string
	// Timeout bounds the whole send (connection, dialogue, data); zero
	// means five minutes. A deadline on the context also applies.
	Timeout time.Duration

	// DKIM, when set, is what SendCertified signs with if it is given no
	// DKIM settings of its own. Send never signs.
	DKIM *DKIM

	// Trace receives the SMTP dialogue, "C:" and "S:" prefixed, with AUTH
	// payloads replaced by "[redacted]" (by smtpclient). Nil means none.
	Trace io.Writer
	// Logger receives one record per send (server, outcome). Nil means
	// silent. Credentials are never logged.
	Logger *slog.Logger

	// Now and Rand make Date, Message-ID, MIME boundaries and the DKIM
	// timestamp reproducible in tests. Nil means time.Now and crypto/rand.
	Now  func() time.Time
	Rand io.Reader
	// SpoolDir is where a message is spooled while it is signed and sent;
	// empty means os.TempDir().
	SpoolDir string

	// OAuth 2.0 tokens and the HTTPS send APIs (issue #9, token.go and
	// api.go).

	// TokenSource, when set, gives the OAuth 2.0 access tokens for SMTP
	// XOAUTH2 and for the HTTPS send APIs, instead of an "[oauth]TOKEN"
	// Password, which must then be empty. An *oauthgmail.TokenSource
	// renews its token before expiry and, when a server refuses it, once
	// more before the send is tried again. Username is the account
	// address sent with XOAUTH2. Nil means the Password is used.
	TokenSource oauth2.TokenSource
	// API tunes the HTTPS send API used when Host names one ("Google API"
	// or "Microsoft Graph", see [oauthgmail.APIHost]): endpoint, HTTP
	// client, user and retries. Nil means the service's public endpoint
	// with http.DefaultClient. It is ignored for an SMTP Host.
	API *APIOptions

	// S/MIME (issue #7; the code is in smime.go).

	// SMIME, when set, signs and/or encrypts every message Send,
	// SendCertified, Compose and Enqueue make (RFC 8551), after composing
	// and before DKIM signing, so that DKIM signs the final message. Nil
	// means no S/MIME.
	SMIME *SMIME
}

// port returns the port to use.
func (s *Sender) port() int {
	switch {
	case s.Port != 0:
		return s.Port
	case s.SSL:
		return 465
	case s.TLS:
		return 587
	default:
		return 25
	}
}

// isToken reports whether the password is an OAuth 2.0 access token.
func (s *Sender) isToken() bool {
	return len(s.Password) >= 7 && strings.EqualFold(s.Password[:7], "[oauth]")
}

// token returns the access token carried in Password.
func (s *Sender) token() string { return s.Password[len("[oauth]"):] }

// validate checks the settings before anything touches the network.
func (s *Sender) validate() error {
	switch {
	case strings.TrimSpace(s.Host) == "":
		return fieldErr("Sender.Host", "is empty")
	case strings.ContainsAny(s.Host, " \t\r\n\x00/@"):
		return fieldErr("Sender.Host", "is not a host name or IP address")
	case s.Port < 0 || s.Port > 65535:
		return fieldErr("Sender.Port", "is %d, out of range 1 to 65535", s.Port)
	case s.TLS && s.SSL:
		return fieldErr("Sender.SSL", "and Sender.TLS are both set: choose implicit TLS or STARTTLS")
	case s.SSL && s.TLSPolicy == tlsprofile.None:
		return fieldErr("Sender.TLSPolicy", "is none but SSL (implicit TLS) is set")
	case hasCtl(s.Username):
		return fieldErr("Sender.Username", "contains a control character")
	case hasCtl(s.Password):
		return fieldErr("Sender.Password", "contains a control character")
	case s.Password != "" && s.Username == "" && !s.isToken():
		return fieldErr("Sender.Username", "is empty but a password is set")
	case s.isToken() && s.token() == "":
		return fieldErr("Sender.Password", "holds an empty OAuth token")
	case hasCtl(s.LocalName) || strings.ContainsAny(s.LocalName, " "):
		return fieldErr("Sender.LocalName", "is not a valid EHLO name")
	case s.Timeout < 0:
		return fieldErr("Sender.Timeout", "is negative")
	}
	if _, err := s.version(); err != nil {
		return &FieldError{Field: "Sender.TLSVersion", Err: err}
	}
	if s.AuthMechanism != "" && s.Username == "" && s.Password == "" {
		return fieldErr("Sender.AuthMechanism", "is set but there are no credentials")
	}
	return nil
}

// hasCtl reports whether v holds an ASCII control character (CR, LF, NUL,
// TAB, DEL and the rest), which no setting sent on the wire may carry.
func hasCtl(v string) bool {
	return strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f })
}
