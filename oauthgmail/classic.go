// SPDX-License-Identifier: Apache-2.0

package oauthgmail

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// The classic token file holds three lines: the refresh token, the access
// token and the access token's expiry, in any order. The lines are told
// apart by their shape:
//
//   - an expiry is a date and time ([classicLayouts]) or a Unix time in
//     seconds;
//   - Google access tokens start "ya29."; Microsoft ones are JWTs ("eyJ"
//     and two dots) or start "EwA";
//   - Google refresh tokens start "1//" or "1/"; Microsoft ones "M.C" or
//     "M.R", or "0.A" / "1.A" without the two dots of a JWT.
//
// When one token line has a known shape and the other does not, the other
// takes the remaining role.

// classicLayouts are the expiry forms accepted, tried in order. Times
// without a zone are read in the location given to [ParseClassic].
var classicLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"1/2/2006 3:04:05 PM",
	"1/2/2006 15:04:05",
	"2006/01/02 15:04:05",
	time.RFC1123Z,
	time.RFC1123,
}

type lineKind int

const (
	kindUnknown lineKind = iota
	kindAccess
	kindRefresh
)

// ParseClassic reads a classic three-line token file. Name is used in
// errors, which are [*FileError] values naming the file and, when one line
// is at fault, the line. Loc is the zone of expiry times written without
// one; nil means time.Local. Blank lines, a byte order mark, surrounding
// spaces and CRLF line ends are ignored.
func ParseClassic(name string, r io.Reader, loc *time.Location) (*Record, error) {
	if loc == nil {
		loc = time.Local
	}
	lines, nums, err := classicLines(name, r)
	if err != nil {
		return nil, err
	}
	fail := func(line int, format string, a ...any) (*Record, error) {
		return nil, &FileError{Path: name, Line: line, Reason: fmt.Sprintf(format, a...)}
	}
	if len(lines) != 3 {
		return fail(0, "has %d non-empty lines, want 3: refresh token, access token, expiry",
			len(lines))
	}
	rec := &Record{TokenType: "Bearer"}
	// Which line is the date is counted by line, not read from the
	// parsed time: a date may parse to the zero time (found by
	// FuzzParseClassic), which must not hide a second date line.
	var tokens, dates []int
	for i, l := range lines {
		t, ok := parseExpiry(l, loc)
		if !ok {
			tokens = append(tokens, i)
			continue
		}
		dates = append(dates, i)
		rec.Expiry = t
	}
	switch {
	case len(dates) > 1:
		return fail(nums[dates[1]], "two lines are dates; the lines cannot be told apart")
	case len(dates) == 0:
		return fail(0, "no line is an expiry date; the lines cannot be told apart")
	}
	a, b := tokens[0], tokens[1]
	ka, kb := tokenKind(lines[a]), tokenKind(lines[b])
	switch {
	case ka == kindUnknown && kb == kindUnknown:
		return fail(0, "neither token line has a known shape; the lines cannot be told apart")
	case ka == kb:
		what := map[lineKind]string{kindAccess: "access", kindRefresh: "refresh"}[ka]
		return fail(nums[b], "lines %d and %d both look like %s tokens", nums[a], nums[b], what)
	case ka == kindAccess || kb == kindRefresh:
		rec.AccessToken, rec.RefreshToken = lines[a], lines[b]
	default:
		rec.AccessToken, rec.RefreshToken = lines[b], lines[a]
	}
	return rec, nil
}

func classicLines(name string, r io.Reader) (lines []string, nums []int, err error) {
	sc := bufio.NewScanner(io.LimitReader(r, 64<<10))
	sc.Buffer(make([]byte, 0, 4096), 16<<10)
	n := 0
	for sc.Scan() {
		n++
		l := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\uFEFF"))
		if l == "" {
			continue
		}
		if len(lines) == 3 {
			return nil, nil, &FileError{Path: name, Line: n,
				Reason: "more than 3 non-empty lines; not a classic token file"}
		}
		if strings.ContainsFunc(l, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return nil, nil, &FileError{Path: name, Line: n, Reason: "control character in line"}
		}
		lines, nums = append(lines, l), append(nums, n)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, &FileError{Path: name, Line: n + 1, Reason: "read", Err: err}
	}
	return lines, nums, nil
}

func parseExpiry(s string, loc *time.Location) (time.Time, bool) {
	if len(s) >= 9 && len(s) <= 11 && strings.Trim(s, "0123456789") == "" {
		n, err := strconv.ParseInt(s, 10, 64)
		return time.Unix(n, 0).UTC(), err == nil
	}
	for _, layout := range classicLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func tokenKind(s string) lineKind {
	switch {
	case strings.HasPrefix(s, "ya29."), strings.HasPrefix(s, "EwA"),
		strings.HasPrefix(s, "eyJ") && strings.Count(s, ".") == 2:
		return kindAccess
	case strings.HasPrefix(s, "1/"), strings.HasPrefix(s, "M.C"), strings.HasPrefix(s, "M.R"),
		(strings.HasPrefix(s, "0.A") || strings.HasPrefix(s, "1.A")) && strings.Count(s, ".") != 2:
		return kindRefresh
	}
	return kindUnknown
}

// FormatClassic writes r in the classic three-line form: refresh token,
// access token and expiry in RFC 3339, each followed by CRLF.
func FormatClassic(w io.Writer, r *Record) error {
	_, err := fmt.Fprintf(w, "%s\r\n%s\r\n%s\r\n", r.RefreshToken, r.AccessToken,
		r.Expiry.Format(time.RFC3339))
	return err
}

// ImportClassic reads the classic token file at path and merges its tokens
// into the store, keeping the store's client settings, so that an existing
// set-up moves over without a new consent. The classic file is left as it
// is. Ctx bounds the wait for the store's lock.
func ImportClassic(ctx context.Context, path string, s *Store, loc *time.Location) (*Record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &FileError{Path: path, Reason: "read", Err: err}
	}
	c, err := ParseClassic(path, bytes.NewReader(data), loc)
	if err != nil {
		return nil, err
	}
	var out *Record
	err = s.Update(ctx, func(r *Record) (bool, error) {
		r.AccessToken, r.RefreshToken = c.AccessToken, c.RefreshToken
		r.Expiry, r.TokenType = c.Expiry, c.TokenType
		r.LastError, r.LastErrorAt = "", time.Time{}
		out = r
		return true, nil
	})
	return out, err
}
