#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""dkim-sign.py --key FILE --selector S --domain D [options] [--out DIR MSG ...]

Signs mail with dkimpy (Debian python3-dkim; ed25519-sha256 also needs
python3-nacl) and writes each message back with its DKIM-Signature field in
front. Nothing else of the message changes; the new field ends its lines the
way the message does (CRLF when the message holds a CRLF, LF otherwise).

Without MSG the message is read from stdin and written to stdout. With
--out DIR, each MSG is signed and written to DIR under its own base name,
so that many messages cost one start of the interpreter.

Options:
  --algo A        rsa-sha256 (default), rsa-sha1 or ed25519-sha256
  --canon H/B     c= tag, default relaxed/relaxed; "H" alone means H/simple
  --headers LIST  h= exactly, colon-separated (a repeated name over-signs);
                  default: dkimpy's own choice
  --time UNIX     t= fixed instead of the clock (the output is then
                  reproducible byte for byte)
  --identity I    i= tag
  --length        add l=
Keys: RSA as PEM (PKCS#1 or PKCS#8); Ed25519 as the base64 32-byte seed
(dknewkey) or PKCS#8 PEM (Go's x509.MarshalPKCS8PrivateKey, openssl genpkey).
Exit status 0 when every message was signed, 1 otherwise, 2 for bad usage.
"""
import argparse
import base64
import os
import re
import sys

import dkim

# DER prefix of a PKCS#8 Ed25519 private key; the 32-byte seed follows it.
ED25519_PKCS8_PREFIX = bytes.fromhex("302e020100300506032b657004220420")


def parse_args():
    p = argparse.ArgumentParser(usage=__doc__.split("\n")[0], add_help=True)
    p.add_argument("--key", required=True)
    p.add_argument("--selector", required=True)
    p.add_argument("--domain", required=True)
    p.add_argument("--algo", default="rsa-sha256",
                   choices=["rsa-sha256", "rsa-sha1", "ed25519-sha256"])
    p.add_argument("--canon", default="relaxed/relaxed")
    p.add_argument("--headers")
    p.add_argument("--time", type=int)
    p.add_argument("--identity")
    p.add_argument("--length", action="store_true")
    p.add_argument("--out")
    p.add_argument("messages", nargs="*")
    args = p.parse_args()
    if bool(args.out) != bool(args.messages):
        p.error("--out and MSG go together")
    return args


def read_key(path, algo):
    with open(path, "rb") as f:
        key = f.read()
    if algo != "ed25519-sha256" or b"-----BEGIN PRIVATE KEY-----" not in key:
        return key
    body = b"".join(re.findall(rb"^[A-Za-z0-9+/=]+$", key, re.M))
    der = base64.b64decode(body)
    if len(der) != 48 or not der.startswith(ED25519_PKCS8_PREFIX):
        sys.exit("dkim-sign.py: %s is not a PKCS#8 Ed25519 key" % path)
    return base64.b64encode(der[len(ED25519_PKCS8_PREFIX):])  # dkimpy takes the seed


def signer(args):
    key = read_key(args.key, args.algo)
    head, _, body = args.canon.partition("/")
    canon = (head.encode(), (body or "simple").encode())
    headers = None
    if args.headers:
        headers = [h.encode() for h in args.headers.split(":")]
    if args.time is not None:
        fixed = args.time
        dkim.time.time = lambda: fixed  # dkimpy takes t= from its own clock import

    def sign(msg):
        return dkim.sign(msg, args.selector.encode(), args.domain.encode(), key,
                         identity=args.identity.encode() if args.identity else None,
                         canonicalize=canon, signature_algorithm=args.algo.encode(),
                         include_headers=headers, length=args.length,
                         linesep=b"\r\n" if b"\r\n" in msg else b"\n")
    return sign


def main():
    args = parse_args()
    sign = signer(args)
    if not args.messages:
        msg = sys.stdin.buffer.read()
        sys.stdout.buffer.write(sign(msg) + msg)
        return 0
    failed = 0
    for path in args.messages:
        with open(path, "rb") as f:
            msg = f.read()
        try:
            field = sign(msg)
        except Exception as exc:  # dkim.DKIMException and key errors alike
            print("%s: FAIL: %s: %s" % (path, type(exc).__name__, exc))
            failed += 1
            continue
        with open(os.path.join(args.out, os.path.basename(path)), "wb") as f:
            f.write(field + msg)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
