// SPDX-License-Identifier: Apache-2.0

package mime_test

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mailwright/mailwright/mime"
)

// zeroRand makes boundaries and Message-IDs reproducible in examples.
type zeroRand struct{}

func (zeroRand) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func ExampleMessage_WriteTo() {
	m := &mime.Message{
		From:    mime.Address{Name: "Alice", Addr: "alice@example.org"},
		To:      []mime.Address{{Name: "Bob", Addr: "bob@example.net"}},
		Subject: "Grüße",
		Date:    time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC),
		Text:    "Hello Bob,\nsee you soon.\n",
		Rand:    zeroRand{},
	}
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(strings.ReplaceAll(b.String(), "\r\n", "\n"))
	// Output:
	// Date: Fri, 04 Dec 2026 12:00:00 +0000
	// From: Alice <alice@example.org>
	// To: Bob <bob@example.net>
	// Message-ID: <00000000000000000000000000000000@example.org>
	// Subject: =?UTF-8?B?R3LDvMOfZQ==?=
	// MIME-Version: 1.0
	// Content-Type: text/plain; charset=utf-8
	// Content-Transfer-Encoding: 7bit
	//
	// Hello Bob,
	// see you soon.
}

func ExampleMessage_WriteTo_attachment() {
	m := &mime.Message{
		From:             mime.Address{Addr: "alice@example.org"},
		To:               []mime.Address{{Addr: "bob@example.net"}},
		Subject:          "Report",
		Date:             time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC),
		Text:             "The report is attached.",
		TransferEncoding: "Quoted-Printable", // as DKIM users set it
		Attachments: []mime.Attachment{{
			Filename: "Übersicht.csv",
			Open: func() (io.ReadCloser, error) {
				return io.NopCloser(strings.NewReader("a,b\n1,2\n")), nil
			},
		}},
		Rand: zeroRand{},
	}
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(strings.ReplaceAll(b.String(), "\r\n", "\n"))
	// Output:
	// Date: Fri, 04 Dec 2026 12:00:00 +0000
	// From: alice@example.org
	// To: bob@example.net
	// Message-ID: <00000000000000000000000000000000@example.org>
	// Subject: Report
	// MIME-Version: 1.0
	// Content-Type: multipart/mixed; boundary="=_000000000000000000000000_1"
	//
	// --=_000000000000000000000000_1
	// Content-Type: text/plain; charset=utf-8
	// Content-Transfer-Encoding: quoted-printable
	//
	// The report is attached.
	// --=_000000000000000000000000_1
	// Content-Type: text/csv; name*=utf-8''%C3%9Cbersicht.csv
	// Content-Disposition: attachment; filename*=utf-8''%C3%9Cbersicht.csv
	// Content-Transfer-Encoding: base64
	//
	// YSxiCjEsMgo=
	//
	// --=_000000000000000000000000_1--
}

func ExampleParseAddress() {
	a, err := mime.ParseAddress(`"Smith, John" <john@example.com>`)
	fmt.Printf("%q %q %v\n", a.Name, a.Addr, err)

	_, err = mime.ParseAddress("alice@example.org)<bob@example.org>")
	fmt.Println(err != nil)
	// Output:
	// "Smith, John" "john@example.com" <nil>
	// true
}

func ExampleEncodeHeader() {
	fmt.Println(mime.EncodeHeader("Hello"))
	fmt.Println(mime.EncodeHeader("café au lait"))
	// Output:
	// Hello
	// =?UTF-8?Q?caf=C3=A9_au_lait?=
}

func ExampleQPWriter() {
	var b bytes.Buffer
	w := mime.NewQPWriter(&b)
	io.WriteString(w, "Grüße = greetings \n.end")
	w.Close()
	fmt.Printf("%q\n", b.String())
	// Output:
	// "Gr=C3=BC=C3=9Fe =3D greetings=20\r\n=2Eend"
}

func ExampleBase64Writer() {
	var b bytes.Buffer
	w := mime.NewBase64Writer(&b)
	io.WriteString(w, strings.Repeat("mailwright ", 6))
	w.Close()
	fmt.Printf("%q\n", b.String())
	// Output:
	// "bWFpbHdyaWdodCBtYWlsd3JpZ2h0IG1haWx3cmlnaHQgbWFpbHdyaWdodCBtYWlsd3JpZ2h0IG1h\r\naWx3cmlnaHQg\r\n"
}
