# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# Sourced by every peer script: settings (each may be overridden from the
# environment) and small helpers. All state goes below $MAILPEERS_DIR; no
# script writes next to itself. Every server listens on 127.0.0.1 only.
#
#   . "$(dirname "$0")/common.sh"

: "${MAILPEERS_DIR:=/tmp/mailpeers}"
: "${PF_SMTP_PORT:=2525}"      # Postfix SMTP: STARTTLS optional, Dovecot AUTH
: "${PF_SUBMIT_PORT:=2587}"    # Postfix submission: STARTTLS, then AUTH, required
: "${PF_SMTPS_PORT:=2465}"     # Postfix submissions: implicit TLS, AUTH required
: "${PF_CYRUS_PORT:=2526}"     # Postfix SMTP with Cyrus SASL (adds NTLM)
: "${PF_TLS_AUTH_ONLY:=no}"    # yes: AUTH only after STARTTLS on 2525/2526 too
: "${OAUTH_STUB_PORT:=2580}"   # peers/oauth2-stub.py (Dovecot asks it about tokens)
: "${TEST_USER:=user@example.test}"
: "${TEST_PASS:=secret}"
: "${TEST_TOKEN:=test-oauth-token}"
MAILPEERS_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export MAILPEERS_DIR PF_SMTP_PORT PF_SUBMIT_PORT PF_SMTPS_PORT PF_CYRUS_PORT \
  PF_TLS_AUTH_ONLY OAUTH_STUB_PORT TEST_USER TEST_PASS TEST_TOKEN MAILPEERS_SRC

# Debian's interpreter: python3-dkim is installed for it, not for a pyenv
# python3 that may come first in PATH.
PY3=/usr/bin/python3
export PY3

# stamp: seconds since the epoch with fractions, for timings.
stamp() { date +%s.%N; }

# since T: seconds elapsed since stamp T, two decimals.
since() { awk -v t0="$1" -v t1="$(stamp)" 'BEGIN { printf "%.2f", t1 - t0 }'; }

# port_up PORT: true when something accepts connections on 127.0.0.1:PORT.
port_up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_port PORT [SECONDS]: wait (default 30 s) for 127.0.0.1:PORT to accept.
wait_port() {
  local deadline=$((SECONDS + ${2:-30}))
  until port_up "$1"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "peers: nothing listens on 127.0.0.1:$1 after ${2:-30}s" >&2
      return 1
    fi
    sleep 0.05
  done
}

# pidfile_pid FILE: the number in FILE, or nothing.
pidfile_pid() { [ -s "$1" ] && tr -cd '0-9' < "$1" 2>/dev/null || true; }

# alive FILE NAME: FILE names a live process (not a zombie) whose command
# name is NAME. Checking the name keeps a recycled pid from being signalled.
alive() {
  local pid state
  pid=$(pidfile_pid "$1")
  [ -n "$pid" ] || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] || return 1
  state=$(awk '{ sub(/^.*\) /, ""); print substr($0, 1, 1) }' "/proc/$pid/stat" 2>/dev/null)
  [ -n "$state" ] && [ "$state" != Z ]
}

# stop_pidfile FILE NAME: send SIGTERM to the process in FILE if it is still
# NAME, wait up to 10 s for it to exit, then remove FILE.
stop_pidfile() {
  local i
  if alive "$1" "$2"; then
    kill "$(pidfile_pid "$1")" 2>/dev/null || true
  fi
  for i in $(seq 100); do
    if ! alive "$1" "$2"; then
      rm -f "$1"
      return 0
    fi
    sleep 0.1
  done
  echo "peers: $2 (pid $(pidfile_pid "$1")) did not stop" >&2
  return 1
}
