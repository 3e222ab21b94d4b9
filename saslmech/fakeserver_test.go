// SPDX-License-Identifier: Apache-2.0

package saslmech

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"encoding/hex"
	"strings"
)

// A fake server checks the credential a mechanism sends, step by step, the
// way a real SMTP server's SASL layer does. It answers 235 on success and
// 535 on a wrong credential.
type fake struct {
	steps  []func(data []byte, present bool) (int, []byte)
	pos    int
	mech   string
	lines  []string // every client line, for the no-resend checks
	cancel bool
}

func (f *fake) conv(line string) (int, string, error) {
	f.lines = append(f.lines, line)
	if line == "*" {
		f.cancel = true
		return 501, "5.7.0 Authentication aborted", nil
	}
	var data []byte
	present := true
	if rest, ok := strings.CutPrefix(line, "AUTH "); ok && f.pos == 0 {
		name, arg, has := strings.Cut(rest, " ")
		if name != f.mech {
			return 504, "5.5.4 Unrecognized authentication type", nil
		}
		present = has
		if arg != "=" {
			line = arg
		} else {
			line = ""
		}
	}
	var err error
	if data, err = b64.DecodeString(line); err != nil {
		return 501, "5.5.2 Cannot decode response", nil
	}
	if f.pos >= len(f.steps) {
		return 503, "5.5.1 exchange is over", nil
	}
	step := f.steps[f.pos]
	f.pos++
	code, ch := step(data, present)
	if code == 334 {
		return 334, b64.EncodeToString(ch), nil
	}
	return code, string(ch), nil
}

var (
	ok235  = []byte("2.7.0 Authentication successful")
	bad535 = []byte("5.7.8 Authentication credentials invalid")
)

func plainServer(user, pass string) *fake {
	f := &fake{mech: "PLAIN"}
	check := func(data []byte, _ bool) (int, []byte) {
		parts := bytes.Split(data, []byte{0})
		if len(parts) == 3 && string(parts[1]) == user && string(parts[2]) == pass {
			return 235, ok235
		}
		return 535, bad535
	}
	first := func(data []byte, present bool) (int, []byte) {
		if !present {
			f.steps = append(f.steps, check)
			return 334, nil
		}
		return check(data, true)
	}
	f.steps = []func([]byte, bool) (int, []byte){first}
	return f
}

func loginServer(user, pass string, prompt1, prompt2 []byte) *fake {
	f := &fake{mech: "LOGIN"}
	var gotUser []byte
	askUser := func(_ []byte, _ bool) (int, []byte) { return 334, prompt1 }
	takeUser := func(data []byte, _ bool) (int, []byte) {
		gotUser = data
		return 334, prompt2
	}
	takePass := func(data []byte, _ bool) (int, []byte) {
		if string(gotUser) == user && string(data) == pass {
			return 235, ok235
		}
		return 535, bad535
	}
	first := func(data []byte, present bool) (int, []byte) {
		if present { // initial-response form
			f.steps = append(f.steps, takePass)
			return takeUser(data, true)
		}
		f.steps = append(f.steps, takeUser, takePass)
		return askUser(nil, false)
	}
	f.steps = []func([]byte, bool) (int, []byte){first}
	return f
}

func cramServer(user, secret, challenge string) *fake {
	f := &fake{mech: "CRAM-MD5"}
	ask := func(_ []byte, present bool) (int, []byte) {
		if present {
			return 501, []byte("5.5.2 CRAM-MD5 takes no initial response")
		}
		return 334, []byte(challenge)
	}
	check := func(data []byte, _ bool) (int, []byte) {
		i := bytes.LastIndexByte(data, ' ')
		if i < 0 {
			return 535, bad535
		}
		name, digest := data[:i], data[i+1:]
		mac := hmac.New(md5.New, []byte(secret))
		mac.Write([]byte(challenge))
		want := hex.EncodeToString(mac.Sum(nil))
		if string(name) == user && hmac.Equal(digest, []byte(want)) {
			return 235, ok235
		}
		return 535, bad535
	}
	f.steps = []func([]byte, bool) (int, []byte){ask, check}
	return f
}
