// SPDX-License-Identifier: Apache-2.0

package dkim

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// genMessage makes test message number i: varied header fields (folded,
// with trailing whitespace, odd case, runs of spaces, a value that starts
// on a continuation line) and varied bodies (empty, blank lines only,
// trailing whitespace and blank lines, 8-bit UTF-8, quoted-printable with
// soft line breaks, dot-leading and long lines). Every fifth message uses
// bare LF line endings. The From domain is example.test or a subdomain.
func genMessage(r *rand.Rand, i int) string {
	var b strings.Builder
	from := []string{"Alice <alice@example.test>", "bob@example.test",
		"\"Ça va\" <news@news.example.test>", "=?UTF-8?Q?J=C3=B6rg?= <j@example.test>"}[i%4]
	b.WriteString(pick(r, "From: ", "FROM: ", "From:  ", "from:\t") + from + pick(r, "", " ", "\t") + "\r\n")
	b.WriteString("To: Carol <carol@example.org>" + pick(r, "", ",\r\n Dave <dave@example.org>",
		",\r\n\tDave <dave@example.org>,  Erin <erin@example.org>") + "\r\n")
	if r.IntN(2) == 0 {
		b.WriteString("Cc: frank@example.org\r\n")
	}
	b.WriteString(pick(r, "Subject: ", "SUBJECT:", "Subject:\r\n  ", "subject:   ") +
		fmt.Sprintf("Test %d", i) + pick(r, "", "  with   spaces  ", "\r\n folded\r\n\tthree times", " é") + "\r\n")
	b.WriteString("Date: Fri, 04 Dec 2026 12:00:00 +0000\r\n")
	fmt.Fprintf(&b, "Message-ID: <gen-%d@example.test>\r\n", i)
	if r.IntN(3) == 0 {
		b.WriteString("List-Unsubscribe:\r\n   <mailto:unsub@example.test>\r\n") // CASE-03
		b.WriteString("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n")
	}
	if r.IntN(4) == 0 {
		b.WriteString("X-Unsigned: not in h=   \r\n")
	}
	body, cte := genBody(r, i)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n")
	b.WriteString("Content-Transfer-Encoding: " + cte + "\r\n\r\n")
	b.WriteString(body)
	if i%5 == 4 {
		return strings.ReplaceAll(b.String(), "\r\n", "\n")
	}
	return b.String()
}

func genBody(r *rand.Rand, i int) (body, cte string) {
	switch i % 8 {
	case 0:
		return "", "7bit"
	case 1:
		return strings.Repeat("\r\n", 1+r.IntN(4)), "7bit"
	case 2:
		return "Hello!\r\n  \r\n\r\n", "7bit" // CASE-02
	case 3:
		return "Grüße aus Köln — ½ €\r\n\tTabbed\t line \r\nÜnïcödé\r\n\r\n\r\n", "8bit"
	case 4:
		return "Caf=C3=A9 cr=C3=A8me, a soft line br=\r\neak and =3D sign.\r\n" +
			strings.Repeat("x", 70) + "=\r\n" + "end\r\n", "quoted-printable"
	case 5:
		return ".leading dot\r\n..two dots\r\n.\r\nlast", "7bit" // no final CRLF
	case 6:
		return strings.Repeat("a", 990) + "\r\n" + strings.Repeat("b ", 300) + " \r\n", "7bit"
	}
	var b strings.Builder
	for n := r.IntN(30); n >= 0; n-- {
		b.WriteString(pick(r, "word ", "  spaced   out  ", "\t", "", " ", "line"))
		b.WriteString(pick(r, "\r\n", "\r\n", " \r\n", "\t\r\n", "\r\n\r\n"))
	}
	return b.String(), "7bit"
}

func pick(r *rand.Rand, s ...string) string { return s[r.IntN(len(s))] }
