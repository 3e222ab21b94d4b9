// SPDX-License-Identifier: Apache-2.0

package main

import (
	"errors"
	"flag"

	"github.com/mailwright/mailwright/mailsender"
)

// smimeSendFlags are the S/MIME flags of "mailwright send".
type smimeSendFlags struct {
	signCert, signKey, pfx, pfxPassword string
	encryptCerts                        listFlag
}

// pfxPasswordEnv is where --smime-pfx takes its password from when
// --smime-pfx-password is not given, so that the password need not
// appear in the argument list (which other users can see); "mailwright
// smime" reads the same variable.
const pfxPasswordEnv = "MAILWRIGHT_PFX_PASSWORD"

func (f *smimeSendFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.signCert, "smime-sign-cert", "",
		"S/MIME-sign with the PEM certificate in `file` (signing certificate first, then its chain)")
	fs.StringVar(&f.signKey, "smime-sign-key", "", "the PEM private key `file` of --smime-sign-cert")
	fs.StringVar(&f.pfx, "smime-pfx", "",
		"S/MIME-sign with the certificate, key and chain in the PKCS#12 (.p12/.pfx) `file`")
	fs.StringVar(&f.pfxPassword, "smime-pfx-password", "",
		"the `password` of --smime-pfx (default $"+pfxPasswordEnv+", which keeps it out of the process list)")
	fs.Var(&f.encryptCerts, "smime-encrypt-cert", "S/MIME-encrypt for the PEM certificate(s) in `file` "+
		"(repeatable; every recipient needs one; add your own to read the sent copy)")
}

// apply sets s.SMIME from the flags, or leaves it nil when none is given.
// The files are read when the message is sent (or queued), where a
// certificate that cannot be used is reported with the flag's setting.
func (f *smimeSendFlags) apply(s *mailsender.Sender, getenv func(string) string) error {
	switch {
	case f.pfx != "" && (f.signCert != "" || f.signKey != ""):
		return errors.New("--smime-pfx excludes --smime-sign-cert and --smime-sign-key")
	case f.signCert != "" && f.signKey == "":
		return errors.New("--smime-sign-cert needs --smime-sign-key")
	case f.signKey != "" && f.signCert == "":
		return errors.New("--smime-sign-key needs --smime-sign-cert")
	case f.pfxPassword != "" && f.pfx == "":
		return errors.New("--smime-pfx-password needs --smime-pfx")
	case f.signCert == "" && f.pfx == "" && len(f.encryptCerts) == 0:
		return nil
	}
	c := &mailsender.SMIME{CertFile: f.signCert, KeyFile: f.signKey, PFXFile: f.pfx,
		PFXPassword: f.pfxPassword, RecipientFiles: f.encryptCerts}
	if f.pfx != "" && c.PFXPassword == "" {
		c.PFXPassword = getenv(pfxPasswordEnv)
	}
	s.SMIME = c
	return nil
}
