#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# smime-verify.sh MESSAGE [SIGNER_OUT] > CONTENT
# Verifies a signed S/MIME message (multipart/signed, or application/
# pkcs7-mime signed-data) with openssl cms against the CA of
# smime-certs.sh, for the purpose smimesign (emailProtection). Prints the
# signed content, and writes the signer's certificate to SIGNER_OUT when
# given. Exit status 0 means the signature and the chain are valid.
set -euo pipefail
. "$(dirname "$0")/common.sh"
dir="$MAILPEERS_DIR/smime"
args=(-verify -in "$1" -CAfile "$dir/ca.pem" -purpose smimesign)
[ -n "${2:-}" ] && args+=(-signer "$2")
openssl cms "${args[@]}"
