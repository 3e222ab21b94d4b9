// SPDX-License-Identifier: Apache-2.0

package saslmech

import (
	"strconv"
	"strings"
)

// NewOAuthBearer returns the OAUTHBEARER mechanism (RFC 7628). The user is
// sent as the authorization identity (empty sends none); host and port name
// the server the token is meant for (an empty host takes
// [ServerInfo.Host], a zero port is left out). On a refused token the
// server sends a JSON error challenge; [Next] then returns the single ^A
// response RFC 7628 section 3.2.3 requires together with an [*OAuthError].
// OAUTHBEARER sends the token itself, so it runs only under TLS, to a
// loopback host, or with [Insecure.RevealSecret].
func NewOAuthBearer(user, host string, port int, token string) Mechanism {
	return &oauthBearer{user: user, host: host, port: port, token: token}
}

type oauthBearer struct {
	user, host string
	port       int
	token      string
	msg        []byte
	tokenState
}

func (o *oauthBearer) Name() string       { return "OAUTHBEARER" }
func (o *oauthBearer) Exposure() Exposure { return RevealsSecret }

func (o *oauthBearer) check(host string) func() error {
	return func() error {
		if err := checkUTF8("OAUTHBEARER", "username", o.user, false, controls); err != nil {
			return err
		}
		if err := checkUTF8("OAUTHBEARER", "host", host, false, controls); err != nil {
			return err
		}
		if o.port < 0 || o.port > 65535 {
			return &CredentialError{Mechanism: "OAUTHBEARER", Field: "port", Reason: "is out of range"}
		}
		return checkToken("OAUTHBEARER", o.token)
	}
}

// Start returns the RFC 7628 client response as the initial response.
func (o *oauthBearer) Start(s *ServerInfo) ([]byte, error) {
	host := o.host
	if host == "" && s != nil {
		host = s.Host
	}
	if err := begin(o, s, o.check(host)); err != nil {
		return nil, err
	}
	o.tokenState = tokenState{started: true}
	o.msg = oauthBearerMessage(o.user, host, o.port, o.token)
	return o.msg, nil
}

// Next answers an empty first challenge with the client response again,
// and an error challenge with ^A and an [*OAuthError].
func (o *oauthBearer) Next(challenge []byte) ([]byte, error) {
	return o.next("OAUTHBEARER", challenge, func() []byte { return o.msg }, []byte{1})
}

// oauthBearerMessage builds gs2-header ^A [host=..^A] [port=..^A]
// auth=Bearer token ^A ^A (RFC 7628 section 3.1).
func oauthBearerMessage(user, host string, port int, token string) []byte {
	name := saslName(user)
	b := make([]byte, 0, len("n,a=,\x01host=\x01port=65535\x01auth=Bearer \x01\x01")+
		len(name)+len(host)+len(token))
	b = append(b, "n,"...)
	if user != "" {
		b = append(append(b, "a="...), name...)
	}
	b = append(b, ",\x01"...)
	if host != "" {
		b = append(append(append(b, "host="...), host...), '\x01')
	}
	if port != 0 {
		b = append(strconv.AppendInt(append(b, "port="...), int64(port), 10), '\x01')
	}
	b = append(append(b, "auth=Bearer "...), token...)
	return append(b, "\x01\x01"...)
}

// saslName escapes "=" and "," as RFC 5802 section 5.1 and RFC 7628
// require inside a gs2 header.
func saslName(s string) string {
	if !strings.ContainsAny(s, "=,") {
		return s
	}
	return saslNameEscaper.Replace(s)
}

var saslNameEscaper = strings.NewReplacer("=", "=3D", ",", "=2C")
