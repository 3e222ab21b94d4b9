// SPDX-License-Identifier: Apache-2.0

package mime

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	stdmime "mime"
	"strings"
	"time"
)

// part is one node of the MIME tree being written.
type part struct {
	header   headerBuf // Content-* fields
	boundary string    // multipart only
	children []*part

	// Leaf parts.
	field     string // the Message field it comes from, for errors
	mediatype string
	enc       encoding
	text      bool // line breaks are canonicalized
	str       string
	data      []byte
	reader    io.Reader
	closer    io.Closer
}

// builder holds the state of one write while the tree is made.
type builder struct {
	m      *Message
	rand   io.Reader
	forced encoding
	opened []io.Closer
	nparts int // multiparts made so far, to keep boundaries distinct
}

// prepare checks m, opens its sources and renders every header, so that
// any error is known before the first byte is written. On error every
// source opened is closed again.
func (m *Message) prepare() (*part, []byte, error) {
	if err := m.Validate(); err != nil {
		return nil, nil, err
	}
	b := &builder{m: m, rand: m.Rand}
	if b.rand == nil {
		b.rand = rand.Reader
	}
	b.forced, _ = parseEncoding(m.TransferEncoding)
	if err := b.fill(); err != nil {
		return nil, nil, err
	}
	hdr, err := b.messageHeader()
	if err == nil {
		var root *part
		root, err = b.body()
		if err == nil {
			hdr = append(hdr, root.header.b...)
			if root.header.err != nil {
				err = root.header.err
			}
			return root, hdr, err
		}
	}
	b.closeAll()
	return nil, nil, err
}

func (b *builder) closeAll() {
	for _, c := range b.opened {
		c.Close()
	}
	b.opened = nil
}

// random returns n random octets in hex.
func (b *builder) random(n int) (string, error) {
	buf := make([]byte, n)
	if _, err := io.ReadFull(b.rand, buf); err != nil {
		return "", fmt.Errorf("mime: reading randomness: %w", err)
	}
	return hex.EncodeToString(buf), nil
}

// fill sets what the first write chooses and every later write of m
// repeats: Date, Message-ID and the seed of the MIME boundaries.
func (b *builder) fill() error {
	m := b.m
	if m.Date.IsZero() {
		now := m.Now
		if now == nil {
			now = time.Now
		}
		m.Date = now()
	}
	if m.MessageID == "" {
		r, err := b.random(16)
		if err != nil {
			return err
		}
		domain := asciiDomain(m.From.Addr[strings.LastIndexByte(m.From.Addr, '@')+1:])
		m.MessageID = r + "@" + domain
	}
	if m.boundarySeed == "" {
		r, err := b.random(12)
		if err != nil {
			return err
		}
		m.boundarySeed = r
	}
	return nil
}

// messageHeader renders the message's own fields (RFC 5322 §3.6).
func (b *builder) messageHeader() ([]byte, error) {
	m := b.m
	var h headerBuf
	h.field("Date")
	h.tok(token{s: m.Date.Format("Mon, 02 Jan 2006 15:04:05 -0700")})
	h.end()
	h.field("From")
	h.addressList([]Address{m.From})
	h.end()
	b.list(&h, "Reply-To", m.ReplyTo)
	b.list(&h, "To", m.To)
	b.list(&h, "Cc", m.Cc)
	h.field("Message-ID")
	h.tok(token{s: "<" + strings.TrimSuffix(strings.TrimPrefix(m.MessageID, "<"), ">") + ">"})
	h.end()
	if m.Subject != "" {
		s, _ := headerText("Subject", m.Subject)
		h.unstructured("Subject", s, true)
	}
	h.field("MIME-Version")
	h.tok(token{s: "1.0"})
	h.end()
	for _, f := range m.Header {
		v, _ := headerText(f.Name, f.Value)
		h.unstructured(f.Name, v, false)
	}
	return h.b, h.err
}

func (b *builder) list(h *headerBuf, name string, list []Address) {
	if len(list) == 0 {
		return
	}
	h.field(name)
	h.addressList(list)
	h.end()
}

// body builds the MIME tree: mixed(alternative(text, related(html,
// inline...), alternatives...), attachments...), with every level left
// out that would have one child.
func (b *builder) body() (*part, error) {
	m := b.m
	var alts []*part
	if m.Text != "" || m.TextReader != nil {
		alts = append(alts, b.textPart("Text", "text/plain", m.Text, m.TextReader))
	}
	if m.HTML != "" || m.HTMLReader != nil {
		alts = append(alts, b.textPart("HTML", "text/html", m.HTML, m.HTMLReader))
	}
	if len(m.Inline) > 0 {
		rel := []*part{}
		if len(alts) > 0 {
			rel = append(rel, alts[len(alts)-1])
			alts = alts[:len(alts)-1]
		}
		for i, a := range m.Inline {
			p, err := b.attachment(fmt.Sprintf("Inline[%d]", i), a, "inline")
			if err != nil {
				return nil, err
			}
			rel = append(rel, p)
		}
		r, err := b.multipart("related", rel, relatedType(rel[0]))
		if err != nil {
			return nil, err
		}
		alts = append(alts, r)
	}
	for i, a := range m.Alternatives {
		p, err := b.attachment(fmt.Sprintf("Alternatives[%d]", i), a, "")
		if err != nil {
			return nil, err
		}
		alts = append(alts, p)
	}
	if len(alts) == 0 && len(m.Attachments) == 0 {
		alts = append(alts, b.textPart("Text", "text/plain", "", nil))
	}
	return b.mixed(alts)
}

// mixed wraps the body and the attachments.
func (b *builder) mixed(alts []*part) (*part, error) {
	var parts []*part
	switch len(alts) {
	case 0:
	case 1:
		parts = append(parts, alts[0])
	default:
		p, err := b.multipart("alternative", alts, "")
		if err != nil {
			return nil, err
		}
		parts = append(parts, p)
	}
	for i, a := range b.m.Attachments {
		p, err := b.attachment(fmt.Sprintf("Attachments[%d]", i), a, "attachment")
		if err != nil {
			return nil, err
		}
		parts = append(parts, p)
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	return b.multipart("mixed", parts, "")
}

// multipart makes a multipart/sub part around children, with a type
// parameter when typ is not empty (RFC 2387 §3.1). The boundary starts
// with "=_", which neither quoted-printable nor base64 output can hold, so
// it cannot occur in any encoded part.
func (b *builder) multipart(sub string, children []*part, typ string) (*part, error) {
	b.nparts++
	p := &part{boundary: "=_" + b.m.boundarySeed + "_" + itoa(b.nparts), children: children}
	p.header.field("Content-Type")
	params := map[string]string{"boundary": p.boundary}
	if typ != "" {
		params["type"] = typ
	}
	for _, t := range mediaTokens("multipart/"+sub, params) {
		p.header.tok(t)
	}
	p.header.end()
	return p, nil
}

// relatedType returns the media type of the root of a multipart/related.
func relatedType(root *part) string {
	if root.boundary != "" {
		return "multipart/alternative"
	}
	return root.mediatype
}

// textPart makes a text/plain or text/html body part.
func (b *builder) textPart(field, mediatype, s string, r io.Reader) *part {
	p := &part{field: field, text: true, str: s, reader: r, mediatype: mediatype}
	p.enc = encQP
	if r == nil || b.forced != encAuto {
		p.enc = chooseEncoding(b.forced, s)
	}
	p.header.field("Content-Type")
	for _, t := range mediaTokens(mediatype, map[string]string{"charset": "utf-8"}) {
		p.header.tok(t)
	}
	p.header.end()
	p.header.field("Content-Transfer-Encoding")
	p.header.tok(token{s: p.enc.String()})
	p.header.end()
	return p
}

// attachment makes an attachment, inline or alternative part; disp is
// its Content-Disposition type, empty for none.
func (b *builder) attachment(field string, a Attachment, disp string) (*part, error) {
	p := &part{field: field, data: a.Data, reader: a.Reader, enc: encBase64}
	if a.Open != nil {
		rc, err := a.Open()
		if err != nil {
			return nil, fmt.Errorf("mime: %s: open: %w", field, err)
		}
		b.opened = append(b.opened, rc)
		p.reader, p.closer = rc, rc
	}
	ctype := a.ContentType
	if ctype == "" {
		ctype = typeByName(a.Filename)
	}
	if ctype == "" {
		ctype = b.sniff(p)
	}
	mediatype, params, _ := stdmime.ParseMediaType(ctype)
	if strings.HasPrefix(mediatype, "text/") && disp == "" {
		p.text = true
		p.enc = encQP
		if p.data != nil {
			p.enc = chooseEncoding(b.forced, string(p.data))
		} else if b.forced != encAuto {
			p.enc = b.forced
		}
	}
	if a.Filename != "" {
		params["name"] = a.Filename
	}
	p.header.field("Content-Type")
	for _, t := range mediaTokens(mediatype, params) {
		p.header.tok(t)
	}
	p.header.end()
	b.disposition(p, disp, a.Filename)
	if a.ContentID != "" {
		p.header.field("Content-ID")
		p.header.tok(token{s: "<" + strings.TrimSuffix(strings.TrimPrefix(a.ContentID, "<"), ">") + ">"})
		p.header.end()
	}
	p.header.field("Content-Transfer-Encoding")
	p.header.tok(token{s: p.enc.String()})
	p.header.end()
	return p, p.header.err
}

func (b *builder) disposition(p *part, disp, filename string) {
	if disp == "" {
		return
	}
	params := map[string]string{}
	if filename != "" {
		params["filename"] = filename
	}
	p.header.field("Content-Disposition")
	for _, t := range mediaTokens(disp, params) {
		p.header.tok(t)
	}
	p.header.end()
}

// sniff guesses the type of a part from its first octets, keeping them
// for the write.
func (b *builder) sniff(p *part) string {
	if p.data != nil {
		return sniffType(p.data[:min(len(p.data), sniffLen)])
	}
	br := bufio.NewReaderSize(p.reader, sniffLen)
	head, _ := br.Peek(sniffLen)
	p.reader = br
	return sniffType(head)
}
