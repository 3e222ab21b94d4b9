#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Usage: .ci/fuzz.sh [FUZZTIME]
#
# Runs every fuzz target of every module (each func FuzzXxx in a _test.go
# file) for a short fixed time on top of its seed corpus, one after the
# other, so that a regression shows in CI. FUZZTIME defaults to 20s; fuzz
# longer with e.g. `.ci/fuzz.sh 10m`, or one target with
#   cd <module> && go test -run '^$' -fuzz '^FuzzName$' -fuzztime 1h ./<pkg>
# A failing input is written to <pkg>/testdata/fuzz/FuzzName/ and then
# replays as a regular test case: commit it with the fix.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
fuzztime=${1:-${FUZZTIME:-20s}}
failed=()
n=0
while IFS= read -r file; do
  dir=$(dirname "$file")
  mod=$dir
  until [ -f "$mod/go.mod" ]; do mod=$(dirname "$mod"); done
  pkg=./${dir#"$mod"}; pkg=${pkg%/}; [ "$pkg" = . ] || pkg=./${dir#"$mod"/}
  for target in $(grep -oE '^func (Fuzz[A-Za-z0-9_]+)\(' "$file" | sed -E 's/^func (Fuzz[A-Za-z0-9_]+)\(/\1/'); do
    n=$((n + 1))
    echo "== fuzz $mod $pkg $target ($fuzztime)"
    log=$(cd "$mod" && go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" \
          -fuzzminimizetime 5s "$pkg" 2>&1)
    rc=$?
    echo "$log" | tail -n 20
    if [ $rc != 0 ]; then
      if ! grep -q 'Failing input written' <<<"$log" && grep -q 'context deadline exceeded' <<<"$log"; then
        # The fuzzing engine ran out of its time budget while its workers
        # were still starting (a loaded machine), without finding an input:
        # no finding, so a warning rather than a failure.
        echo "fuzz: WARNING: $mod $pkg $target: the engine hit its deadline without a failing input"
      else
        failed+=("$mod $pkg $target")
      fi
    fi
  done
done < <(grep -rlE '^func Fuzz[A-Za-z0-9_]+\(' --include='*_test.go' . | grep -v '/testdata/' | sort)
if [ ${#failed[@]} -gt 0 ]; then
  printf 'fuzz: FAILED: %s\n' "${failed[@]}"
  exit 1
fi
echo "fuzz: $n targets ran for $fuzztime each, no failure"
