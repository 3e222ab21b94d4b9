#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# smime-encrypt.sh ENTITY [CERT [CIPHER]] > ENCRYPTED
# Encrypts a MIME entity with openssl cms for bob@example.test from
# smime-certs.sh, or for CERT. CIPHER is aes-256-cbc (default,
# enveloped-data), aes-128-gcm or aes-256-gcm (authEnveloped-data,
# RFC 5083), or des-ede3-cbc (legacy clients).
set -euo pipefail
. "$(dirname "$0")/common.sh"
dir="$MAILPEERS_DIR/smime"
openssl cms -encrypt "-${3:-aes-256-cbc}" -in "$1" \
  -from alice@example.test -to bob@example.test -subject "smime test" \
  "${2:-$dir/recipient.pem}"
