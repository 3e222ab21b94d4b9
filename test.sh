#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every test of every module: vet, gofmt, tests with the race detector,
# once in the workspace and once per module alone (GOWORK=off).
# Environment: MAILPEERS=1 makes the real-server tier mandatory (CI sets it).
set -euo pipefail
cd "$(dirname "$0")"
export PATH="/usr/local/go/bin:$PATH"
mods=$(find . -name go.mod -not -path './.git/*' -printf '%h\n' | sed 's#^\./##' | sort)
fail=0
bad=$(gofmt -l $mods)
if [ -n "$bad" ]; then echo "gofmt: needs formatting:"; echo "$bad"; fail=1; fi
for m in $mods; do
  echo "== $m"
  (cd "$m" && go vet ./... && go test -race -shuffle=on -count=1 ./...) || fail=1
  (cd "$m" && GOWORK=off go build ./... && GOWORK=off go vet ./...) || { echo "$m: fails with GOWORK=off"; fail=1; }
done
[ "$fail" = 0 ] && echo "test.sh: all modules passed" || { echo "test.sh: FAILED"; exit 1; }
