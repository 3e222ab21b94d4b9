#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Usage: mkcerts.sh
#
# Writes a throw-away test CA and a server certificate for
# mail.example.test (also valid for localhost, 127.0.0.1 and ::1), both
# RSA-2048 for ten years, to $MAILPEERS_DIR/tls/{ca,server}.{pem,key}.
# The CA is "CN=mailpeers test CA", the issuer name tests (mailwright probe)
# expect. Existing files are kept, so the CA stays the same between runs.
set -euo pipefail
. "$(dirname "$0")/common.sh"
dir="$MAILPEERS_DIR/tls"
mkdir -p "$dir"
cd "$dir"
if [ -s ca.pem ] && [ -s server.pem ] && [ -s server.key ]; then exit 0; fi

openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=mailpeers test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout ca.key -out ca.pem 2> /dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=mail.example.test" \
  -keyout server.key -out server.csr 2> /dev/null
cat > server.ext <<EXT
subjectAltName = DNS:mail.example.test, DNS:localhost, IP:127.0.0.1, IP:::1
extendedKeyUsage = serverAuth
basicConstraints = CA:FALSE
EXT
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
  -extfile server.ext -out server.pem 2> /dev/null
rm -f server.csr server.ext
chmod 600 ca.key server.key
chmod 644 ca.pem server.pem
