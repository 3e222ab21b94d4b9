// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"net/textproto"
	"strings"
)

// maxPeekHeader bounds what checkSigned reads of a message: smime's own
// limit on a header.
const maxPeekHeader = 1 << 20

// peekHeader reads the header of msg, at most maxPeekHeader bytes of it,
// so that an absurd header cannot take the memory that smime, which
// streams, never does. It returns a reader of the whole message, and the
// header, nil when none could be read.
func peekHeader(msg io.Reader) (io.Reader, textproto.MIMEHeader, error) {
	var head bytes.Buffer
	r := bufio.NewReader(io.TeeReader(io.LimitReader(msg, maxPeekHeader), &head))
	h, err := textproto.NewReader(r).ReadMIMEHeader()
	if err != nil && head.Len() >= maxPeekHeader {
		return nil, nil, fmt.Errorf("the message header is longer than %d bytes", maxPeekHeader)
	}
	whole := io.MultiReader(&head, msg) // head holds all that r took from msg
	if err != nil && len(h) == 0 {
		return whole, nil, nil
	}
	return whole, h, nil
}

// senderAddrs returns the addresses of the From and Sender fields.
func senderAddrs(h textproto.MIMEHeader) []string {
	var senders []string
	for _, f := range []string{"From", "Sender"} {
		if list, err := mail.ParseAddressList(h.Get(f)); err == nil {
			for _, a := range list {
				senders = append(senders, a.Address)
			}
		}
	}
	return senders
}

// errNotSigned is what "smime verify" says about a message that carries no
// S/MIME signature, instead of a MIME parse error.
var errNotSigned = errors.New("not an S/MIME signed message")

// checkSigned reads the header of msg and reports a message that is
// neither multipart/signed nor application/pkcs7-mime signed-data. It
// returns a reader of the whole message for the verifier, and the
// addresses of its From and Sender fields (nil for a bare entity).
func checkSigned(msg io.Reader) (io.Reader, []string, error) {
	whole, h, err := peekHeader(msg)
	if err != nil {
		return nil, nil, err
	}
	if h == nil {
		return nil, nil, fmt.Errorf("%w: no header could be read", errNotSigned)
	}
	senders := senderAddrs(h)
	ct := h.Get("Content-Type")
	if ct == "" {
		return nil, nil, fmt.Errorf("%w: it has no Content-Type (plain text)", errNotSigned)
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return whole, senders, nil // the verifier reports the broken field
	}
	switch mt {
	case "multipart/signed":
		return whole, senders, nil
	case "application/pkcs7-mime", "application/x-pkcs7-mime":
		switch st := strings.ToLower(params["smime-type"]); st {
		case "enveloped-data", "authenveloped-data":
			return nil, nil, fmt.Errorf("%w: it is encrypted (%s); run \"mailwright smime decrypt\" first",
				errNotSigned, st)
		}
		return whole, senders, nil
	}
	return nil, nil, fmt.Errorf("%w: its Content-Type is %s", errNotSigned, mt)
}
