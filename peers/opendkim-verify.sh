#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Usage: opendkim-verify.sh --dns FILE MSG...
#
# Verifies the DKIM signature of each MSG with OpenDKIM's test mode
# (`opendkim -t`, Debian package opendkim), without DNS: FILE holds the key
# records, one per line as "<selector>._domainkey.<domain> <TXT value>".
# OpenDKIM checks the first signature of a message only.
#
# Quirks of the test mode, whoever made the signature: it reads the message
# as a milter does and rebuilds each header field as "Name: value", so under
# simple header canonicalization a field with other whitespace after its
# colon fails; and a relaxed body whose last line has no line end gives
# "message not signed".
#
# Prints one line per message, "MSG: pass" or "MSG: FAIL: <what opendkim
# said>". Exit status 0 when every message passes, 1 otherwise, 2 for bad
# usage. (opendkim -t itself exits 0 whatever the outcome, so its
# "succeeded" / "failed" line is what is judged here.)
set -uo pipefail

if [ $# -lt 3 ] || [ "$1" != --dns ]; then
  sed -n '3,19s/^# \{0,1\}//p' "$0" >&2
  exit 2
fi
records=$(realpath "$2")
shift 2
command -v opendkim >/dev/null || { echo "opendkim-verify.sh: opendkim is not installed" >&2; exit 2; }

conf=$(mktemp)
trap 'rm -f "$conf"' EXIT
printf 'Mode v\nTestPublicKeys %s\nSyslog no\n' "$records" > "$conf"

status=0
for msg in "$@"; do
  out=$(opendkim -x "$conf" -t "$msg" 2>&1)
  case "$out" in
    *"verification"*"succeeded"*) echo "$msg: pass" ;;
    *) echo "$msg: FAIL: ${out//$'\n'/ }"; status=1 ;;
  esac
done
exit $status
