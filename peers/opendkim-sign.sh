#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Usage: opendkim-sign.sh --key KEY --selector SEL --domain DOMAIN
#            [--algo rsa-sha256|rsa-sha1|ed25519-sha256] [--canon HDR/BODY]
#            [--headers from:to:...] --out DIR MSG...
#
# Signs each MSG with OpenDKIM (Debian package opendkim) run in its test
# mode, `opendkim -t`, which passes a file through the milter code without
# a mail server, and writes the signed message to DIR under the same base
# name: the DKIM-Signature field OpenDKIM made, in the line ends of MSG,
# followed by MSG unchanged. KEY is a PEM private key (RSA, or Ed25519 in
# PKCS#8). Defaults: rsa-sha256, relaxed/relaxed, OpenDKIM's own header
# list. OpenDKIM signs only messages whose From domain is DOMAIN or below.
#
# Quirks: the test mode rebuilds each header field as "Name: value" before
# signing, so under simple header canonicalization a field written with
# other whitespace after its colon gets a signature that fails on the file
# as written; t= is the current time. OpenDKIM 2.11.0 (Debian 12) folds an
# ed25519-sha256 field after signing it differently from how it hashed it
# (it puts b= on a line of its own where it had hashed it at the end of the
# line before), so under simple header canonicalization such a signature
# fails everywhere, OpenDKIM's own verifier included. (opendkim-testmsg,
# the other tool, signs only rsa-sha1 with relaxed/simple.)
#
# Prints "MSG: signed" or "MSG: FAIL: <what opendkim said>" per message.
# Exit status 0 when every message was signed, 1 otherwise, 2 for bad
# usage or when opendkim is missing.
set -uo pipefail

usage() { sed -n '3,28s/^# \{0,1\}//p' "$0" >&2; exit 2; }

key= sel= dom= algo=rsa-sha256 canon=relaxed/relaxed headers= out=
while [ $# -gt 0 ]; do
  case "$1" in
    --key) key=${2:-}; shift 2 ;;
    --selector) sel=${2:-}; shift 2 ;;
    --domain) dom=${2:-}; shift 2 ;;
    --algo) algo=${2:-}; shift 2 ;;
    --canon) canon=${2:-}; shift 2 ;;
    --headers) headers=${2:-}; shift 2 ;;
    --out) out=${2:-}; shift 2 ;;
    --) shift; break ;;
    -*) usage ;;
    *) break ;;
  esac
done
[ -n "$key" ] && [ -n "$sel" ] && [ -n "$dom" ] && [ -n "$out" ] && [ $# -gt 0 ] || usage
[ -d "$out" ] || { echo "opendkim-sign.sh: $out is not a directory" >&2; exit 2; }
command -v opendkim >/dev/null || { echo "opendkim-sign.sh: opendkim is not installed" >&2; exit 2; }

conf=$(mktemp)
trap 'rm -f "$conf"' EXIT
{
  echo "Mode s"
  echo "Domain $dom"
  echo "SubDomains yes"
  echo "Selector $sel"
  echo "KeyFile $(realpath "$key")"
  echo "SignatureAlgorithm $algo"
  echo "Canonicalization $canon"
  [ -z "$headers" ] || echo "SignHeaders ${headers//:/,}"
  echo "Syslog no"
  # Test keys live in temporary folders, which OpenDKIM calls unsafe.
  echo "RequireSafeKeys false"
} > "$conf"

status=0
for msg in "$@"; do
  # opendkim -t prints "opendkim: MSG:" and then the field, folded with
  # CRLF or LF; anything else (no field) is an error message.
  res=$(opendkim -x "$conf" -t "$msg" 2>&1)
  field=$(printf '%s\n' "$res" | sed -n '/^DKIM-Signature:/,$p' | tr -d '\r')
  if [ -z "$field" ]; then
    echo "$msg: FAIL: ${res//$'\n'/ }"
    status=1
    continue
  fi
  dest="$out/$(basename "$msg")"
  if head -n 1 "$msg" | grep -q $'\r$'; then
    printf '%s\n' "$field" | sed 's/$/\r/' > "$dest"
  else
    printf '%s\n' "$field" > "$dest"
  fi
  cat "$msg" >> "$dest"
  echo "$msg: signed"
done
exit $status
