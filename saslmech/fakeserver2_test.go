// SPDX-License-Identifier: Apache-2.0

package saslmech

import (
	"bytes"
	"crypto"
	"crypto/hmac"
	"crypto/pbkdf2"
	"encoding/base64"
	"strings"
)

// scramServer is a fake SCRAM server (RFC 5802 section 5) for one account.
// It checks the client's proof and sends its own signature; with evil set
// it sends a wrong signature instead.
func scramServer(h crypto.Hash, user, pass string, evil bool) *fake {
	name := "SCRAM-SHA-256"
	if h == crypto.SHA1 {
		name = "SCRAM-SHA-1"
	}
	f := &fake{mech: name}
	salt := []byte("fake-server-salt")
	var gs2, bare, first, nonce string
	var salted []byte
	mac := func(key []byte, msg string) []byte {
		m := hmac.New(h.New, key)
		m.Write([]byte(msg))
		return m.Sum(nil)
	}
	takeFirst := func(data []byte, _ bool) (int, []byte) {
		msg := string(data)
		i := strings.Index(msg, ",n=")
		if i < 0 || !strings.HasPrefix(msg, "n,") {
			return 501, []byte("5.5.2 bad client-first")
		}
		gs2, bare = msg[:i+1], msg[i+1:]
		fields := strings.Split(bare, ",")
		if len(fields) < 2 || fields[0] != "n="+saslName(user) || !strings.HasPrefix(fields[1], "r=") {
			return 535, bad535
		}
		nonce = fields[1][2:] + "SRVnonce+/0"
		salted, _ = pbkdf2.Key(h.New, pass, salt, 4096, h.Size())
		first = "r=" + nonce + ",s=" + base64.StdEncoding.EncodeToString(salt) + ",i=4096"
		return 334, []byte(first)
	}
	takeFinal := func(data []byte, _ bool) (int, []byte) {
		msg := string(data)
		i := strings.LastIndex(msg, ",p=")
		want := "c=" + base64.StdEncoding.EncodeToString([]byte(gs2)) + ",r=" + nonce
		if i < 0 || msg[:i] != want {
			return 535, bad535
		}
		proof, err := base64.StdEncoding.DecodeString(msg[i+3:])
		if err != nil || len(proof) != h.Size() {
			return 535, bad535
		}
		authMsg := bare + "," + first + "," + want
		clientKey := mac(salted, "Client Key")
		stored := h.New()
		stored.Write(clientKey)
		sig := mac(stored.Sum(nil), authMsg)
		for i := range proof {
			proof[i] ^= sig[i]
		}
		if !bytes.Equal(proof, clientKey) {
			return 535, bad535
		}
		v := mac(mac(salted, "Server Key"), authMsg)
		if evil {
			v[0] ^= 1
		}
		return 334, []byte("v=" + base64.StdEncoding.EncodeToString(v))
	}
	takeEmpty := func(data []byte, _ bool) (int, []byte) {
		if len(data) != 0 {
			return 501, []byte("5.5.2 expected an empty response")
		}
		return 235, ok235
	}
	f.steps = []func([]byte, bool) (int, []byte){takeFirst, takeFinal, takeEmpty}
	return f
}

// tokenServer is a fake XOAUTH2 or OAUTHBEARER server that accepts one
// user and token; a wrong token gets the JSON error challenge, then 535.
func tokenServer(mech, user, token string) *fake {
	f := &fake{mech: mech}
	errJSON := []byte(`{"status":"401","schemes":"bearer","scope":"mail"}`)
	var wantResp string
	var want string
	if mech == "XOAUTH2" {
		want = "user=" + user + "\x01auth=Bearer " + token + "\x01\x01"
		wantResp = ""
	} else {
		want = "n,a=" + saslName(user) + ",\x01"
		wantResp = "\x01"
	}
	closing := func(data []byte, _ bool) (int, []byte) {
		if string(data) != wantResp {
			return 501, []byte("5.5.2 expected the closing response")
		}
		return 535, bad535
	}
	check := func(data []byte, present bool) (int, []byte) {
		msg := string(data)
		okMsg := msg == want
		if mech == "OAUTHBEARER" {
			okMsg = strings.HasPrefix(msg, want) &&
				strings.HasSuffix(msg, "\x01auth=Bearer "+token+"\x01\x01")
		}
		if !present {
			return 334, nil
		}
		if okMsg {
			return 235, ok235
		}
		f.steps = append(f.steps, closing)
		return 334, errJSON
	}
	f.steps = []func([]byte, bool) (int, []byte){check}
	return f
}
