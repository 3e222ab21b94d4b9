// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mailwright/mailwright/smime"
)

func init() {
	register(&command{
		name:    "smime",
		summary: "S/MIME sign, encrypt, verify or decrypt a message (stdin to stdout)",
		run:     runSMIME,
	})
}

const smimeUsage = `usage: mailwright smime <sign|encrypt|verify|decrypt> [flags] < in > out

  sign     --cert FILE --key FILE | --pfx FILE [--pfx-password PW]
           [--opaque] [--hash sha256|sha384|sha512] [--encryption-cert FILE]
           [--any-signer]
  encrypt  --to CERT [--to CERT]... [--cipher aes256|aes128|aes128gcm|aes256gcm] [--oaep]
           [--sign-cert FILE --key FILE | --pfx FILE [--pfx-password PW]]
           [--opaque] [--encryption-cert FILE] [--any-signer]: with a signing
           key, sign first, then encrypt (the certificate flag is --sign-cert)
  verify   [--ca FILE]  (default: system roots) [--any-signer];
           prints the signed entity
  decrypt  --cert FILE --key FILE | --pfx FILE [--pfx-password PW]
           [--verify [--ca FILE] [--any-signer]]: with --verify, the
           decrypted entity must be signed by the message's From or Sender

The input is a whole message or a MIME entity. For sign and encrypt, its
Content-* fields and body are protected; other header fields (From, To,
Subject, ...) stay in the clear on top, with MIME-Version: 1.0. A signing
certificate must name the From (or Sender) address, as receivers check
(RFC 8550 §3); --any-signer overrides that. The PKCS#12 password may also
come from the environment variable MAILWRIGHT_PFX_PASSWORD.

Every command streams: memory stays at a few MiB whatever the size of the
message. Nothing is written to stdout unless the whole command succeeds
(a signature that verifies, padding or a GCM tag that checks out). A
message larger than 1 MiB waits meanwhile in a temporary file in $TMPDIR
(default /tmp), encrypted under a key held only in memory and unlinked at
once; it takes up to about twice the message's size there while an
8-bit or long-lined text part is re-encoded. Where /tmp is a tmpfs, that
space is memory: point TMPDIR at a disk for very large messages.
`

func runSMIME(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, smimeUsage)
		return &exitError{code: 2, err: errors.New("missing subcommand")}
	}
	sub := map[string]func(*env, []string) error{
		"sign": smimeSign, "encrypt": smimeEncrypt, "verify": smimeVerify, "decrypt": smimeDecrypt,
	}[args[0]]
	if sub == nil {
		fmt.Fprint(e.stderr, smimeUsage)
		return &exitError{code: 2, err: fmt.Errorf("unknown subcommand %q", args[0])}
	}
	return sub(e, args[1:])
}

// keyFlags are the flags that name a certificate and private key.
type keyFlags struct {
	cert, key, pfx, pfxPassword string
	encCert                     string // signing only: the signer's encryption certificate
}

// registerEnc adds --encryption-cert, for commands that sign.
func (k *keyFlags) registerEnc(fs *flag.FlagSet) {
	fs.StringVar(&k.encCert, "encryption-cert", "",
		"PEM certificate the signer receives encrypted mail with, when not the signing one (RFC 8551 §2.5.3)")
}

func (k *keyFlags) register(fs *flag.FlagSet, certName string) {
	fs.StringVar(&k.cert, certName, "", "PEM certificate (end entity first, then its chain)")
	fs.StringVar(&k.key, "key", "", "PEM private key (PKCS#8, PKCS#1 or SEC 1)")
	fs.StringVar(&k.pfx, "pfx", "", "PKCS#12 (.p12/.pfx) file with certificate and key")
	fs.StringVar(&k.pfxPassword, "pfx-password", "", "password of --pfx (or $MAILWRIGHT_PFX_PASSWORD)")
}

func (k *keyFlags) set() bool { return k.cert != "" || k.key != "" || k.pfx != "" }

// load returns the signer named by the flags.
func (k *keyFlags) load(e *env) (*smime.Signer, error) {
	s, err := k.loadKey(e)
	if err != nil || k.encCert == "" {
		return s, err
	}
	certs, err := loadCerts([]string{k.encCert})
	if err != nil {
		return nil, err
	}
	s.EncryptionCertificate = certs[0]
	return s, nil
}

func (k *keyFlags) loadKey(e *env) (*smime.Signer, error) {
	if k.pfx != "" {
		if k.cert != "" || k.key != "" {
			return nil, errors.New("give either --pfx or a certificate and --key, not both")
		}
		b, err := os.ReadFile(k.pfx)
		if err != nil {
			return nil, err
		}
		pw := k.pfxPassword
		if pw == "" {
			pw = e.getenv("MAILWRIGHT_PFX_PASSWORD")
		}
		return smime.LoadPKCS12(b, pw)
	}
	if k.cert == "" || k.key == "" {
		return nil, errors.New("need a certificate and --key, or --pfx")
	}
	c, err := os.ReadFile(k.cert)
	if err != nil {
		return nil, err
	}
	key, err := os.ReadFile(k.key)
	if err != nil {
		return nil, err
	}
	return smime.NewSigner(c, key)
}

func newFlagSet(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("smime "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return &exitError{code: 2, err: err}
	}
	if fs.NArg() > 0 {
		return &exitError{code: 2, err: fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

var hashNames = map[string]crypto.Hash{"sha256": crypto.SHA256, "sha384": crypto.SHA384, "sha512": crypto.SHA512}

func smimeSign(e *env, args []string) error {
	var k keyFlags
	var opaque, anySigner bool
	var hash string
	fs := newFlagSet(e, "sign")
	k.register(fs, "cert")
	k.registerEnc(fs)
	fs.BoolVar(&opaque, "opaque", false, "application/pkcs7-mime signed-data instead of multipart/signed")
	fs.BoolVar(&anySigner, "any-signer", false, "sign even when the certificate does not name the From "+
		"or Sender address (receivers refuse such a signature, RFC 8550 §3)")
	fs.StringVar(&hash, "hash", "sha256", "digest: sha256, sha384 or sha512")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	h, ok := hashNames[hash]
	if !ok {
		return &exitError{code: 2, err: fmt.Errorf("unknown --hash %q", hash)}
	}
	s, err := k.load(e)
	if err != nil {
		return err
	}
	return protect(e, &smime.Protector{Signer: s, SignOptions: &smime.SignOptions{Opaque: opaque, Hash: h}}, anySigner)
}

// certList is a repeatable flag of certificate files.
type certList []string

func (c *certList) String() string     { return strings.Join(*c, ",") }
func (c *certList) Set(v string) error { *c = append(*c, v); return nil }

func smimeEncrypt(e *env, args []string) error {
	var to certList
	var k keyFlags
	var cipher string
	var opaque, oaep, anySigner bool
	fs := newFlagSet(e, "encrypt")
	fs.Var(&to, "to", "recipient's PEM certificate (repeat for more recipients)")
	fs.StringVar(&cipher, "cipher", "aes256", "content cipher: aes256, aes128 (CBC), aes128gcm or aes256gcm")
	fs.BoolVar(&oaep, "oaep", false, "send the content key with RSAES-OAEP (SHA-256) instead of PKCS #1 v1.5")
	k.register(fs, "sign-cert")
	k.registerEnc(fs)
	fs.BoolVar(&opaque, "opaque", false, "when signing, sign opaquely")
	fs.BoolVar(&anySigner, "any-signer", false, "when signing, sign even when the certificate does not "+
		"name the From or Sender address")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	c, ok := map[string]smime.Cipher{"aes256": smime.AES256CBC, "aes128": smime.AES128CBC,
		"aes128gcm": smime.AES128GCM, "aes256gcm": smime.AES256GCM}[cipher]
	if !ok {
		return &exitError{code: 2, err: fmt.Errorf("unknown --cipher %q", cipher)}
	}
	recips, err := loadCerts(to)
	if err != nil {
		return err
	}
	pr := &smime.Protector{Recipients: recips, EncryptOptions: &smime.EncryptOptions{Cipher: c, OAEP: oaep}}
	if k.set() {
		if pr.Signer, err = k.load(e); err != nil {
			return err
		}
		pr.SignOptions = &smime.SignOptions{Opaque: opaque}
	}
	return protect(e, pr, anySigner)
}

func loadCerts(files []string) ([]*x509.Certificate, error) {
	if len(files) == 0 {
		return nil, &exitError{code: 2, err: errors.New("need at least one --to certificate")}
	}
	var certs []*x509.Certificate
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		c, err := smime.ParseCertificatesPEM(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		certs = append(certs, c[0])
	}
	return certs, nil
}

func smimeVerify(e *env, args []string) error {
	var ca string
	var anySigner bool
	fs := newFlagSet(e, "verify")
	fs.StringVar(&ca, "ca", "", "PEM file of trusted roots (default: the system's)")
	fs.BoolVar(&anySigner, "any-signer", false, "accept a signer whose certificate does not "+
		"name the From or Sender address (a warning is printed instead)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	roots, err := loadRoots(ca)
	if err != nil {
		return err
	}
	in, senders, err := checkSigned(e.stdin) // smime_notsigned.go
	if err != nil {
		return err
	}
	return verifyOut(e, in, roots, senders, anySigner)
}

// loadRoots reads the trusted roots of --ca; "" means the system's.
func loadRoots(ca string) (*x509.CertPool, error) {
	if ca == "" {
		return nil, nil
	}
	b, err := os.ReadFile(ca)
	if err != nil {
		return nil, err
	}
	certs, err := smime.ParseCertificatesPEM(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ca, err)
	}
	roots := x509.NewCertPool()
	for _, c := range certs {
		roots.AddCert(c)
	}
	return roots, nil
}

// verifyOut verifies the signed message in and streams the signed
// entity to stdout once every signature verified and a signer is one of
// senders (RFC 8550 §3, unless anySigner); before that nothing is
// written.
func verifyOut(e *env, in io.Reader, roots *x509.CertPool, senders []string, anySigner bool) error {
	_, err := smime.VerifyTo(e.stdout, in, roots, &smime.VerifyOptions{Accept: func(v *smime.Verified) error {
		if err := checkSigner(e, v, senders, anySigner); err != nil {
			return err
		}
		for _, s := range v.Signers {
			fmt.Fprintf(e.stderr, "smime: good signature from %s", signerName(s.Certificate))
			if !s.SigningTime.IsZero() {
				fmt.Fprintf(e.stderr, ", signed %s", s.SigningTime.UTC().Format(time.RFC3339))
			}
			fmt.Fprintln(e.stderr)
		}
		return nil
	}})
	return err
}

// checkSigner applies RFC 8550 §3: a receiving agent checks that the
// From (or Sender) address is named in a signer's certificate, since a
// good signature by someone else says nothing about the sender.
func checkSigner(e *env, v *smime.Verified, senders []string, anySigner bool) error {
	if len(senders) == 0 {
		// A bare entity (what "smime decrypt" prints) has no From to
		// compare: say so rather than pass in silence.
		fmt.Fprintln(e.stderr, "smime: note: no From or Sender field, so the signer was not compared "+
			"with the sender (RFC 8550 §3); check that the signer is who sent the message")
		return nil
	}
	for _, a := range senders {
		if v.SignedBy(a) {
			return nil
		}
	}
	msg := fmt.Sprintf("the signature is good, but no signer's certificate names the From "+
		"or Sender address %s (RFC 8550 §3)", strings.Join(senders, ", "))
	if anySigner {
		fmt.Fprintln(e.stderr, "smime: warning: "+msg)
		return nil
	}
	return errors.New(msg + "; --any-signer accepts it")
}

func signerName(c *x509.Certificate) string {
	if len(c.EmailAddresses) > 0 {
		return c.EmailAddresses[0]
	}
	return c.Subject.String()
}

func smimeDecrypt(e *env, args []string) error {
	var k keyFlags
	var verify, anySigner bool
	var ca string
	fs := newFlagSet(e, "decrypt")
	k.register(fs, "cert")
	fs.BoolVar(&verify, "verify", false, "the decrypted entity must be signed: verify it, and check that "+
		"a signer is the encrypted message's From or Sender (RFC 8550 §3), then print the signed entity")
	fs.StringVar(&ca, "ca", "", "with --verify: PEM file of trusted roots (default: the system's)")
	fs.BoolVar(&anySigner, "any-signer", false, "with --verify: accept a signer that is not the From or Sender")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if !verify && (ca != "" || anySigner) {
		return &exitError{code: 2, err: errors.New("--ca and --any-signer go with --verify")}
	}
	s, err := k.load(e)
	if err != nil {
		// The key and certificate are checked as a pair as for signing;
		// here they are the recipient's.
		if ce := (*smime.CertificateError)(nil); errors.As(err, &ce) && ce.Role == "signer" {
			ce.Role = "recipient"
		}
		return err
	}
	if !verify {
		// The entity streams to stdout once it is decrypted and its
		// padding or GCM tag checked out; before that nothing is written.
		return smime.DecryptTo(e.stdout, e.stdin, s.Certificate, s.Key, nil)
	}
	roots, err := loadRoots(ca)
	if err != nil {
		return err
	}
	// The From and Sender of the encrypted message are in its clear
	// header; the decrypted entity has none to compare the signer with.
	in, h, err := peekHeader(e.stdin)
	if err != nil {
		return err
	}
	var senders []string
	if h != nil {
		senders = senderAddrs(h)
	}
	// Decrypt into a pipe that the verifier reads: DecryptTo writes the
	// plaintext only once it checked out, VerifyTo writes the entity only
	// once it verified, and neither holds the message.
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := smime.DecryptTo(pw, in, s.Certificate, s.Key, nil)
		pw.CloseWithError(err)
		done <- err
	}()
	verr := verifyOut(e, pr, roots, senders, anySigner)
	pr.CloseWithError(errVerifyStopped) // unblocks DecryptTo if the verifier stopped early
	if derr := <-done; derr != nil && !errors.Is(derr, errVerifyStopped) {
		return derr // the decryption error, not the verifier's view of it
	}
	return verr
}

// errVerifyStopped ends decryption when the verifier has stopped reading.
var errVerifyStopped = errors.New("verification stopped reading")

// protect reads a message or entity from stdin and writes it to stdout
// with its MIME entity signed and/or encrypted as pr says. Protect
// streams, and writes nothing when it fails. When signing a message
// with From or Sender fields, the certificate must name one of them (the
// check receivers make, RFC 8550 §3), unless anySigner.
func protect(e *env, pr *smime.Protector, anySigner bool) error {
	in, h, err := peekHeader(e.stdin)
	if err != nil {
		return err
	}
	if pr.Signer != nil && h != nil {
		if senders := senderAddrs(h); len(senders) > 0 && !namesAny(pr.Signer.Certificate, senders) {
			msg := fmt.Sprintf("the signing certificate (%s) does not name the From or Sender address %s, "+
				"so receivers will refuse the signature (RFC 8550 §3)", signerName(pr.Signer.Certificate),
				strings.Join(senders, ", "))
			if !anySigner {
				return errors.New(msg + "; --any-signer signs anyway")
			}
			fmt.Fprintln(e.stderr, "smime: warning: "+msg)
		}
	}
	return pr.Protect(e.stdout, in)
}

func namesAny(c *x509.Certificate, addrs []string) bool {
	for _, a := range addrs {
		if smime.NamesAddress(c, a) {
			return true
		}
	}
	return false
}
