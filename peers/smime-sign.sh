#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# smime-sign.sh [--opaque] ENTITY [CERT KEY] > SIGNED
# Signs a MIME entity (a file starting with its own Content-Type header)
# with openssl cms and SHA-256. The signer is alice@example.test from
# smime-certs.sh unless CERT and KEY are given. The output is
# multipart/signed, or with --opaque application/pkcs7-mime signed-data.
set -euo pipefail
. "$(dirname "$0")/common.sh"
dir="$MAILPEERS_DIR/smime"
mode=()
if [ "${1:-}" = --opaque ]; then
  mode=(-nodetach)
  shift
fi
openssl cms -sign "${mode[@]}" -md sha256 -in "$1" \
  -signer "${2:-$dir/signer.pem}" -inkey "${3:-$dir/signer.key}" \
  -from alice@example.test -to bob@example.test -subject "smime test"
