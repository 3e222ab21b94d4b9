#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Usage: postfix-start.sh          (idempotent; postfix-stop.sh stops it)
#
# Runs a real Postfix on 127.0.0.1 with Dovecot as SASL server, Cyrus SASL
# on one port, and peers/oauth2-stub.py for bearer tokens:
#
#   $PF_SMTP_PORT   2525  SMTP, STARTTLS optional; AUTH offered before TLS
#                         unless PF_TLS_AUTH_ONLY=yes; relay needs AUTH
#   $PF_SUBMIT_PORT 2587  submission: "530 5.7.0 Must issue a STARTTLS
#                         command first", AUTH only after TLS, then required
#   $PF_SMTPS_PORT  2465  implicit TLS, AUTH required
#   $PF_CYRUS_PORT  2526  as 2525 but Cyrus SASL: PLAIN LOGIN CRAM-MD5 NTLM
#                         SCRAM-SHA-1 SCRAM-SHA-256
#
# Dovecot offers PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256 XOAUTH2
# OAUTHBEARER for $TEST_USER / $TEST_PASS (the bare local part works too).
# Nothing leaves the machine: there is no smtp client transport at all and
# every address is delivered by virtual(8) into a Maildir:
# {user,alice,bob,carol,dave}@example.test to
# $MAILPEERS_DIR/mail/example.test/<name>/new/, anything else to
# $MAILPEERS_DIR/mail/catchall/new/. Re-running rewrites the configuration
# and reloads.
set -euo pipefail
. "$(dirname "$0")/common.sh"
t0=$(stamp)
D=$MAILPEERS_DIR
PF=$D/postfix
DV=$D/dovecot
STUB=$MAILPEERS_SRC/oauth2-stub.py
if [ ! -f "$STUB" ]; then
  echo "postfix-start.sh: $STUB is missing; Dovecot needs it to check OAuth tokens" >&2
  exit 1
fi
for tool in postfix dovecot saslpasswd2 openssl; do
  command -v "$tool" > /dev/null || {
    echo "postfix-start.sh: $tool not installed; run: bash peers/install.sh postfix" >&2
    exit 1
  }
done

bash "$MAILPEERS_SRC/mkcerts.sh"
mkdir -p "$PF/etc/sasl" "$PF/spool" "$PF/data" "$D/mail" "$DV/run"
# Postfix delivers as nobody, and smtpd runs as postfix: both need to pass.
chmod 755 "$D" "$PF" "$PF/etc" "$PF/etc/sasl" "$DV"
chown postfix "$PF/data"
chown nobody:nogroup "$D/mail"
install -m 644 "$D/tls/server.pem" "$PF/etc/server.pem"
install -m 640 -g postfix "$D/tls/server.key" "$PF/etc/server.key"

write_dovecot() {
  # Passwords in plain text: CRAM-MD5 and SCRAM need the secret itself.
  {
    printf '%s:{PLAIN}%s\n' "$TEST_USER" "$TEST_PASS"
    printf '%s:{PLAIN}%s\n' "${TEST_USER%@*}" "$TEST_PASS"
  } > "$DV/users"
  chgrp dovecot "$DV/users"
  chmod 640 "$DV/users"
  cat > "$DV/oauth2.conf.ext" <<CONF
introspection_mode = post
introspection_url = http://127.0.0.1:$OAUTH_STUB_PORT/introspect
force_introspection = yes
username_attribute = email
active_attribute = active
active_value = true
CONF
  # Only the auth service runs: no IMAP, POP3 or LMTP listener.
  cat > "$DV/dovecot.conf" <<CONF
instance_name = mailpeers
base_dir = $DV/run
state_dir = $DV/state
log_path = $DV/dovecot.log
protocols = none
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login cram-md5 scram-sha-1 scram-sha-256 xoauth2 oauthbearer
auth_failure_delay = 0
auth_verbose = yes
auth_username_chars =
passdb {
  driver = passwd-file
  mechanisms = plain login cram-md5 scram-sha-1 scram-sha-256
  args = scheme=PLAIN $DV/users
}
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $DV/oauth2.conf.ext
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home=/nonexistent
}
service auth {
  unix_listener auth-postfix {
    mode = 0666
  }
}
# Tests fail logins on purpose: no per-IP penalty that would slow the next.
service anvil {
  chroot =
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service stats {
  chroot =
}
CONF
}

write_cyrus() {
  rm -f "$PF/etc/sasl/sasldb2"
  printf '%s' "$TEST_PASS" |
    saslpasswd2 -p -c -f "$PF/etc/sasl/sasldb2" -u example.test "${TEST_USER%@*}"
  chgrp postfix "$PF/etc/sasl/sasldb2"
  chmod 640 "$PF/etc/sasl/sasldb2"
  cat > "$PF/etc/sasl/smtpd.conf" <<CONF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $PF/etc/sasl/sasldb2
mech_list: PLAIN LOGIN CRAM-MD5 NTLM SCRAM-SHA-1 SCRAM-SHA-256
CONF
}

write_postfix() {
  cat > "$PF/etc/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $PF/spool
data_directory = $PF/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $PF/postfix.log
maillog_file_prefixes = $D
myhostname = mail.example.test
mydomain = example.test
myorigin = example.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.1/32
smtpd_banner = \$myhostname ESMTP Postfix (mailwright peers)
smtp_dns_support_level = disabled
lmtp_dns_support_level = disabled
smtpd_peername_lookup = no
alias_maps =
alias_database =
biff = no
append_dot_mydomain = no
readme_directory = no
message_size_limit = 20480000
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 100
smtpd_hard_error_limit = 200
# Deliver what the client sent: no added headers, no address rewriting.
local_header_rewrite_clients =
virtual_mailbox_domains = example.test
virtual_mailbox_base = $D/mail
virtual_mailbox_maps = texthash:$PF/etc/vmailbox, static:catchall/
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
local_transport = virtual
relay_transport = virtual
default_transport = virtual
enable_original_recipient = yes
# Loopback is not trusted: relaying needs SASL.
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtpd_recipient_restrictions =
smtpd_tls_cert_file = $PF/etc/server.pem
smtpd_tls_key_file = $PF/etc/server.key
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
smtpd_tls_received_header = yes
smtpd_tls_session_cache_database =
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = $DV/run/auth-postfix
smtpd_sasl_security_options = noanonymous
smtpd_sasl_tls_security_options = noanonymous
smtpd_sasl_authenticated_header = yes
smtpd_tls_auth_only = $PF_TLS_AUTH_ONLY
cyrus_sasl_config_path = $PF/etc/sasl
CONF
  : > "$PF/etc/vmailbox"
  local u
  for u in "${TEST_USER%@*}" alice bob carol dave; do
    echo "$u@example.test example.test/$u/" >> "$PF/etc/vmailbox"
  done
  cat > "$PF/etc/master.cf" <<CONF
127.0.0.1:$PF_SMTP_PORT inet n - n - - smtpd
127.0.0.1:$PF_SUBMIT_PORT inet n - n - - smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject
127.0.0.1:$PF_SMTPS_PORT inet n - n - - smtpd
  -o syslog_name=postfix/smtps
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_security_level=encrypt
  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject
127.0.0.1:$PF_CYRUS_PORT inet n - n - - smtpd
  -o syslog_name=postfix/cyrus
  -o smtpd_sasl_type=cyrus
  -o smtpd_sasl_path=smtpd
  -o smtpd_sasl_local_domain=example.test
pickup     unix  n  -  n  60    1  pickup
cleanup    unix  n  -  n  -     0  cleanup
qmgr       unix  n  -  n  300   1  qmgr
tlsmgr     unix  -  -  n  1000? 1  tlsmgr
rewrite    unix  -  -  n  -     -  trivial-rewrite
bounce     unix  -  -  n  -     0  bounce
defer      unix  -  -  n  -     0  bounce
trace      unix  -  -  n  -     0  bounce
verify     unix  -  -  n  -     1  verify
flush      unix  n  -  n  1000? 0  flush
proxymap   unix  -  -  n  -     -  proxymap
proxywrite unix  -  -  n  -     1  proxymap
showq      unix  n  -  n  -     -  showq
error      unix  -  -  n  -     -  error
retry      unix  -  -  n  -     -  error
discard    unix  -  -  n  -     -  discard
virtual    unix  -  n  n  -     -  virtual
anvil      unix  -  -  n  -     1  anvil
scache     unix  -  -  n  -     1  scache
postlog    unix-dgram n - n -   1  postlogd
CONF
}

write_dovecot
write_cyrus
write_postfix

# Daemons get /dev/null and a log file as their streams, so that a caller
# reading this script's output through a pipe is not held open by them.
run_logged() {
  if ! "$@" < /dev/null >> "$D/start.log" 2>&1; then
    tail -n 20 "$D/start.log" >&2
    return 1
  fi
}
if ! alive "$DV/oauth2-stub.pid" python3; then
  setsid "$PY3" "$STUB" "$OAUTH_STUB_PORT" < /dev/null >> "$DV/oauth2-stub.log" 2>&1 &
  echo $! > "$DV/oauth2-stub.pid"
fi
if alive "$DV/run/master.pid" dovecot; then
  run_logged dovecot -c "$DV/dovecot.conf" reload
else
  # Stale sockets from a killed run (anvil-auth-penalty) cost seconds per login.
  rm -rf "$DV/run"
  mkdir "$DV/run"
  run_logged dovecot -c "$DV/dovecot.conf"
fi
for _ in $(seq 200); do
  [ -S "$DV/run/auth-postfix" ] && break
  sleep 0.05
done
if [ ! -S "$DV/run/auth-postfix" ]; then
  echo "postfix-start.sh: no Dovecot auth socket; see $DV/dovecot.log" >&2
  exit 1
fi
run_logged postfix -c "$PF/etc" check
if postfix -c "$PF/etc" status > /dev/null 2>&1; then
  run_logged postfix -c "$PF/etc" reload
else
  run_logged postfix -c "$PF/etc" start
fi
for port in "$PF_SMTP_PORT" "$PF_SUBMIT_PORT" "$PF_SMTPS_PORT" "$PF_CYRUS_PORT" "$OAUTH_STUB_PORT"; do
  wait_port "$port" 20
done
echo "postfix-start.sh: up in $(since "$t0")s on 127.0.0.1 ports" \
  "$PF_SMTP_PORT/$PF_SUBMIT_PORT/$PF_SMTPS_PORT/$PF_CYRUS_PORT, oauth2-stub $OAUTH_STUB_PORT;" \
  "CA $D/tls/ca.pem; mail in $D/mail"
