#!/bin/bash
# Runs every test binary given, shows their output, and ends with one summary line:
#   N passed, N failed, N skipped
# A binary that crashes or exits non-zero without reporting a failed test counts as one failure.
# Under CI (CI=true) a skipped test also counts as a failure: nothing may hide there (the
# firewall suite needs root, which CI has).
# A shell script (*.sh, run with BUILD as its argument) counts as one test: passed if it exits 0.
# The line is also written, as "PASSED FAILED SKIPPED", to BUILD/test-logs/summary (for
# tests/total.sh).
#
# SANITIZER=asan|tsan: the binaries (and the sockd they start) are sanitizer builds. Each
# sanitizer report counts as one failure and is printed:
# - reports go to files under BUILD/test-logs/sanitizer/ (log_path), from the test binary or
#   any child it started, so a report from a sockd whose stderr a test captured is not lost;
# - gcc's UBSan writes its "runtime error" lines to stderr whatever log_path says, so each
#   sockd's stderr is kept in BUILD/test-logs/sockd/ (SOCKD_LOG_DIR, see
#   tests/support/sockd_process.h) and searched too.
set -uo pipefail
build=$1; shift
log_dir="$build/test-logs"
mkdir -p "$log_dir"
passed=0 failed=0 skipped=0
# What failed, briefly, for tests/total.sh to repeat at the very end of `make test`, where a
# CI log cut to its last lines still shows it.
failures="$log_dir/failures"
: > "$failures"

san_dir="$log_dir/sanitizer"
sockd_logs="$log_dir/sockd"
if [[ -n "${SANITIZER:-}" ]]; then
  rm -rf "$san_dir" "$sockd_logs" && mkdir -p "$san_dir" "$sockd_logs"
  export SOCKD_LOG_DIR=$(realpath "$sockd_logs")
fi
case "${SANITIZER:-}" in
  "") ;;
  asan)
    export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:abort_on_error=0:print_summary=1:log_exe_name=1:log_path=$(realpath "$san_dir")/asan"
    export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:print_summary=1:log_exe_name=1:log_path=$(realpath "$san_dir")/ubsan"
    export LSAN_OPTIONS="print_suppressions=0"
    echo "=== ASan+UBSan run. The preload library (socksify) in this tree is the normal,"
    echo "=== uninstrumented build: a sanitizer runtime cannot be injected into uninstrumented"
    echo "=== programs (curl, python3, ...). Its tests still run, against the sanitized sockd."
    ;;
  tsan)
    export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:print_summary=1:log_exe_name=1:log_path=$(realpath "$san_dir")/tsan"
    echo "=== TSan run of the tests that start sockd (several threads each); the preload library"
    echo "=== (socksify) in this tree is the normal, uninstrumented build."
    ;;
  *) echo "run.sh: unknown SANITIZER '$SANITIZER'" >&2; exit 2 ;;
esac

sanitizer_pattern='runtime error:|ERROR: (Address|Leak|Thread)Sanitizer|WARNING: ThreadSanitizer'

# Prints and counts the sanitizer reports written since the last call.
check_sanitizer_reports() {
  [[ -n "${SANITIZER:-}" ]] || return 0
  local report
  for report in "$san_dir"/* "$sockd_logs"/*; do
    [[ -f "$report" && "$report" != *.seen ]] || continue
    if [[ "$report" == "$san_dir"/* ]] || grep -qE "$sanitizer_pattern" "$report"; then
      echo "=== sanitizer report in $(basename "$report") (during $1):"
      echo "sanitizer report in $(basename "$report") (during $1)" >> "$failures"
      if [[ "$report" == "$san_dir"/* ]]; then head -200 "$report"
      else grep -E -B5 -A60 "$sanitizer_pattern" "$report" | head -200; fi
      # A UBSan summary file of a sockd whose stderr holds the report is the same report.
      [[ "$report" == "$san_dir"/ubsan.* && -f "$sockd_logs/sockd-${report##*.}.stderr" ]] ||
        failed=$((failed + 1))
    fi
    mv "$report" "$report.seen"
  done
}

for bin in "$@"; do
  name=$(basename "$bin")
  log="$log_dir/$name.log"
  echo "=== $name"
  if [[ "$bin" == *.sh ]]; then
    "$bin" "$build" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    if ((rc == 0)); then passed=$((passed + 1)); else
      echo "=== $name exited with status $rc"
      { echo "$name: exited with status $rc; its last lines:"; tail -8 "$log" | sed 's/^/    /'; } >> "$failures"
      failed=$((failed + 1))
    fi
    continue
  fi
  "$bin" --gtest_color=no 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) tests\?\..*/\1/p' "$log" | tail -1)
  f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) tests\?, listed below.*/\1/p' "$log" | tail -1)
  s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) tests\?, listed below.*/\1/p' "$log" | tail -1)
  p=${p:-0} f=${f:-0} s=${s:-0}
  if ((s > 0)) && [[ "${CI:-}" == true ]]; then
    echo "=== $name: $s test(s) skipped under CI, counted as failed"
    sed -n 's/^\[  SKIPPED \] \([^ ]*\)$/\1/p' "$log" |
      sed "s/^/$name: skipped under CI (a failure there): /" >> "$failures"
    f=$((f + s))
  fi
  if ((f > 0)); then
    # Each failed test with its assertion messages (or, lacking those, its last lines).
    awk -v bin="$name" '
      /^\[ RUN      \] / { test = $4; n = 0; next }
      /^\[  FAILED  \] / && test != "" {
        name = $4; sub(/,$/, "", name)
        if (name == test) {
          printf "%s: %s\n", bin, test
          shown = 0
          for (i = 0; i < n && shown < 24; i++)
            if (line[i] ~ /(: Failure|Failed)$/)
              for (j = i; j < n && j < i + 8 && shown < 24; j++) { printf "    %s\n", line[j]; shown++; i = j }
          if (shown == 0)
            for (i = (n > 12 ? n - 12 : 0); i < n; i++) printf "    %s\n", line[i]
          test = ""; next
        }
      }
      test != "" { line[n++] = substr($0, 1, 200) }' "$log" >> "$failures"
  fi
  if ((rc != 0 && f == 0)); then
    echo "=== $name exited with status $rc"
    { echo "$name: exited with status $rc; its last lines:"; tail -8 "$log" | sed 's/^/    /'; } >> "$failures"
    f=1
  fi
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
  check_sanitizer_reports "$name"
done
echo "$passed passed, $failed failed, $skipped skipped"
echo "$passed $failed $skipped" > "$log_dir/summary"
((failed == 0))
