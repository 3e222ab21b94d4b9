// SPDX-License-Identifier: Apache-2.0

package saslmech

import (
	"crypto"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	_ "crypto/sha1"   // registers crypto.SHA1
	_ "crypto/sha256" // registers crypto.SHA256
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
)

// ErrServerSignature is returned (wrapped) when a SCRAM server fails to
// prove that it knows the password: its final signature is wrong, missing,
// or it accepted the client without sending one.
var ErrServerSignature = errors.New("saslmech: SCRAM server signature not verified")

// Iteration bounds for SCRAM. Fewer than minSCRAMIterations would let a man
// in the middle make the client's proof cheap to attack offline (RFC 7677
// section 4 asks for at least 4096); more than maxSCRAMIterations lets a
// server stall the client for seconds.
const (
	minSCRAMIterations = 4096
	maxSCRAMIterations = 1 << 22
)

// NewSCRAMSHA1 returns the SCRAM-SHA-1 mechanism (RFC 5802) without channel
// binding, as a [*SCRAM].
func NewSCRAMSHA1(username, password string) Mechanism {
	return &SCRAM{Hash: crypto.SHA1, Username: username, Password: password}
}

// NewSCRAMSHA256 returns the SCRAM-SHA-256 mechanism (RFC 7677) without
// channel binding, as a [*SCRAM].
func NewSCRAMSHA256(username, password string) Mechanism {
	return &SCRAM{Hash: crypto.SHA256, Username: username, Password: password}
}

// SCRAM is the client side of SCRAM-SHA-1 and SCRAM-SHA-256 (RFC 5802,
// RFC 7677) without channel binding. It proves the password without sending
// it and checks that the server knows it too: [SCRAM.Finish] fails unless
// the server's final signature was verified, even after the server accepted
// (SMTP 235). The password is prepared with SASLprep (RFC 4013). A SCRAM
// value serves one exchange at a time; Start resets it.
type SCRAM struct {
	// Hash is crypto.SHA1 or crypto.SHA256; zero means SHA-256.
	Hash crypto.Hash
	// Username is the authentication identity.
	Username string
	// Password is the secret.
	Password string
	// Identity is the authorization identity to act as; empty means the
	// username's own.
	Identity string
	// Rand is the source of the client nonce; nil means crypto/rand.
	Rand io.Reader
	// Nonce fixes the client nonce, for known-answer tests only: a nonce
	// must be fresh for every exchange. Empty means 18 bytes from Rand.
	Nonce string

	step       int // 0 before Start, 1 waiting for server-first, 2 for server-final, 3 done
	gs2, bare  string
	nonce      string
	serverSig  []byte
	verified   bool
	failure    error
	askedForIR bool
}

// Name returns "SCRAM-SHA-1" or "SCRAM-SHA-256".
func (s *SCRAM) Name() string {
	if s.hash() == crypto.SHA1 {
		return "SCRAM-SHA-1"
	}
	return "SCRAM-SHA-256"
}

// Exposure returns [ChallengeResponse].
func (s *SCRAM) Exposure() Exposure { return ChallengeResponse }

func (s *SCRAM) hash() crypto.Hash {
	if s.Hash == 0 {
		return crypto.SHA256
	}
	return s.Hash
}

func (s *SCRAM) prepared() (user, pass, authz string, err error) {
	name := s.Name()
	if s.Hash != 0 && s.Hash != crypto.SHA1 && s.Hash != crypto.SHA256 {
		return "", "", "", &CredentialError{Mechanism: name, Field: "hash",
			Reason: "is not SHA-1 or SHA-256"}
	}
	if err := checkUTF8(name, "username", s.Username, true, controls); err != nil {
		return "", "", "", err
	}
	if err := checkUTF8(name, "password", s.Password, true, controls); err != nil {
		return "", "", "", err
	}
	if err := checkUTF8(name, "identity", s.Identity, false, controls); err != nil {
		return "", "", "", err
	}
	fields := []struct {
		name, in string
		out      *string
	}{
		{"username", s.Username, &user},
		{"password", s.Password, &pass},
		{"identity", s.Identity, &authz},
	}
	for _, f := range fields {
		if *f.out, err = saslprep(f.in); err != nil {
			return "", "", "", &CredentialError{Mechanism: name, Field: f.name, Reason: err.Error()}
		}
	}
	if user == "" || pass == "" {
		return "", "", "", &CredentialError{Mechanism: name, Field: "username or password",
			Reason: "is empty after SASLprep"}
	}
	return user, pass, authz, nil
}

// Start returns the client-first message (RFC 5802 section 5.1).
func (s *SCRAM) Start(si *ServerInfo) ([]byte, error) {
	var user, authz string
	check := func() (err error) {
		user, _, authz, err = s.prepared()
		return err
	}
	if err := begin(s, si, check); err != nil {
		return nil, err
	}
	nonce, err := s.clientNonce()
	if err != nil {
		return nil, err
	}
	s.gs2 = "n,,"
	if authz != "" {
		s.gs2 = "n,a=" + saslName(authz) + ","
	}
	s.bare = "n=" + saslName(user) + ",r=" + nonce
	s.nonce = nonce
	s.step, s.verified, s.failure, s.serverSig, s.askedForIR = 1, false, nil, nil, false
	return []byte(s.gs2 + s.bare), nil
}

func (s *SCRAM) clientNonce() (string, error) {
	if s.Nonce != "" {
		if !validNonce(s.Nonce) {
			return "", &CredentialError{Mechanism: s.Name(), Field: "nonce",
				Reason: "is not printable ASCII without ','"}
		}
		return s.Nonce, nil
	}
	r := s.Rand
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, 18)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("saslmech: %s: reading nonce: %w", s.Name(), err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// validNonce: printable ASCII except "," (RFC 5802 section 7).
func validNonce(n string) bool {
	return n != "" && isPrintableASCII(n) && !strings.Contains(n, ",")
}

// Next answers the server-first message with the client-final message, and
// checks the server-final message's signature, answering it with an empty
// response. Anything wrong cancels the exchange.
func (s *SCRAM) Next(challenge []byte) ([]byte, error) {
	switch {
	case s.step == 0:
		return nil, errNotStarted(s.Name())
	case s.step == 1 && len(challenge) == 0 && !s.askedForIR:
		s.askedForIR = true
		return []byte(s.gs2 + s.bare), nil
	case s.step == 1:
		return s.fail(s.clientFinal(string(challenge)))
	case s.step == 2:
		return s.fail(s.checkServerFinal(string(challenge)))
	}
	return s.fail(nil, protoErr(s.Name(), "unexpected challenge after server-final"))
}

// fail records err so that Finish reports it too, then returns.
func (s *SCRAM) fail(resp []byte, err error) ([]byte, error) {
	if err != nil {
		s.failure, s.step = err, 3
		return nil, err
	}
	return resp, nil
}

// Finish reports whether the server's signature was verified.
func (s *SCRAM) Finish() error {
	switch {
	case s.failure != nil:
		return s.failure
	case !s.verified:
		return fmt.Errorf("%w: %s server accepted without sending its signature",
			ErrServerSignature, s.Name())
	}
	return nil
}

func (s *SCRAM) clientFinal(serverFirst string) ([]byte, error) {
	sf, err := parseServerFirst(serverFirst)
	if err != nil {
		return nil, protoErr(s.Name(), "server-first message: %v", err)
	}
	if !strings.HasPrefix(sf.nonce, s.nonce) || len(sf.nonce) == len(s.nonce) {
		return nil, protoErr(s.Name(), "server nonce does not extend the client nonce")
	}
	if sf.iter < minSCRAMIterations || sf.iter > maxSCRAMIterations {
		return nil, protoErr(s.Name(), "iteration count %d outside %d..%d",
			sf.iter, minSCRAMIterations, maxSCRAMIterations)
	}
	_, pass, _, err := s.prepared()
	if err != nil {
		return nil, err
	}
	h := s.hash().New
	salted, err := pbkdf2.Key(h, pass, sf.salt, sf.iter, s.hash().Size())
	if err != nil {
		return nil, fmt.Errorf("saslmech: %s: %v", s.Name(), err)
	}
	withoutProof := "c=" + base64.StdEncoding.EncodeToString([]byte(s.gs2)) + ",r=" + sf.nonce
	authMsg := s.bare + "," + serverFirst + "," + withoutProof

	clientKey := hmacSum(h, salted, "Client Key")
	stored := s.hash().New()
	stored.Write(clientKey)
	proof := hmacSum(h, stored.Sum(nil), authMsg)
	for i := range proof {
		proof[i] ^= clientKey[i]
	}
	s.serverSig = hmacSum(h, hmacSum(h, salted, "Server Key"), authMsg)
	s.step = 2
	return []byte(withoutProof + ",p=" + base64.StdEncoding.EncodeToString(proof)), nil
}

func (s *SCRAM) checkServerFinal(msg string) ([]byte, error) {
	v, err := parseServerFinal(msg)
	var se errServerFinal
	if errors.As(err, &se) {
		return nil, &ServerError{Mechanism: s.Name(), Value: string(se)}
	}
	if err != nil {
		return nil, protoErr(s.Name(), "server-final message: %v", err)
	}
	if !hmac.Equal(v, s.serverSig) {
		return nil, fmt.Errorf("%w: %s server signature is wrong", ErrServerSignature, s.Name())
	}
	s.verified, s.step = true, 3
	return []byte{}, nil
}

func hmacSum(h func() hash.Hash, key []byte, msg string) []byte {
	m := hmac.New(h, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}
