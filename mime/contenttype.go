// SPDX-License-Identifier: Apache-2.0

package mime

import (
	"bytes"
	stdmime "mime"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// sniffLen is how much of a part's content is read to guess its type.
const sniffLen = 512

// extTypes maps common file extensions to media types. It is consulted
// before the system table of [mime.TypeByExtension] so that the same file
// gets the same type on every machine.
var extTypes = map[string]string{
	".txt": "text/plain", ".csv": "text/csv", ".htm": "text/html",
	".html": "text/html", ".css": "text/css", ".ics": "text/calendar",
	".md": "text/markdown", ".vcf": "text/vcard", ".xml": "application/xml",
	".json": "application/json", ".pdf": "application/pdf",
	".zip": "application/zip", ".gz": "application/gzip",
	".tar": "application/x-tar", ".7z": "application/x-7z-compressed",
	".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
	".gif": "image/gif", ".webp": "image/webp", ".svg": "image/svg+xml",
	".bmp": "image/bmp", ".tif": "image/tiff", ".tiff": "image/tiff",
	".mp3": "audio/mpeg", ".wav": "audio/wav", ".ogg": "audio/ogg",
	".mp4": "video/mp4", ".mov": "video/quicktime",
	".rtf": "application/rtf", ".doc": "application/msword",
	".xls": "application/vnd.ms-excel", ".ppt": "application/vnd.ms-powerpoint",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".odt":  "application/vnd.oasis.opendocument.text",
	".ods":  "application/vnd.oasis.opendocument.spreadsheet",
	".p7s":  "application/pkcs7-signature", ".p7m": "application/pkcs7-mime",
}

// typeByName returns the media type for a file name's extension, or "".
// Message types are left out: RFC 2046 §5.2.1 forbids base64 for them.
func typeByName(name string) string {
	ext := strings.ToLower(filepath.Ext(name))
	if ext == "" {
		return ""
	}
	if t, ok := extTypes[ext]; ok {
		return t
	}
	t := stdmime.TypeByExtension(ext)
	if t == "" || strings.HasPrefix(t, "message/") || strings.HasPrefix(t, "multipart/") {
		return ""
	}
	return t
}

// magic lists content prefixes and the types they announce.
var magic = []struct {
	prefix string
	typ    string
}{
	{"%PDF-", "application/pdf"},
	{"\x89PNG\r\n\x1a\n", "image/png"},
	{"\xff\xd8\xff", "image/jpeg"},
	{"GIF87a", "image/gif"},
	{"GIF89a", "image/gif"},
	{"PK\x03\x04", "application/zip"},
	{"\x1f\x8b\x08", "application/gzip"},
	{"BEGIN:VCALENDAR", "text/calendar"},
	{"BEGIN:VCARD", "text/vcard"},
}

// sniffType guesses the media type of content from its first octets:
// a known signature, then HTML, then UTF-8 text; otherwise
// application/octet-stream.
func sniffType(head []byte) string {
	for _, m := range magic {
		if bytes.HasPrefix(head, []byte(m.prefix)) {
			return m.typ
		}
	}
	if len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP" {
		return "image/webp"
	}
	trimmed := bytes.ToLower(bytes.TrimLeft(head, " \t\r\n"))
	if bytes.HasPrefix(trimmed, []byte("<!doctype html")) || bytes.HasPrefix(trimmed, []byte("<html")) {
		return "text/html; charset=utf-8"
	}
	if isText(head) {
		return "text/plain; charset=utf-8"
	}
	return "application/octet-stream"
}

// isText reports whether head is UTF-8 text without control characters
// other than TAB, CR, LF and FF; a character cut at the end is allowed.
func isText(head []byte) bool {
	if len(head) == 0 {
		return false
	}
	for i := 0; i < len(head); {
		c := head[i]
		if c < utf8.RuneSelf {
			if c < ' ' && c != '\t' && c != '\r' && c != '\n' && c != '\f' || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(head[i:])
		if r == utf8.RuneError && size == 1 {
			return len(head)-i < utf8.UTFMax && !utf8.FullRune(head[i:])
		}
		i += size
	}
	return true
}
