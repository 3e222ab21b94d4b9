// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mailwright/mailwright/dkim"
)

func init() {
	register(&command{
		name:    "dkim",
		summary: "DKIM keys, records, signing and verifying (keygen|record|sign|verify)",
		run:     runDKIM,
	})
}

const dkimUsage = `usage:
  mailwright dkim keygen --domain D --selector S [--type rsa|ed25519] [--bits 2048] --out KEY [--format F]
  mailwright dkim record --domain D --selector S --key KEY(.pem|.pfx) [--format F]
  mailwright dkim sign   --domain D --selector S --key KEY [--canon relaxed/relaxed] [--flags N] < msg > signed
  mailwright dkim verify [--txt-file F | --dns F] < msg
verify looks the keys up in live DNS by default; --txt-file (one record
value for every signature) or --dns (a file of "NAME VALUE" lines) keeps it
offline.
The record is printed as a zone file line (--format zone, the default), as
"NAME VALUE" for a --dns file (--format line), or as the bare value for a
--txt-file (--format value). A .pfx/.p12 key is opened with the password in
$MAILWRIGHT_DKIM_PASSWORD.`

// printDKIMRecord writes rec in the chosen format.
func printDKIMRecord(w io.Writer, rec *dkim.KeyRecord, format string) error {
	switch format {
	case "zone":
		_, err := fmt.Fprintln(w, rec.Zone())
		return err
	case "line":
		_, err := fmt.Fprintln(w, rec.Name+" "+rec.Value)
		return err
	case "value":
		_, err := fmt.Fprintln(w, rec.Value)
		return err
	}
	return &exitError{code: 2, err: fmt.Errorf("--format %q: want zone, line or value", format)}
}

func runDKIM(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, dkimUsage)
		return &exitError{code: 2, err: errors.New("missing subcommand")}
	}
	switch args[0] {
	case "keygen":
		return dkimKeygen(e, args[1:])
	case "record":
		return dkimRecord(e, args[1:])
	case "sign":
		return dkimSign(e, args[1:])
	case "verify":
		return dkimVerify(ctx, e, args[1:])
	}
	fmt.Fprintln(e.stderr, dkimUsage)
	return &exitError{code: 2, err: fmt.Errorf("unknown subcommand %q", args[0])}
}

// dkimFlags parses the flags of one subcommand; usage errors exit 2.
func dkimFlags(e *env, name string, args []string, define func(fs *flag.FlagSet)) error {
	fs := flag.NewFlagSet("dkim "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	define(fs)
	fs.Usage = func() { fmt.Fprintln(e.stderr, dkimUsage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return &exitError{code: 2, err: err}
	}
	if fs.NArg() > 0 {
		return &exitError{code: 2, err: fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

func dkimKeygen(e *env, args []string) error {
	var domain, selector, typ, out, format string
	var bits int
	if err := dkimFlags(e, "keygen", args, func(fs *flag.FlagSet) {
		fs.StringVar(&domain, "domain", "", "signing `domain` (d=)")
		fs.StringVar(&selector, "selector", "", "`selector` (s=)")
		fs.StringVar(&typ, "type", "rsa", "key type: rsa or ed25519")
		fs.IntVar(&bits, "bits", 2048, "RSA key size (1024 to 4096; RFC 8301 asks for at least 1024)")
		fs.StringVar(&out, "out", "", "write the private key (PKCS#8 PEM, mode 0600) to `file`")
		fs.StringVar(&format, "format", "zone", "how to print the record: zone, line or value")
	}); err != nil {
		return err
	}
	if domain == "" || selector == "" || out == "" {
		return &exitError{code: 2, err: errors.New("--domain, --selector and --out are required")}
	}
	if format != "zone" && format != "line" && format != "value" {
		return &exitError{code: 2, err: fmt.Errorf("--format %q: want zone, line or value", format)}
	}
	var key crypto.Signer
	switch typ {
	case "rsa":
		if bits < 1024 || bits > 4096 {
			return &exitError{code: 2, err: fmt.Errorf("--bits %d: want 1024 to 4096", bits)}
		}
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			return err
		}
		key = k
	case "ed25519":
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return err
		}
		key = k
	default:
		return &exitError{code: 2, err: fmt.Errorf("--type %q: want rsa or ed25519", typ)}
	}
	rec, err := dkim.Record(selector, domain, key.Public())
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("writing the key: %w (an existing file is never overwritten)", err)
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		os.Remove(out)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(out)
		return err
	}
	return printDKIMRecord(e.stdout, rec, format)
}

// loadDKIMKey reads a PEM key, or a .pfx/.p12 file with the password from
// $MAILWRIGHT_DKIM_PASSWORD.
func loadDKIMKey(e *env, file string) (crypto.Signer, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	n := strings.ToLower(file)
	if strings.HasSuffix(n, ".pfx") || strings.HasSuffix(n, ".p12") {
		return dkim.LoadPKCS12(data, e.getenv("MAILWRIGHT_DKIM_PASSWORD"))
	}
	return dkim.LoadKey(data)
}

func dkimRecord(e *env, args []string) error {
	var domain, selector, keyFile, format string
	if err := dkimFlags(e, "record", args, func(fs *flag.FlagSet) {
		fs.StringVar(&domain, "domain", "", "signing `domain` (d=)")
		fs.StringVar(&selector, "selector", "", "`selector` (s=)")
		fs.StringVar(&keyFile, "key", "", "private key `file` (PEM, or .pfx/.p12)")
		fs.StringVar(&format, "format", "zone", "how to print the record: zone, line or value")
	}); err != nil {
		return err
	}
	if domain == "" || selector == "" || keyFile == "" {
		return &exitError{code: 2, err: errors.New("--domain, --selector and --key are required")}
	}
	key, err := loadDKIMKey(e, keyFile)
	if err != nil {
		return err
	}
	rec, err := dkim.Record(selector, domain, key.Public())
	if err != nil {
		return err
	}
	return printDKIMRecord(e.stdout, rec, format)
}

func dkimSign(e *env, args []string) error {
	var domain, selector, keyFile, canon string
	var flags uint
	if err := dkimFlags(e, "sign", args, func(fs *flag.FlagSet) {
		fs.StringVar(&domain, "domain", "", "signing `domain` (d=)")
		fs.StringVar(&selector, "selector", "", "`selector` (s=)")
		fs.StringVar(&keyFile, "key", "", "private key `file` (PEM, or .pfx/.p12)")
		fs.StringVar(&canon, "canon", "relaxed/relaxed", "canonicalization: header/body, each simple or relaxed")
		fs.UintVar(&flags, "flags", 0, "classic SendCertified flags: 1 leaves out Date, 2 Message-ID, "+
			"4 List-Unsubscribe, 8 List-Unsubscribe-Post, 16 Feedback-ID")
	}); err != nil {
		return err
	}
	if domain == "" || selector == "" || keyFile == "" {
		return &exitError{code: 2, err: errors.New("--domain, --selector and --key are required")}
	}
	h, b, ok := strings.Cut(canon, "/")
	if !ok || !isCanon(h) || !isCanon(b) {
		return &exitError{code: 2, err: fmt.Errorf("--canon %q: want simple or relaxed, twice, as in relaxed/relaxed", canon)}
	}
	key, err := loadDKIMKey(e, keyFile)
	if err != nil {
		return err
	}
	// The signed message is written only once complete, so a failure
	// leaves nothing half-written on standard output.
	var out bytes.Buffer
	if err := dkim.Sign(&out, e.stdin, &dkim.SignOptions{Domain: domain, Selector: selector, Signer: key,
		HeaderCanonicalization: dkim.Canonicalization(h), BodyCanonicalization: dkim.Canonicalization(b),
		Exclude: dkim.Flags(flags), Oversign: true}); err != nil {
		return err
	}
	_, err = io.Copy(e.stdout, &out)
	return err
}

func isCanon(s string) bool { return s == string(dkim.Simple) || s == string(dkim.Relaxed) }

func dkimVerify(ctx context.Context, e *env, args []string) error {
	var txtFile, dnsFile string
	if err := dkimFlags(e, "verify", args, func(fs *flag.FlagSet) {
		fs.StringVar(&txtFile, "txt-file", "", "`file` holding one TXT record value, used for every signature (offline)")
		fs.StringVar(&dnsFile, "dns", "", "`file` of lines \"selector._domainkey.domain VALUE\" (offline)")
	}); err != nil {
		return err
	}
	o := &dkim.VerifyOptions{}
	switch {
	case txtFile != "" && dnsFile != "":
		return &exitError{code: 2, err: errors.New("give --txt-file or --dns, not both")}
	case txtFile != "":
		v, err := os.ReadFile(txtFile)
		if err != nil {
			return err
		}
		o.Resolver = anyName(strings.TrimSpace(string(v)))
	case dnsFile != "":
		f, err := os.Open(dnsFile)
		if err != nil {
			return err
		}
		recs, err := dkim.ParseTXTRecords(f)
		f.Close()
		if err != nil {
			return err
		}
		o.Resolver = recs
	}
	vs, err := dkim.Verify(ctx, e.stdin, o)
	if err != nil {
		return err
	}
	if len(vs) == 0 {
		return &exitError{code: 1, err: errors.New("the message has no DKIM-Signature")}
	}
	failed := 0
	for _, v := range vs {
		if v.Err != nil {
			failed++
			fmt.Fprintf(e.stdout, "FAIL d=%s s=%s a=%s: %v\n", v.Domain, v.Selector, v.Algorithm, v.Err)
			continue
		}
		fmt.Fprintf(e.stdout, "pass d=%s s=%s a=%s\n", v.Domain, v.Selector, v.Algorithm)
	}
	if failed > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d of %d signatures failed", failed, len(vs))}
	}
	return nil
}

// anyName answers every key lookup with one record, for --txt-file.
type anyName string

func (a anyName) LookupTXT(context.Context, string) ([]string, error) {
	return []string{string(a)}, nil
}
