#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Usage: .ci/matrix.sh   (the peers must be running: peers/postfix-start.sh)
#
# Runs the interoperability matrix of the conformance module against the
# real peers (Postfix + Dovecot, Cyrus SASL, python3-dkim, OpenDKIM,
# openssl cms) and prints it as a table: one line per cell, naming the peer
# and its version. Fails if a cell fails or skips.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
out=$(mktemp)
log=$(mktemp)
trap 'rm -f "$out" "$log"' EXIT
(cd conformance && MAILPEERS=1 MATRIX_OUT="$out" go test -count=1 -run '^TestPeerTierMatrix' . > "$log" 2>&1)
status=$?
echo "Interoperability matrix (mailwright against real peers on 127.0.0.1)"
echo
awk -F'\t' '
  { if (length($1) > w1) w1 = length($1); if (length($2) > w2) w2 = length($2); if (length($3) > w3) w3 = length($3); r[NR] = $0 }
  END {
    fmt = "| %-" w1 "s | %-" w2 "s | %-" w3 "s | %-6s |\n"
    printf fmt, "Setting", "Case", "Peer (version)", "Result"
    sep = "|"; split(w1 " " w2 " " w3 " 6", ws, " ")
    for (j = 1; j <= 4; j++) { d = ""; for (k = 0; k < ws[j] + 2; k++) d = d "-"; sep = sep d "|" }
    print sep
    for (i = 1; i <= NR; i++) { split(r[i], f, "\t"); printf fmt, f[1], f[2], f[3], f[4] }
  }' "$out"
cells=$(wc -l < "$out")
bad=$(awk -F'\t' '$4 != "pass"' "$out" | wc -l)
echo
echo "matrix: $cells cells, $((cells - bad)) passed, $bad failed or skipped"
if [ "$status" != 0 ] || [ "$bad" != 0 ] || [ "$cells" = 0 ]; then
  cat "$log"
  exit 1
fi
