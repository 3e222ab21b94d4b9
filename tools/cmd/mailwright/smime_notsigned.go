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

// errNotSigned is what "smime verify" says about a message that carries no
// S/MIME signature, instead of a MIME parse error.
var errNotSigned = errors.New("not an S/MIME signed message")

// checkSigned reads the header of msg and reports a message that is
// neither multipart/signed nor application/pkcs7-mime signed-data. It
// returns a reader of the whole message for the verifier, and the
// addresses of its From and Sender fields (nil for a bare entity).
func checkSigned(msg io.Reader) (io.Reader, []string, error) {
	var head bytes.Buffer
	r := bufio.NewReader(io.TeeReader(msg, &head))
	h, err := textproto.NewReader(r).ReadMIMEHeader()
	if err != nil && len(h) == 0 {
		return nil, nil, fmt.Errorf("%w: no header could be read", errNotSigned)
	}
	whole := io.MultiReader(&head, msg) // head holds all that r took from msg
	var senders []string
	for _, f := range []string{"From", "Sender"} {
		if list, err := mail.ParseAddressList(h.Get(f)); err == nil {
			for _, a := range list {
				senders = append(senders, a.Address)
			}
		}
	}
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
