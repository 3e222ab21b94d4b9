#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Read messages with Python's email package, the reader many mail tools
are built on. Standard input is a JSON list of base64-encoded messages;
the output is a JSON list telling for each what Python saw: every defect
it found in the structure or any header, the decoded Subject and From,
and each leaf part's type, file name and decoded body (base64)."""
import base64
import email
import email.policy
import json
import sys


def header_defects(part):
    out = []
    for name, value in part.items():
        for d in getattr(value, "defects", ()):
            out.append("%s: %s" % (name, type(d).__name__))
    return out


def read(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    defects, parts = [], []
    for part in msg.walk():
        defects += [type(d).__name__ for d in part.defects]
        defects += header_defects(part)
        if part.is_multipart():
            continue
        body = part.get_payload(decode=True) or b""
        parts.append({
            "type": part.get_content_type(),
            "filename": part.get_filename() or "",
            "body": base64.b64encode(body).decode("ascii"),
        })
    frm = msg["From"].addresses[0]
    return {
        "defects": defects,
        "subject": str(msg["Subject"] or ""),
        "from_name": frm.display_name,
        "from_addr": frm.addr_spec,
        "parts": parts,
    }


def main():
    msgs = json.load(sys.stdin)
    json.dump([read(base64.b64decode(m)) for m in msgs], sys.stdout)


main()
