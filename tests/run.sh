#!/bin/bash
# Runs every test binary given, shows their output, and ends with one summary line:
#   N passed, N failed
# A binary that crashes or exits non-zero without reporting a failed test counts as one failure.
set -uo pipefail
build=$1; shift
log_dir="$build/test-logs"
mkdir -p "$log_dir"
passed=0 failed=0
for bin in "$@"; do
  name=$(basename "$bin")
  log="$log_dir/$name.log"
  echo "=== $name"
  "$bin" --gtest_color=no 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) tests\?\..*/\1/p' "$log" | tail -1)
  f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) tests\?, listed below.*/\1/p' "$log" | tail -1)
  p=${p:-0} f=${f:-0}
  if ((rc != 0 && f == 0)); then
    echo "=== $name exited with status $rc"
    f=1
  fi
  passed=$((passed + p)) failed=$((failed + f))
done
echo "$passed passed, $failed failed"
((failed == 0))
