#!/bin/bash
# tests/run.sh and tests/total.sh count skipped tests, and under CI=true a skipped test is a
# failure. Runs them on stand-in test binaries (scripts printing GoogleTest's summary) in a
# temporary directory. Usage: tests/runner_test.sh [BUILD] (BUILD is not used).
# tests/run.sh counts it as one test.
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/socks4-runner-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "runner_test: FAIL: $*"; failures=$((failures + 1)); }

# One test passes and one skips, as GoogleTest reports it (exit status 0).
cat > "$work/skipping_tests" <<'EOF'
#!/bin/sh
cat <<'OUT'
[==========] Running 2 tests from 1 test suite.
[ RUN      ] Bed.Passes
[       OK ] Bed.Passes (0 ms)
[ RUN      ] Bed.NeedsRoot
tests/e2e/x.cc:1: Skipped
network namespaces need root
[  SKIPPED ] Bed.NeedsRoot (0 ms)
[==========] 2 tests from 1 test suite ran. (0 ms total)
[  PASSED  ] 1 test.
[  SKIPPED ] 1 test, listed below:
[  SKIPPED ] Bed.NeedsRoot
OUT
EOF
chmod +x "$work/skipping_tests"

expect_last_line() {  # expect_last_line WHAT EXPECTED_LINE EXPECTED_STATUS COMMAND...
  local what=$1 want=$2 want_rc=$3; shift 3
  local out rc
  out=$("$@" 2>&1); rc=$?
  [[ "$(tail -1 <<< "$out")" == "$want" ]] ||
    fail "$what: last line '$(tail -1 <<< "$out")', expected '$want'"
  ((rc == want_rc)) || fail "$what: exit status $rc, expected $want_rc"
}

expect_last_line "run.sh outside CI" "1 passed, 0 failed, 1 skipped" 0 \
  env -u CI "$src/tests/run.sh" "$work/plain" "$work/skipping_tests"
expect_last_line "run.sh under CI" "1 passed, 1 failed, 1 skipped" 1 \
  env CI=true "$src/tests/run.sh" "$work/ci" "$work/skipping_tests"
grep -q 'Bed.NeedsRoot' "$work/ci/test-logs/failures" 2>/dev/null ||
  fail "run.sh under CI: the skipped test is not named in test-logs/failures"

# total.sh adds up the skipped counts; a summary without one (tests/fuzz/run.sh) counts none.
echo "3 0" > "$work/fuzz-summary"
expect_last_line "total.sh" "4 passed, 0 failed, 1 skipped" 0 \
  "$src/tests/total.sh" "suite" "$work/plain/test-logs/summary" "fuzz" "$work/fuzz-summary"
expect_last_line "total.sh under CI" "4 passed, 1 failed, 1 skipped" 1 \
  "$src/tests/total.sh" "suite" "$work/ci/test-logs/summary" "fuzz" "$work/fuzz-summary"

((failures == 0)) && echo "runner_test: OK" || echo "runner_test: $failures failure(s)"
((failures == 0))
