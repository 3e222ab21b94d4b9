#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# smime-certs.sh: make the S/MIME test PKI once (re-running changes
# nothing). Writes into $MAILPEERS_DIR/smime/, keys as unencrypted PKCS#8:
#   ca.pem, ca.key                 test CA "mailwright SMIME test CA"
#   signer.pem, signer.key         alice@example.test, RSA 2048
#   signer-ec.pem, signer-ec.key   alice@example.test, EC P-256
#   recipient.pem, recipient.key   bob@example.test, RSA 2048
#   signer.p12, recipient.p12      PKCS#12 with the CA certificate, password
#                                  $SMIME_P12_PASS (default "test"), in the
#                                  OpenSSL 3 format (AES-256-CBC, PBKDF2,
#                                  SHA-256 MAC)
#   signer-legacy.p12              the same in the old format (3DES, SHA-1
#                                  MAC) that older mail clients export
# Leaves carry keyUsage digitalSignature, keyEncipherment, nonRepudiation,
# extendedKeyUsage emailProtection and the address as subjectAltName.
set -euo pipefail
. "$(dirname "$0")/common.sh"
: "${SMIME_P12_PASS:=test}"
dir="$MAILPEERS_DIR/smime"
mkdir -p "$dir"
cd "$dir"
[ -s signer-legacy.p12 ] && exit 0

openssl req -x509 -newkey rsa:2048 -nodes -days 3650 \
  -subj "/CN=mailwright SMIME test CA" -keyout ca.key -out ca.pem \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

# issue NAME ADDRESS KEYGEN-ARGS...: a leaf certificate signed by the CA.
issue() {
  local name=$1 addr=$2
  shift 2
  openssl req -new -nodes "$@" -subj "/CN=$addr/emailAddress=$addr" \
    -keyout "$name.key" -out "$name.csr" 2>/dev/null
  cat > "$name.ext" <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment,nonRepudiation
extendedKeyUsage=emailProtection
subjectAltName=email:$addr
EXT
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
    -days 3650 -extfile "$name.ext" -out "$name.pem" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

issue signer alice@example.test -newkey rsa:2048
issue signer-ec alice@example.test -newkey ec -pkeyopt ec_paramgen_curve:P-256
issue recipient bob@example.test -newkey rsa:2048

for name in signer recipient; do
  openssl pkcs12 -export -in "$name.pem" -inkey "$name.key" -certfile ca.pem \
    -name "$name" -passout "pass:$SMIME_P12_PASS" -out "$name.p12"
done
openssl pkcs12 -export -in signer.pem -inkey signer.key -certfile ca.pem \
  -name signer -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1 \
  -passout "pass:$SMIME_P12_PASS" -out signer-legacy.p12
chmod 600 ./*.key ./*.p12
