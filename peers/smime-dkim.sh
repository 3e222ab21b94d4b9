#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# smime-dkim.sh key|sign [CANON]|verify  < MESSAGE
# S/MIME and DKIM together, checked with dkimpy (Debian python3-dkim) and
# openssl cms, against the PKI of smime-certs.sh (run that first):
#   key            print the path of the DKIM RSA key (PKCS#8 PEM, made
#                  once in $MAILPEERS_DIR/smime/dkim.key, d=example.test,
#                  s=smime); its TXT record value is in dkim.txt beside it
#   sign [CANON]   DKIM-sign the message on stdin with dkimpy (CANON
#                  header/body, default relaxed/relaxed) and print it
#   verify         check every DKIM-Signature with dkimpy (the key from
#                  dkim.txt, no DNS), then the S/MIME signature of the same
#                  bytes with openssl cms (purpose smimesign); print the
#                  signed content. Exit 0 only if both hold.
set -euo pipefail
. "$(dirname "$0")/common.sh"
dir="$MAILPEERS_DIR/smime"
[ -s "$dir/ca.pem" ] || { echo "smime-dkim.sh: run smime-certs.sh first" >&2; exit 2; }
if [ ! -s "$dir/dkim.txt" ]; then
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/dkim.key" 2>/dev/null
  chmod 600 "$dir/dkim.key"
  pub=$(openssl pkey -in "$dir/dkim.key" -pubout -outform DER | base64 -w0)
  printf 'v=DKIM1; k=rsa; p=%s\n' "$pub" > "$dir/dkim.txt"
fi

case "${1:-}" in
key)
  echo "$dir/dkim.key" ;;
sign)
  "$PY3" -c "$(cat <<'PY'
import sys, dkim
key, canon = open(sys.argv[1], "rb").read(), sys.argv[2].encode().split(b"/")
msg = sys.stdin.buffer.read()
sig = dkim.sign(msg, b"smime", b"example.test", key, canonicalize=tuple(canon),
                include_headers=[b"from", b"to", b"subject", b"mime-version", b"content-type"],
                linesep=b"\r\n")
sys.stdout.buffer.write(sig + msg)
PY
)" "$dir/dkim.key" "${2:-relaxed/relaxed}" ;;
verify)
  msg=$(mktemp)
  trap 'rm -f "$msg"' EXIT
  cat > "$msg"
  "$PY3" -c "$(cat <<'PY'
import sys, dkim
txt = open(sys.argv[1], "rb").read().strip()
msg = open(sys.argv[2], "rb").read()
d = dkim.DKIM(msg)
n = msg.lower().count(b"\ndkim-signature:") + msg.lower().startswith(b"dkim-signature:")
if n == 0:
    sys.exit("smime-dkim.sh: no DKIM-Signature")
for i in range(n):
    try:
        ok, why = d.verify(idx=i, dnsfunc=lambda name, timeout=5: txt), "verify returned false"
    except dkim.DKIMException as e:
        ok, why = False, str(e)
    if not ok:
        sys.exit("smime-dkim.sh: DKIM signature %d fails: %s" % (i, why))
PY
)" "$dir/dkim.txt" "$msg"
  openssl cms -verify -in "$msg" -CAfile "$dir/ca.pem" -purpose smimesign ;;
*)
  echo "usage: smime-dkim.sh key|sign [CANON]|verify < MESSAGE" >&2
  exit 2 ;;
esac
