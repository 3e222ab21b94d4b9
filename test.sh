#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Usage: ./test.sh
#
# Runs every check of every module: gofmt, go vet and the tests with the race
# detector across the workspace (go.work), then each module alone
# (GOWORK=off: build, vet, test) and a `go mod tidy` check. Everything runs
# even after a failure; the exit status is non-zero if anything failed.
#
# Environment: MAILPEERS=1 makes the real-server tier mandatory (CI sets it;
# see peers/README.md). Without it, tests that need the peers skip when they
# are not running.
set -uo pipefail
cd "$(dirname "$0")"
export PATH="/usr/local/go/bin:$PATH"
mods=$(find . -name go.mod -not -path './.git/*' -printf '%h\n' | sed 's#^\./##' | sort)
pkgs=$(for m in $mods; do echo "./$m/..."; done)
failed=()
fail() { failed+=("$1"); echo "FAIL: $1"; }

echo "== gofmt -l"
bad=$(gofmt -l $mods)
if [ -n "$bad" ]; then
  echo "$bad"
  fail gofmt
fi

# One go command for the whole workspace lets packages of different modules
# build and test in parallel.
echo "== go vet (workspace)"
go vet $pkgs || fail "go vet"
echo "== go test -race -shuffle=on (workspace)"
go test -race -shuffle=on -count=1 $pkgs || fail "go test -race"

for m in $mods; do
  echo "== $m alone (GOWORK=off)"
  (cd "$m" && GOWORK=off go build ./... && GOWORK=off go vet ./... && GOWORK=off go test ./...) ||
    fail "$m: GOWORK=off"
  if ! (cd "$m" && GOWORK=off go mod tidy -diff > /dev/null 2>&1); then
    (cd "$m" && GOWORK=off go mod tidy -diff)
    fail "$m: go mod tidy would change go.mod/go.sum"
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "test.sh: FAILED:"
  printf '  %s\n' "${failed[@]}"
  exit 1
fi
echo "test.sh: all $(echo "$mods" | wc -w) modules passed"
