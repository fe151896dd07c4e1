#!/bin/bash
# Runs each libFuzzer target for SECONDS, starting from its seeds in tests/fuzz/corpus/<name>/
# (read-only here; what the fuzzer finds goes to FUZZ_BUILD/corpus/<name>/). A target passes
# when it ran its time without a crash, leak, timeout or broken invariant. Crash inputs are
# saved as FUZZ_BUILD/crashes/<name>-crash-*; replay one with `FUZZ_BUILD/<target> FILE`.
# Ends with "N passed, N failed" (one per target), also written to FUZZ_BUILD/fuzz-logs/summary.
#
#   tests/fuzz/run.sh FUZZ_BUILD SECONDS TARGET...
set -uo pipefail
build=$1 seconds=$2; shift 2
seeds_root=$(dirname "$0")/corpus
log_dir="$build/fuzz-logs"
mkdir -p "$log_dir" "$build/crashes"
passed=0 failed=0
: > "$log_dir/failures"  # what failed, for tests/total.sh
for bin in "$@"; do
  target=$(basename "$bin")
  name=${target%_fuzz}
  work="$build/corpus/$name"
  log="$log_dir/$name.log"
  mkdir -p "$work"
  echo "=== fuzz $name for ${seconds}s"
  # -rss_limit_mb and -timeout bound memory and time per input; -max_len covers a whole
  # request or identd line and a config of a few hundred lines.
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
    -print_final_stats=1 -artifact_prefix="$build/crashes/$name-" \
    "$work" "$seeds_root/$name" > "$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -1)
  corpus=$(wc -l < <(find "$work" -type f))
  if ((rc == 0)); then
    echo "=== fuzz $name: ok, ${runs:-?} executions, $corpus inputs in the working corpus"
    passed=$((passed + 1))
  else
    echo "=== fuzz $name: FAILED (status $rc) after ${runs:-?} executions; the end of its log:"
    grep -v '^#[0-9]' "$log" | tail -60
    { echo "fuzz $name: status $rc after ${runs:-?} executions; see $log"
      grep -E '^(==[0-9]+==ERROR|SUMMARY|[^ ]*\.cc:[0-9]+)' "$log" | head -6 | sed 's/^/    /'; } \
      >> "$log_dir/failures"
    failed=$((failed + 1))
  fi
done
echo "$passed passed, $failed failed"
echo "$passed $failed" > "$log_dir/summary"
((failed == 0))
