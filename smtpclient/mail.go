// SPDX-License-Identifier: Apache-2.0

package smtpclient

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Body types for MailOptions.Body (RFC 6152).
const (
	Body7Bit     = "7BIT"
	Body8BitMIME = "8BITMIME"
)

// MailOptions are the parameters of MAIL FROM. The zero value sends none.
type MailOptions struct {
	// Size is the message size in octets, sent as SIZE= when the server
	// offers SIZE (RFC 1870). A size above the server's limit is refused
	// before anything is sent. Zero means unknown.
	Size int64
	// Body is Body7Bit or Body8BitMIME (needs 8BITMIME, RFC 6152); empty
	// sends no BODY parameter.
	Body string
	// UTF8 declares SMTPUTF8 (RFC 6531) because a header or a recipient
	// needs it. It is implied when the sender address is not ASCII.
	UTF8 bool
	// Return is the DSN RET parameter, "FULL" or "HDRS" (RFC 3461; needs
	// DSN). Empty sends none.
	Return string
	// EnvelopeID is the DSN ENVID parameter, sent as xtext. Empty sends
	// none.
	EnvelopeID string
	// RequireTLS sends REQUIRETLS (RFC 8689): every server on the way must
	// take the message over TLS with a verified certificate, or return
	// it. It needs the extension and, on this connection, TLS whose
	// certificate was verified (RFC 8689 section 4.1); otherwise nothing
	// is sent.
	RequireTLS bool
}

// RcptOptions are the parameters of RCPT TO. The zero value sends none.
type RcptOptions struct {
	// Notify is the DSN NOTIFY list: "NEVER" alone, or any of "SUCCESS",
	// "FAILURE" and "DELAY" (RFC 3461 section 4.1; needs DSN).
	Notify []string
	// OriginalRecipient is sent as ORCPT=rfc822;<xtext> (RFC 3461 section
	// 4.2; needs DSN). Empty sends none.
	OriginalRecipient string
}

// Mail sends MAIL FROM and starts a mail transaction. from may be "" for
// the null reverse-path of a bounce. A nil o sends no parameters.
func (c *Client) Mail(ctx context.Context, from string, o *MailOptions) error {
	line, p, err := c.mailLine(from, o)
	if err != nil {
		return err
	}
	if err := c.simple(ctx, c.opts.CommandTimeout, "MAIL FROM", line, 250); err != nil {
		return err
	}
	c.begun(p)
	return nil
}

// Rcpt sends RCPT TO for one recipient. A nil o sends no parameters. A
// recipient that is not ASCII needs a transaction started with SMTPUTF8.
func (c *Client) Rcpt(ctx context.Context, to string, o *RcptOptions) error {
	line, err := c.rcptLine(to, o, c.params.utf8)
	if err != nil {
		return err
	}
	r, err := c.cmd(ctx, c.opts.CommandTimeout, "RCPT TO", line)
	if err != nil {
		return err
	}
	return c.expect(r, "RCPT TO", 250, 251)
}

// mailParams are the facts a transaction declared in MAIL FROM.
type mailParams struct {
	utf8  bool // SMTPUTF8
	body8 bool // BODY=8BITMIME
}

// begun records an accepted MAIL FROM.
func (c *Client) begun(p mailParams) {
	c.inMail, c.params = true, p
}

// mailLine builds and checks the MAIL FROM command.
func (c *Client) mailLine(from string, o *MailOptions) (string, mailParams, error) {
	if o == nil {
		o = &MailOptions{}
	}
	utf8, err := checkAddress("sender address", from, true)
	if err != nil {
		return "", mailParams{}, err
	}
	utf8 = utf8 || o.UTF8
	var b strings.Builder
	b.WriteString("MAIL FROM:<")
	b.WriteString(from)
	b.WriteByte('>')
	if o.Size > 0 {
		if lim := c.sizeLimit(); lim > 0 && o.Size > lim {
			return "", mailParams{}, &SizeError{Size: o.Size, Limit: lim}
		}
		if c.has("SIZE") {
			b.WriteString(" SIZE=" + strconv.FormatInt(o.Size, 10))
		}
	}
	if err := c.bodyParam(&b, o.Body); err != nil {
		return "", mailParams{}, err
	}
	if utf8 {
		if !c.has("SMTPUTF8") {
			return "", mailParams{}, &ExtensionError{Extension: "SMTPUTF8", Reason: "a non-ASCII address or header"}
		}
		b.WriteString(" SMTPUTF8")
	}
	if err := c.dsnMailParams(&b, o); err != nil {
		return "", mailParams{}, err
	}
	if o.RequireTLS {
		if err := c.requireTLS(); err != nil {
			return "", mailParams{}, err
		}
		b.WriteString(" REQUIRETLS")
	}
	return b.String(), mailParams{utf8: utf8, body8: o.Body == Body8BitMIME}, nil
}

// bodyParam adds BODY=.
func (c *Client) bodyParam(b *strings.Builder, body string) error {
	switch body {
	case "":
		return nil
	case Body7Bit:
	case Body8BitMIME:
		if !c.has("8BITMIME") {
			return &ExtensionError{Extension: "8BITMIME", Reason: "8-bit message content"}
		}
	default:
		return &ArgumentError{Field: "MailOptions.Body", Reason: "want 7BIT or 8BITMIME"}
	}
	b.WriteString(" BODY=" + body)
	return nil
}

// dsnMailParams adds RET= and ENVID=.
func (c *Client) dsnMailParams(b *strings.Builder, o *MailOptions) error {
	if o.Return == "" && o.EnvelopeID == "" {
		return nil
	}
	if !c.has("DSN") {
		return &ExtensionError{Extension: "DSN", Reason: "delivery status notification parameters"}
	}
	switch o.Return {
	case "":
	case "FULL", "HDRS":
		b.WriteString(" RET=" + o.Return)
	default:
		return &ArgumentError{Field: "MailOptions.Return", Reason: "want FULL or HDRS"}
	}
	if o.EnvelopeID != "" {
		if len(o.EnvelopeID) > 100 {
			return &ArgumentError{Field: "MailOptions.EnvelopeID", Reason: "is longer than 100 characters"}
		}
		b.WriteString(" ENVID=" + xtext(o.EnvelopeID))
	}
	return nil
}

// rcptLine builds and checks the RCPT TO command. utf8Mail says whether
// the transaction declared SMTPUTF8; SMTPUTF8 itself never goes on RCPT
// (CASE-20).
func (c *Client) rcptLine(to string, o *RcptOptions, utf8Mail bool) (string, error) {
	utf8, err := checkAddress("recipient address", to, false)
	if err != nil {
		return "", err
	}
	if utf8 && !utf8Mail {
		if !c.has("SMTPUTF8") {
			return "", &ExtensionError{Extension: "SMTPUTF8", Reason: "a non-ASCII address"}
		}
		return "", &ArgumentError{Field: "recipient address",
			Reason: "is not ASCII but MAIL FROM did not declare SMTPUTF8 (set MailOptions.UTF8)"}
	}
	line := "RCPT TO:<" + to + ">"
	if o == nil || (len(o.Notify) == 0 && o.OriginalRecipient == "") {
		return line, nil
	}
	if !c.has("DSN") {
		return "", &ExtensionError{Extension: "DSN", Reason: "delivery status notification parameters"}
	}
	if len(o.Notify) > 0 {
		if err := checkNotify(o.Notify); err != nil {
			return "", err
		}
		line += " NOTIFY=" + strings.Join(o.Notify, ",")
	}
	if o.OriginalRecipient != "" {
		if _, err := checkAddress("RcptOptions.OriginalRecipient", o.OriginalRecipient, false); err != nil {
			return "", err
		}
		line += " ORCPT=rfc822;" + xtext(o.OriginalRecipient)
	}
	return line, nil
}

// checkNotify checks a NOTIFY list: NEVER alone, or distinct values of
// SUCCESS, FAILURE and DELAY.
func checkNotify(n []string) error {
	bad := &ArgumentError{Field: "RcptOptions.Notify", Reason: "want NEVER alone or SUCCESS, FAILURE, DELAY"}
	if len(n) == 1 && n[0] == "NEVER" {
		return nil
	}
	seen := map[string]bool{}
	for _, v := range n {
		if (v != "SUCCESS" && v != "FAILURE" && v != "DELAY") || seen[v] {
			return bad
		}
		seen[v] = true
	}
	return nil
}

// requireTLS checks that REQUIRETLS may be sent: the server offers it and
// this session runs over TLS with a verified certificate chain.
func (c *Client) requireTLS() error {
	if !c.has("REQUIRETLS") {
		return &ExtensionError{Extension: "REQUIRETLS", Reason: "MailOptions.RequireTLS"}
	}
	if st, ok := c.TLSConnectionState(); !ok || len(st.VerifiedChains) == 0 {
		return fmt.Errorf("%w: REQUIRETLS needs a session over TLS with a verified certificate", ErrTLSRequired)
	}
	return nil
}
