// SPDX-License-Identifier: Apache-2.0

// Package conformance is mailwright's conformance suite: it shows that the
// client works with the servers people send through, and keeps it working.
//
// It holds no library code of its own beyond the embedded corpus
// ([Transcripts]); the work is in its tests and subpackages:
//
//   - package replay plays recorded SMTP dialogues from the server side on
//     loopback (plain, STARTTLS, implicit TLS) and reports the first client
//     line that differs, expected against received;
//   - the corpus in testdata/transcripts: the examples of RFC 5321
//     Appendix D, RFC 3207, RFC 4954, RFC 2920 and RFC 3030, the dialects
//     of Postfix, Exim, Sendmail, Exchange, Office 365, Gmail, qmail,
//     hMailServer and IIS SMTP, and faults and attacks from the security
//     checklist, each with the outcome the client must report;
//   - a STARTTLS man-in-the-middle harness run against smtpclient and
//     mailsender in every set-up that reaches TLS;
//   - the real-server tier and interoperability matrix against Postfix,
//     Dovecot, Cyrus SASL, python3-dkim, OpenDKIM and openssl cms;
//   - package capture, which turns a captured session into a transcript
//     with its secrets removed, so users can add their own server.
//
// It is not a test server for production use and not a mail verifier.
// See README.md for the transcript format and how to add a transcript.
package conformance
