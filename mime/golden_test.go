// SPDX-License-Identifier: Apache-2.0

package mime

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// png1x1 is a 1x1 transparent PNG.
var png1x1 = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06" +
	"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x01\x01\x01\x00\x18\xdd\x8d\xb0" +
	"\x00\x00\x00\x00IEND\xaeB`\x82")

const invite = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//mailwright//test//EN\r\nMETHOD:REQUEST\r\n" +
	"BEGIN:VEVENT\r\nUID:1@example.org\r\nDTSTART:20261210T100000Z\r\nSUMMARY:Review\r\n" +
	"END:VEVENT\r\nEND:VCALENDAR\r\n"

// goldenMessages are the representative messages whose bytes are pinned.
func goldenMessages() map[string]*Message {
	plain := baseMessage()

	alt := baseMessage()
	alt.From.Name = "Jörg Müller"
	alt.Subject = "Grüße aus Köln"
	alt.Text = "Hallo Bob,\nschöne Grüße.\n"
	alt.HTML = "<p>Hallo Bob,</p>\n<p>schöne Grüße.</p>\n"
	alt.Cc = []Address{{"Smith, John", "john@example.com"}}
	alt.ReplyTo = []Address{{Addr: "replies@example.org"}}

	mixed := baseMessage()
	mixed.Attachments = []Attachment{
		{Filename: "report.pdf", Data: []byte("%PDF-1.4\n% not a real pdf\n")},
		{Filename: "Übersicht für das Jahr 2026 – sehr lange Datei.csv", Data: []byte("a,b\n1,2\n")},
		{Filename: "noext", Data: []byte{0, 1, 2, 3, 0xff}},
	}

	related := baseMessage()
	related.Text = "See the logo."
	related.HTML = `<p>See the logo: <img src="cid:logo@example.org"></p>`
	related.Inline = []Attachment{{Filename: "logo.png", ContentID: "logo@example.org", Data: png1x1}}
	related.Attachments = []Attachment{{Filename: "notes.txt", Data: []byte("notes\n")}}

	cal := baseMessage()
	cal.Subject = "Invitation: Review"
	cal.Text = "You are invited."
	cal.Alternatives = []Attachment{{ContentType: "text/calendar; method=REQUEST; charset=utf-8",
		Data: []byte(invite)}}

	qp := baseMessage()
	qp.TransferEncoding = "Quoted-Printable"
	qp.Text = "A line that is longer than seventy-six characters, so that the encoder has to break it softly.\n" +
		"Trailing space \n.leading dot\nFrom the start\nx=y\n"
	qp.Header = []Field{{"X-Mailer", "mailwright"}, {"List-Unsubscribe", "<mailto:unsub@example.org>"}}

	return map[string]*Message{"plain": plain, "alternative": alt, "mixed": mixed,
		"related": related, "calendar": cal, "quoted-printable": qp}
}

func TestGolden(t *testing.T) {
	for name, m := range goldenMessages() {
		t.Run(name, func(t *testing.T) {
			got := write(t, m)
			path := filepath.Join("testdata", name+".eml")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s:\n%s", name, path, got)
			}
			parseMessage(t, got)
		})
	}
}

// TestGoldenStructure reads the golden messages back with the standard
// library and checks their structure and content.
func TestGoldenStructure(t *testing.T) {
	ms := goldenMessages()
	type want struct {
		types []string
		check func(t *testing.T, l []leaf)
	}
	wants := map[string]want{
		"plain": {[]string{"text/plain"}, nil},
		"alternative": {[]string{"text/plain", "text/html"}, func(t *testing.T, l []leaf) {
			if l[0].Body != "Hallo Bob,\r\nschöne Grüße.\r\n" || l[1].Body != "<p>Hallo Bob,</p>\r\n<p>schöne Grüße.</p>\r\n" {
				t.Errorf("bodies %q %q", l[0].Body, l[1].Body)
			}
		}},
		"mixed": {[]string{"text/plain", "application/pdf", "text/csv", "application/octet-stream"},
			func(t *testing.T, l []leaf) {
				name := ms["mixed"].Attachments[1].Filename
				if l[2].DispParams["filename"] != name || l[2].Params["name"] != name {
					t.Errorf("RFC 2231 filename read back as %q / %q", l[2].DispParams["filename"], l[2].Params["name"])
				}
				if l[2].Body != "a,b\n1,2\n" || l[3].Body != "\x00\x01\x02\x03\xff" {
					t.Errorf("attachment bodies changed: %q %q", l[2].Body, l[3].Body)
				}
				if l[1].Disposition != "attachment" {
					t.Errorf("disposition %q", l[1].Disposition)
				}
			}},
		"related": {[]string{"text/plain", "text/html", "image/png", "text/plain"}, func(t *testing.T, l []leaf) {
			if l[2].ContentID != "<logo@example.org>" || l[2].Disposition != "inline" || l[2].Body != string(png1x1) {
				t.Errorf("inline part %+v", l[2])
			}
		}},
		"calendar": {[]string{"text/plain", "text/calendar"}, func(t *testing.T, l []leaf) {
			if l[1].Params["method"] != "REQUEST" || l[1].Body != invite {
				t.Errorf("calendar part %+v", l[1])
			}
		}},
		"quoted-printable": {[]string{"text/plain"}, func(t *testing.T, l []leaf) {
			if l[0].Encoding != "quoted-printable" || l[0].Body != canonicalText(ms["quoted-printable"].Text) {
				t.Errorf("QP part %+v", l[0])
			}
		}},
	}
	for name, m := range ms {
		msg, leaves := parseMessage(t, write(t, m))
		w := wants[name]
		var types []string
		for _, l := range leaves {
			types = append(types, l.MediaType)
		}
		if strings.Join(types, ",") != strings.Join(w.types, ",") {
			t.Errorf("%s: parts %v, want %v", name, types, w.types)
			continue
		}
		if w.check != nil {
			w.check(t, leaves)
		}
		from, err := msg.Header.AddressList("From")
		if err != nil || from[0].Name != m.From.Name || from[0].Address != m.From.Addr {
			t.Errorf("%s: From read back as %v, %v", name, from, err)
		}
		subj, err := wordDecoder.DecodeHeader(msg.Header.Get("Subject"))
		if err != nil || subj != m.Subject {
			t.Errorf("%s: Subject read back as %q, %v", name, subj, err)
		}
		if d, err := msg.Header.Date(); err != nil || !d.Equal(testDate) {
			t.Errorf("%s: Date read back as %v, %v", name, d, err)
		}
	}
}
