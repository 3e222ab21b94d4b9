#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""oauth2-stub.py PORT - a loopback OAuth 2.0 authorization server for tests.

Listens on 127.0.0.1:PORT only. postfix-start.sh runs it on $OAUTH_STUB_PORT
so that Dovecot can ask /introspect whether an XOAUTH2/OAUTHBEARER token is
good. Endpoints (RFC 6749, PKCE per RFC 7636, introspection per RFC 7662):

  GET  /authorize   response_type=code, client_id, redirect_uri, [state],
                    [code_challenge]: consents at once and answers 302 to
                    redirect_uri with code (and state).
  POST /token       grant_type=authorization_code: code, [redirect_uri],
                    [code_verifier]; grant_type=refresh_token: refresh_token.
                    Client credentials in the form or in HTTP Basic.
                    200 {access_token, token_type, expires_in, refresh_token,
                    scope}; 401 invalid_client; 400 invalid_grant,
                    unsupported_grant_type.
  POST /introspect  token=...: {"active": true, "email": ...} for $TEST_TOKEN
                    and for unexpired issued tokens, else {"active": false}.

Issued codes work once; $OAUTH_TEST_CODE works any number of times.

Environment, with defaults: OAUTH_CLIENT_ID=test-client,
OAUTH_CLIENT_SECRET=test-secret, OAUTH_TEST_CODE=test-code,
OAUTH_TEST_REFRESH=test-refresh-token, OAUTH_TOKEN_TTL=3600,
TEST_TOKEN=test-oauth-token, TEST_USER=user@example.test.
"""
import base64
import hashlib
import json
import os
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit


def setting(name, default):
    return os.environ.get(name, default)


class State:
    """Everything the server remembers, behind one lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.client = (setting("OAUTH_CLIENT_ID", "test-client"),
                       setting("OAUTH_CLIENT_SECRET", "test-secret"))
        self.user = setting("TEST_USER", "user@example.test")
        self.ttl = int(setting("OAUTH_TOKEN_TTL", "3600"))
        self.fixed_code = setting("OAUTH_TEST_CODE", "test-code")
        self.pending = {}                      # code -> PKCE challenge or None
        self.refresh = {setting("OAUTH_TEST_REFRESH", "test-refresh-token")}
        self.access = {setting("TEST_TOKEN", "test-oauth-token"): None}  # None: never expires

    def new_code(self, challenge):
        code = "code-" + secrets.token_urlsafe(12)
        with self.lock:
            self.pending[code] = challenge
        return code

    def take_code(self, code):
        """Returns (known, challenge); issued codes are removed on use."""
        with self.lock:
            if code in self.pending:
                return True, self.pending.pop(code)
        return code == self.fixed_code, None

    def grant(self, refresh_token=None):
        access = "at-" + secrets.token_urlsafe(16)
        with self.lock:
            self.access[access] = time.time() + self.ttl
            if refresh_token is None:
                refresh_token = "rt-" + secrets.token_urlsafe(16)
                self.refresh.add(refresh_token)
        return {"access_token": access, "token_type": "Bearer", "expires_in": self.ttl,
                "refresh_token": refresh_token, "scope": "https://mail.google.com/"}

    def knows_refresh(self, token):
        with self.lock:
            return token in self.refresh

    def active(self, token):
        with self.lock:
            if token not in self.access:
                return False
            expiry = self.access[token]
        return expiry is None or expiry > time.time()


STATE = State()


def s256(verifier):
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # Dovecot keeps its connection open

    def answer(self, status, doc, extra=()):
        data = json.dumps(doc).encode()
        self.send_response(status)
        for name, value in extra:
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        sys.stderr.write("%s %s %d %s\n" % (self.command, urlsplit(self.path).path, status,
                                           data[:80].decode(errors="replace")))

    def form(self):
        size = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(size).decode() if size else ""
        return dict(parse_qsl(body, keep_blank_values=True))

    def client_credentials(self, form):
        auth = self.headers.get("Authorization", "")
        if auth[:6].lower() == "basic ":
            pair = base64.b64decode(auth[6:]).decode()
            ident, _, secret = pair.partition(":")
            return unquote_plus(ident), unquote_plus(secret)
        return form.get("client_id"), form.get("client_secret")

    def do_GET(self):
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query))
        back = query.get("redirect_uri")
        if url.path != "/authorize" or query.get("client_id") != STATE.client[0] or not back:
            return self.answer(404, {"error": "not_found"})
        params = {"code": STATE.new_code(query.get("code_challenge"))}
        if "state" in query:
            params["state"] = query["state"]
        joiner = "&" if "?" in back else "?"
        self.answer(302, {}, [("Location", back + joiner + urlencode(params))])

    def do_POST(self):
        path, form = urlsplit(self.path).path, self.form()
        if path == "/introspect":
            if STATE.active(form.get("token", "")):
                return self.answer(200, {"active": True, "email": STATE.user,
                                         "username": STATE.user, "scope": "mail"})
            return self.answer(200, {"active": False})
        if path != "/token":
            return self.answer(404, {"error": "not_found"})
        if self.client_credentials(form) != STATE.client:
            return self.answer(401, {"error": "invalid_client"})
        grant = form.get("grant_type")
        if grant == "authorization_code":
            return self.code_grant(form)
        if grant == "refresh_token":
            token = form.get("refresh_token")
            if not STATE.knows_refresh(token):
                return self.refuse("unknown refresh token")
            return self.answer(200, STATE.grant(token))
        self.answer(400, {"error": "unsupported_grant_type"})

    def code_grant(self, form):
        known, challenge = STATE.take_code(form.get("code", ""))
        if not known:
            return self.refuse("unknown code")
        if challenge and s256(form.get("code_verifier", "")) != challenge:
            return self.refuse("PKCE mismatch")
        self.answer(200, STATE.grant())

    def refuse(self, why):
        self.answer(400, {"error": "invalid_grant", "error_description": why})

    def log_message(self, *args):
        pass


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: oauth2-stub.py PORT")
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()


if __name__ == "__main__":
    main()
