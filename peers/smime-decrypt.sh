#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# smime-decrypt.sh MESSAGE [CERT KEY] > CONTENT
# Decrypts an S/MIME message (enveloped-data or authEnveloped-data) with
# openssl cms, as bob@example.test from smime-certs.sh unless CERT and KEY
# are given, and prints the MIME entity inside. Exit status 0 means it
# was decrypted.
set -euo pipefail
. "$(dirname "$0")/common.sh"
dir="$MAILPEERS_DIR/smime"
openssl cms -decrypt -in "$1" -recip "${2:-$dir/recipient.pem}" \
  -inkey "${3:-$dir/recipient.key}"
