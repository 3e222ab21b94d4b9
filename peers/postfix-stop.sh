#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Usage: postfix-stop.sh
#
# Stops what postfix-start.sh started, each by its pid file and only while
# the process still has the expected name: the Postfix master, the Dovecot
# master and the OAuth2 stub. Running it twice is harmless.
set -euo pipefail
. "$(dirname "$0")/common.sh"
D=$MAILPEERS_DIR
PF=$D/postfix
DV=$D/dovecot
if [ -f "$PF/etc/main.cf" ] && postfix -c "$PF/etc" status > /dev/null 2>&1; then
  postfix -c "$PF/etc" stop > /dev/null 2>&1 || true
fi
rc=0
stop_pidfile "$PF/spool/pid/master.pid" master || rc=1
stop_pidfile "$DV/run/master.pid" dovecot || rc=1
stop_pidfile "$DV/oauth2-stub.pid" python3 || rc=1
echo "postfix-stop.sh: postfix, dovecot and oauth2-stub stopped"
exit $rc
