#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Usage: ./test.sh
#
# Runs every check of every module: gofmt, go vet and the tests with the race
# detector in the workspace (go.work), then each module alone (GOWORK=off:
# build, vet, test) and a `go mod tidy` check. Exits non-zero if anything
# fails, after running everything.
#
# Environment: MAILPEERS=1 makes the real-server tier mandatory (CI sets it;
# see peers/README.md). Without it, tests that need the peers skip when they
# are not running.
set -uo pipefail
cd "$(dirname "$0")"
export PATH="/usr/local/go/bin:$PATH"
mods=$(find . -name go.mod -not -path './.git/*' -printf '%h\n' | sed 's#^\./##' | sort)
failed=()
fail() { failed+=("$1"); echo "FAIL: $1"; }

bad=$(gofmt -l $mods)
if [ -n "$bad" ]; then
  echo "gofmt -l:"
  echo "$bad"
  fail gofmt
fi

for m in $mods; do
  echo "== $m"
  (cd "$m" && go vet ./...) || fail "$m: go vet"
  (cd "$m" && go test -race -shuffle=on -count=1 ./...) || fail "$m: go test -race"
  (cd "$m" && GOWORK=off go build ./... && GOWORK=off go vet ./... && GOWORK=off go test ./...) ||
    fail "$m: GOWORK=off"
  (cd "$m" && GOWORK=off go mod tidy -diff > /dev/null 2>&1) || {
    (cd "$m" && GOWORK=off go mod tidy -diff) || true
    fail "$m: go mod tidy changes go.mod/go.sum"
  }
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "test.sh: FAILED: ${failed[*]}"
  exit 1
fi
echo "test.sh: all $(echo "$mods" | wc -w) modules passed"
