#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""oauth2-stub.py PORT -- an OAuth2 authorization server test double on 127.0.0.1:PORT.

postfix-start.sh runs it on $OAUTH_STUB_PORT (2580): Dovecot's oauth2 passdb asks
its /introspect endpoint whether an XOAUTH2 or OAUTHBEARER token is valid.

Endpoints (RFC 6749, PKCE S256 per RFC 7636, introspection per RFC 7662):
  GET  /authorize  response_type=code, client_id, redirect_uri, [state], [code_challenge]
                   -> 302 to redirect_uri with code (single use) and state; always consents
  POST /token      grant_type=authorization_code (code, [code_verifier])
                   grant_type=refresh_token (refresh_token)
                   client credentials as form fields or HTTP Basic
                   -> 200 {access_token, token_type, expires_in, refresh_token, scope}
                   -> 401 invalid_client, 400 invalid_grant, 400 unsupported_grant_type
  POST /introspect token -> {"active": true, "email": TEST_USER, ...} or {"active": false}

Environment (defaults): OAUTH_CLIENT_ID test-client, OAUTH_CLIENT_SECRET test-secret,
OAUTH_TEST_CODE test-code (redeemable any number of times), OAUTH_TEST_REFRESH
test-refresh-token, OAUTH_TOKEN_TTL 3600, TEST_TOKEN test-oauth-token (never expires),
TEST_USER user@example.test.
"""
import base64
import hashlib
import json
import os
import secrets
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def setting(name, default):
    return os.environ.get(name, default)


CLIENT = (setting("OAUTH_CLIENT_ID", "test-client"), setting("OAUTH_CLIENT_SECRET", "test-secret"))
ACCOUNT = setting("TEST_USER", "user@example.test")
LIFETIME = int(setting("OAUTH_TOKEN_TTL", "3600"))
STANDING_CODE = setting("OAUTH_TEST_CODE", "test-code")


class State:
    """Everything the server has issued; the handler threads share one instance."""

    def __init__(self):
        self.pending_codes = {}  # code -> PKCE challenge or None
        self.refresh = {setting("OAUTH_TEST_REFRESH", "test-refresh-token")}
        self.access = {setting("TEST_TOKEN", "test-oauth-token"): float("inf")}  # token -> expiry

    def new_code(self, challenge):
        code = "code-" + secrets.token_urlsafe(12)
        self.pending_codes[code] = challenge
        return code

    def grant(self, refresh_token=None):
        token = "at-" + secrets.token_urlsafe(16)
        self.access[token] = time.time() + LIFETIME
        if refresh_token is None:
            refresh_token = "rt-" + secrets.token_urlsafe(16)
            self.refresh.add(refresh_token)
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": LIFETIME,
            "refresh_token": refresh_token,
            "scope": "https://mail.google.com/",
        }

    def active(self, token):
        return self.access.get(token, 0) > time.time()


STATE = State()


def pkce_s256(verifier):
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def single(pairs):
    return {key: values[0] for key, values in pairs.items()}


class Handler(BaseHTTPRequestHandler):
    # Dovecot's HTTP client keeps its connection open between lookups.
    protocol_version = "HTTP/1.1"

    def answer(self, status, body, extra_headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        for name, value in extra_headers:
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        route = self.path.split("?", 1)[0]
        sys.stderr.write("%s %s -> %d %s\n" % (self.command, route, status, data[:80].decode()))

    def read_form(self):
        length = int(self.headers.get("Content-Length") or 0)
        return single(urllib.parse.parse_qs(self.rfile.read(length).decode()))

    def client_credentials(self, form):
        header = self.headers.get("Authorization", "")
        if header[:6].lower() == "basic ":
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            return urllib.parse.unquote_plus(user), urllib.parse.unquote_plus(password)
        return form.get("client_id"), form.get("client_secret")

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = single(urllib.parse.parse_qs(url.query))
        redirect = query.get("redirect_uri")
        if url.path != "/authorize" or query.get("client_id") != CLIENT[0] or not redirect:
            return self.answer(404, {"error": "not_found"})
        params = {"code": STATE.new_code(query.get("code_challenge"))}
        if "state" in query:
            params["state"] = query["state"]
        joiner = "&" if "?" in redirect else "?"
        self.answer(302, {}, [("Location", redirect + joiner + urllib.parse.urlencode(params))])

    def do_POST(self):
        route = urllib.parse.urlsplit(self.path).path
        form = self.read_form()
        if route == "/introspect":
            if STATE.active(form.get("token", "")):
                return self.answer(200, {"active": True, "email": ACCOUNT, "username": ACCOUNT, "scope": "mail"})
            return self.answer(200, {"active": False})
        if route != "/token":
            return self.answer(404, {"error": "not_found"})
        if self.client_credentials(form) != CLIENT:
            return self.answer(401, {"error": "invalid_client"})
        kind = form.get("grant_type")
        if kind == "authorization_code":
            return self.code_grant(form)
        if kind == "refresh_token":
            token = form.get("refresh_token")
            if token not in STATE.refresh:
                return self.answer(400, {"error": "invalid_grant", "error_description": "unknown refresh token"})
            return self.answer(200, STATE.grant(token))
        self.answer(400, {"error": "unsupported_grant_type"})

    def code_grant(self, form):
        code = form.get("code", "")
        if code != STANDING_CODE and code not in STATE.pending_codes:
            return self.answer(400, {"error": "invalid_grant", "error_description": "unknown code"})
        challenge = STATE.pending_codes.pop(code, None)  # an issued code works once
        if challenge and pkce_s256(form.get("code_verifier", "")) != challenge:
            return self.answer(400, {"error": "invalid_grant", "error_description": "PKCE mismatch"})
        self.answer(200, STATE.grant())

    def log_message(self, *args):
        pass  # answer() already wrote one line per request


def main():
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.exit("usage: oauth2-stub.py PORT")
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()


if __name__ == "__main__":
    main()
