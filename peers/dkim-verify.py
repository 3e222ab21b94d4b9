#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""dkim-verify.py (--txt-file FILE | --dns FILE) [--time UNIX] [MSG ...]   (no MSG: stdin)

Checks every DKIM-Signature of each message with dkimpy (Debian python3-dkim;
ed25519-sha256 also needs python3-nacl), without DNS:
  --txt-file FILE  one TXT record value ("v=DKIM1; k=rsa; p=..."), used for any s= and d=
  --dns FILE       lines "<selector>._domainkey.<domain> <TXT value>"; '#' starts a comment
  --time UNIX      check t= and x= as if the clock said UNIX
One line per signature: "pass" or "FAIL: reason". Exit status 0 when every message has at
least one signature and all pass, 1 otherwise, 2 for bad usage. CRLF and LF both work.
"""
import logging
import sys

import dkim
from dkim.util import parse_tag_value


def bad_usage():
    sys.stderr.write(__doc__)
    sys.exit(2)


def parse_args(argv):
    txt, table, files = None, None, []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if not arg.startswith("--"):
            files.append(arg)
            i += 1
            continue
        if i + 1 >= len(argv):
            bad_usage()
        value = argv[i + 1]
        i += 2
        if arg == "--txt-file":
            with open(value, "rb") as f:
                txt = f.read().strip()
        elif arg == "--dns":
            table = {}
            with open(value, encoding="ascii") as f:
                for line in f:
                    name, _, record = line.strip().partition(" ")
                    if name and not name.startswith("#"):
                        table[name.rstrip(".").lower()] = record.strip().encode()
        elif arg == "--time":
            now = float(value)
            dkim.time.time = lambda: now  # dkimpy reads the clock via its own module
        else:
            bad_usage()
    if (txt is None) == (table is None):
        bad_usage()
    return txt, table, files or ["-"]


class Collect(logging.Handler):
    """Keeps dkimpy's warnings: they say why verify() returned False."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def main():
    txt, table, files = parse_args(sys.argv[1:])

    def lookup(name, timeout=5):
        if txt is not None:
            return txt
        return table.get(name.decode().rstrip(".").lower())

    collect = Collect()
    logger = logging.getLogger("mailwright-dkim-verify")
    logger.addHandler(collect)
    logger.propagate = False
    all_pass = True
    for path in files:
        if path == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as f:
                data = f.read()
        checker = dkim.DKIM(data, logger=logger)
        signatures = [value for name, value in checker.headers if name.lower() == b"dkim-signature"]
        if not signatures:
            print("%s: FAIL: no DKIM-Signature" % path)
            all_pass = False
        for idx, value in enumerate(signatures):
            tags = parse_tag_value(b"".join(value.split()))
            d, s, a = (tags.get(k, b"").decode() for k in (b"d", b"s", b"a"))
            label = "%s: sig %d d=%s s=%s a=%s" % (path, idx, d, s, a)
            collect.messages = []
            try:
                ok = bool(checker.verify(idx=idx, dnsfunc=lookup))
                why = "; ".join(collect.messages) or "signature did not verify (body hash matched)"
            except Exception as exc:  # DKIMException, or nacl's ValueError for a wrong key type
                ok, why = False, "%s: %s" % (type(exc).__name__, exc)
            print("%s: %s" % (label, "pass" if ok else "FAIL: " + why))
            all_pass = all_pass and ok
    sys.exit(0 if all_pass else 1)


if __name__ == "__main__":
    main()
