// SPDX-License-Identifier: Apache-2.0

package oauthgmail

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	gAccess  = "ya29.a0AfB_byC-classic-access"
	gRefresh = "1//0gLm-classic-refresh"
	msAccess = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL291dGxvb2sifQ.c2ln"
	msRefr   = "M.C509_BAY.0.U.-Cq1*classic"
)

func TestParseClassic(t *testing.T) {
	exp := time.Date(2026, 12, 4, 11, 30, 0, 0, time.UTC)
	tests := []struct {
		name, in      string
		access, refr  string
		expiry        time.Time
		wantErr, line string
	}{
		{name: "classic order", in: gRefresh + "\r\n" + gAccess + "\r\n2026-12-04 11:30:00\r\n",
			access: gAccess, refr: gRefresh, expiry: exp},
		{name: "access first, RFC 3339", in: gAccess + "\n2026-12-04T12:30:00+01:00\n" + gRefresh + "\n",
			access: gAccess, refr: gRefresh, expiry: exp},
		{name: "expiry first, unix", in: "1796383800\n" + gAccess + "\n" + gRefresh,
			access: gAccess, refr: gRefresh, expiry: exp},
		{name: "microsoft", in: msAccess + "\n" + msRefr + "\n12/4/2026 11:30:00 AM\n",
			access: msAccess, refr: msRefr, expiry: exp},
		{name: "bom blanks spaces", in: "\uFEFF  " + gRefresh + "  \n\n" + gAccess + "\n\n2026-12-04 11:30\n\n",
			access: gAccess, refr: gRefresh, expiry: exp},
		{name: "one unknown token takes the other role", in: "opaque-thing\n" + gAccess + "\n2026-12-04 11:30:00",
			access: gAccess, refr: "opaque-thing", expiry: exp},
		{name: "two unknown", in: "abc\ndef\n2026-12-04 11:30:00", wantErr: "cannot be told apart"},
		{name: "two access", in: gAccess + "\n" + msAccess + "\n2026-12-04 11:30:00",
			wantErr: "lines 1 and 2 both look like access tokens", line: "2"},
		{name: "two refresh", in: gRefresh + "\n" + msRefr + "\n2026-12-04 11:30:00",
			wantErr: "both look like refresh tokens"},
		{name: "no date", in: gRefresh + "\n" + gAccess + "\nnext tuesday", wantErr: "no line is an expiry"},
		{name: "two dates", in: "2026-12-04 11:30:00\n" + gAccess + "\n2026-12-04 11:30:00",
			wantErr: "two lines are dates", line: "3"},
		{name: "two lines", in: gRefresh + "\n" + gAccess + "\n", wantErr: "has 2 non-empty lines"},
		{name: "four lines", in: "a\nb\nc\nd\n", wantErr: "more than 3", line: "4"},
		{name: "empty", in: "", wantErr: "has 0 non-empty lines"},
		{name: "control char", in: "a\x00b\nc\nd", wantErr: "control character", line: "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseClassic("/home/u/token.txt", strings.NewReader(tt.in), time.UTC)
			if tt.wantErr != "" {
				var fe *FileError
				if !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.wantErr) ||
					!strings.Contains(err.Error(), "/home/u/token.txt") {
					t.Fatalf("ParseClassic(%q) = %v, want an error naming the file and %q", tt.in, err, tt.wantErr)
				}
				if tt.line != "" && !strings.Contains(err.Error(), "token.txt:"+tt.line+":") {
					t.Errorf("error %q does not name line %s", err, tt.line)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseClassic(%q) = %v", tt.in, err)
			}
			if r.AccessToken != tt.access || r.RefreshToken != tt.refr || !r.Expiry.Equal(tt.expiry) {
				t.Errorf("ParseClassic(%q) = %q, %q, %v; want %q, %q, %v", tt.in,
					r.AccessToken, r.RefreshToken, r.Expiry, tt.access, tt.refr, tt.expiry)
			}
		})
	}
}

func TestImportClassic(t *testing.T) {
	dir := t.TempDir()
	classic := filepath.Join(dir, "gmail-token.txt")
	os.WriteFile(classic, []byte(gRefresh+"\r\n"+gAccess+"\r\n2026-12-04 11:30:00\r\n"), 0o600)
	s := &Store{Path: filepath.Join(dir, "store", "gmail.json")}
	s.Save(&Record{Provider: "google", ClientID: "cid", RefreshToken: "older"})
	r, err := ImportClassic(context.Background(), classic, s, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if got.RefreshToken != gRefresh || got.AccessToken != gAccess || got.ClientID != "cid" ||
		r.RefreshToken != gRefresh {
		t.Errorf("store after import = %+v", got)
	}
	_, err = ImportClassic(context.Background(), filepath.Join(dir, "missing.txt"), s, time.UTC)
	if err == nil || !strings.Contains(err.Error(), "missing.txt") {
		t.Errorf("import of a missing file = %v, want an error naming it", err)
	}
}

// FuzzParseClassic: the parser never panics, a parsed file's values are
// among its lines, and the parsed record survives FormatClassic.
func FuzzParseClassic(f *testing.F) {
	f.Add(gRefresh + "\n" + gAccess + "\n2026-12-04 11:30:00\n")
	f.Add(msAccess + "\r\n1796383800\r\n" + msRefr)
	f.Add("\uFEFFx\n\ny\nz")
	f.Add("1/2/2006 3:04:05 PM\n0.AXYZ\nEwA1")
	f.Fuzz(func(t *testing.T, in string) {
		r, err := ParseClassic("fuzz.txt", strings.NewReader(in), time.UTC)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.txt") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if !strings.Contains(in, r.AccessToken) || !strings.Contains(in, r.RefreshToken) ||
			r.AccessToken == "" || r.RefreshToken == "" {
			t.Fatalf("ParseClassic(%q) = %+v: values not from the input", in, r)
		}
		var buf bytes.Buffer
		FormatClassic(&buf, r)
		r2, err := ParseClassic("fuzz.txt", &buf, time.UTC)
		if err != nil {
			t.Fatalf("re-parse of %q: %v", buf.String(), err)
		}
		if r2.AccessToken != r.AccessToken || r2.RefreshToken != r.RefreshToken ||
			!r2.Expiry.Equal(r.Expiry.Truncate(time.Second)) {
			t.Fatalf("round trip %+v -> %+v", r, r2)
		}
	})
}
