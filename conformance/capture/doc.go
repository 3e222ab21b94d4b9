// SPDX-License-Identifier: Apache-2.0

// Package capture turns a captured SMTP session into a replay transcript
// with its secrets removed, so that users can add the dialogue of their
// own server to the conformance corpus.
//
// It reads two capture formats: the "C: "/"S: " lines that smtpclient
// writes to Options.Trace (which already hides AUTH payloads), and the
// output of swaks (" -> ", "<-  ", " ~> ", "<~  "). It writes the format
// of package [github.com/mailwright/mailwright/conformance/replay]: every
// SASL payload becomes <b64> (whatever the mechanism, for every line of
// the exchange until the server answers with anything but 334), the
// message text becomes <data>, SIZE= values and BDAT sizes become <num>,
// and every string the caller names as secret becomes "[redacted]"
// wherever it appears, settings included.
//
// It is not a general log scrubber: a secret it is not told about and that
// is not in a SASL exchange or the message text stays, so read the result
// before sharing it. The command "mailwright transcript" runs it.
package capture
