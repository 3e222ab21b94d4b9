// SPDX-License-Identifier: Apache-2.0

package mime

import (
	"io"
	"os"
	"path/filepath"
	"time"
)

// Message is a mail message to be written as RFC 5322 / MIME bytes by
// [Message.WriteTo]. The zero value is not writable (From is required);
// every other field may stay zero.
//
// The first WriteTo fixes what it chose (Date, MessageID and the MIME
// boundaries), so that writing the same Message again gives the same bytes,
// as DKIM signing of a stream needs. A Message must not be written from
// two goroutines at once.
type Message struct {
	// From is the author (RFC 5322 §3.6.2). Required.
	From Address
	// To, Cc and ReplyTo are written as header fields when not empty.
	To, Cc, ReplyTo []Address
	// Bcc is never written into the message; it is kept here so that the
	// sender can add its addresses to the envelope.
	Bcc []Address

	// Subject is unstructured UTF-8 text, encoded (RFC 2047) as needed.
	// Encoded words produced by [EncodeHeader] are accepted and decoded
	// first, so setting Subject to EncodeHeader(s) is the same as s. Empty
	// means no Subject field.
	Subject string
	// Date is the origination date; zero means Now(), which the first
	// WriteTo stores here.
	Date time.Time
	// MessageID is the Message-ID without angle brackets ("left@right");
	// empty means one is generated from Rand on the From domain, which the
	// first WriteTo stores here.
	MessageID string

	// Text and HTML are the bodies, as a string or as a reader that is read
	// once while the message is written. Text becomes text/plain, HTML
	// text/html, both UTF-8; with both, the message is
	// multipart/alternative. Line breaks are normalized to CRLF.
	Text       string
	TextReader io.Reader
	HTML       string
	HTMLReader io.Reader

	// Alternatives are further renderings added to the
	// multipart/alternative after Text and HTML, such as a
	// "text/calendar; method=REQUEST" invitation.
	Alternatives []Attachment
	// Inline parts are referenced from HTML by "cid:" URLs; with any, the
	// HTML body and these parts form a multipart/related. Each needs a
	// ContentID.
	Inline []Attachment
	// Attachments are added in a multipart/mixed after the body.
	Attachments []Attachment

	// Header holds further header fields, written in order after the
	// standard ones. Values are unstructured text: printable ASCII is
	// written as it is and anything else as RFC 2047 encoded words. Fields
	// that other Message fields produce (From, To, Cc, Bcc, Reply-To,
	// Subject, Date, Message-ID, MIME-Version, Content-*) are refused, as
	// is a second Sender, In-Reply-To or References (SEC-23).
	Header []Field

	// TransferEncoding forces the Content-Transfer-Encoding of the text
	// bodies and text alternatives: "7bit", "8bit", "quoted-printable"
	// (any case; the classic ContentTransferEncoding = "Quoted-Printable"
	// that DKIM users set) or "base64". Empty chooses per part: 7bit for
	// short-lined ASCII, otherwise quoted-printable, or base64 when that
	// is shorter; a body given as a reader is quoted-printable.
	TransferEncoding string

	// SMTPUTF8 allows UTF-8 local parts in addresses (RFC 6531, RFC 6532);
	// the message then needs a server that offers SMTPUTF8. When false,
	// such an address is an error. Domains are always written as IDNA
	// A-labels.
	SMTPUTF8 bool

	// Now returns the current time for Date; nil means time.Now.
	Now func() time.Time
	// Rand is the randomness for MIME boundaries and Message-ID; nil means
	// crypto/rand. A fixed reader makes the output reproducible.
	Rand io.Reader

	// consumed is set once a write has read a single-use reader.
	consumed bool
	// boundarySeed is the random part of the MIME boundaries, chosen by
	// the first write.
	boundarySeed string
}

// Field is one header field.
type Field struct {
	Name  string
	Value string
}

// Attachment is one non-body part: an attachment, an inline part or an
// alternative rendering. Its content comes from exactly one of Data, Open
// and Reader.
//
// Data and Open can be read again, so a message made of them can be
// written any number of times, as DKIM signing of a stream needs (one
// pass to hash, one to send). Reader is read once; a second write of the
// message fails with [ErrSourceConsumed].
type Attachment struct {
	// Filename is the name offered to the reader, UTF-8; non-ASCII names
	// are written per RFC 2231. Empty means none.
	Filename string
	// ContentType is the media type with any parameters. Empty means it is
	// chosen from the Filename extension, else by sniffing the content.
	ContentType string
	// ContentID identifies an inline part for "cid:" URLs, without angle
	// brackets. Required for Inline parts, optional elsewhere.
	ContentID string

	Data   []byte
	Open   func() (io.ReadCloser, error)
	Reader io.Reader
}

// AttachFile returns an Attachment that reads the file at path each time
// the message is written, named after the file's base name.
func AttachFile(path string) Attachment {
	return Attachment{
		Filename: filepath.Base(path),
		Open:     func() (io.ReadCloser, error) { return os.Open(path) },
	}
}
