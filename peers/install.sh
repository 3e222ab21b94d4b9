#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Usage: install.sh [all|postfix|swaks|dkim|smime]...   (no argument: all)
#
# Installs the mail peers from Debian packages. Packages already installed
# are skipped and apt-get update runs only when something is missing, so a
# second run costs a fraction of a second. No package may start a service:
# the peers run their own instances (postfix-start.sh).
set -euo pipefail
. "$(dirname "$0")/common.sh"
export DEBIAN_FRONTEND=noninteractive

[ $# -gt 0 ] || set -- all
wanted() {
  local g
  for g in "${GROUPS_ASKED[@]}"; do
    if [ "$g" = all ] || [ "$g" = "$1" ]; then return 0; fi
  done
  return 1
}
GROUPS_ASKED=("$@")
for g in "$@"; do
  case $g in
    all|postfix|swaks|dkim|smime) ;;
    *) echo "install.sh: unknown group $g (want all, postfix, swaks, dkim, smime)" >&2; exit 2 ;;
  esac
done

pkgs=()
if wanted postfix; then
  pkgs+=(postfix dovecot-core sasl2-bin libsasl2-modules openssl ca-certificates python3)
fi
if wanted swaks; then
  pkgs+=(swaks libnet-ssleay-perl libio-socket-ssl-perl libauthen-sasl-perl
    libdigest-hmac-perl libauthen-ntlm-perl)
fi
if wanted dkim; then pkgs+=(python3-dkim python3-nacl opendkim opendkim-tools); fi
if wanted smime; then pkgs+=(openssl libnss3-tools); fi

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install.sh: every package present (${GROUPS_ASKED[*]})"
  exit 0
fi

t0=$(stamp)
# policy-rc.d exit 101 tells maintainer scripts not to start services.
own_policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  own_policy=1
fi
cleanup() { if [ -n "$own_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi; }
trap cleanup EXIT
# Postfix's package then writes no main.cf; postfix-start.sh writes its own.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
echo "install.sh: installed ${missing[*]} in $(since "$t0")s"
