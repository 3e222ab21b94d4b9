// SPDX-License-Identifier: Apache-2.0

package main

import (
	"strings"
	"testing"
)

// TestSMIMEVerifyNotSigned: a message without an S/MIME signature is
// reported as such, not as a MIME parse error, and nothing is printed on
// standard output.
func TestSMIMEVerifyNotSigned(t *testing.T) {
	tests := []struct{ name, msg, want string }{
		{"empty", "", "not an S/MIME signed message: no header could be read"},
		{"plain text", "From: a@example.test\r\nSubject: x\r\n\r\nhello\r\n",
			"not an S/MIME signed message: it has no Content-Type (plain text)"},
		{"mixed", "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\nhi\r\n--x--\r\n",
			"not an S/MIME signed message: its Content-Type is multipart/mixed"},
		{"entity", cliEntity, "not an S/MIME signed message: its Content-Type is text/plain"},
		{"encrypted", "Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n\r\nAAAA\r\n",
			`it is encrypted (enveloped-data); run "mailwright smime decrypt" first`},
		// Only the first MiB is read to look at the header (a fresh-user
		// review saw 1.2 GB of memory taken by a 150 MB header line).
		{"header line of 3 MiB", "X-Long: " + strings.Repeat("a", 3<<20) + "\r\n\r\nbody\r\n",
			"the message header is longer than 1048576 bytes"},
		{"header of 3 MiB", strings.Repeat("X-Many: field\r\n", 3<<16) + "\r\nbody\r\n",
			"the message header is longer than 1048576 bytes"},
	}
	for _, tt := range tests {
		out, stderr, code := cli(t, []byte(tt.msg), "smime", "verify")
		if code != 1 || len(out) != 0 || !strings.Contains(stderr, tt.want) ||
			strings.Contains(stderr, "malformed") {
			t.Errorf("%s: exit %d, out %q, stderr %q; want 1 and %q", tt.name, code, out, stderr, tt.want)
		}
	}
}
