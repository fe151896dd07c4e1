#!/bin/bash
# Adds up the parts of `make test`. Arguments: pairs of a part's name and its summary file
# ("PASSED FAILED SKIPPED" from tests/run.sh, "PASSED FAILED" from tests/fuzz/run.sh). Under CI
# tests/run.sh already counts a skipped test as failed too. A part whose summary is
# missing did not run to the end (its build failed, say) and counts as one failure.
# Each part's "failures" file, beside its summary, names what failed with its last lines; they
# are printed just before the total so that the tail of a CI log says which test failed.
# Ends with one line, "N passed, N failed, N skipped", and fails if anything failed.
set -uo pipefail
passed=0 failed=0 skipped=0
echo "=== make test, by part:"
while (($# >= 2)); do
  part=$1 file=$2; shift 2
  if [[ -r "$file" ]] && read -r p f s < "$file" && [[ "$p" =~ ^[0-9]+$ && "$f" =~ ^[0-9]+$ &&
        "${s:=0}" =~ ^[0-9]+$ ]]; then
    echo "===   $part: $p passed, $f failed, $s skipped"
  else
    echo "===   $part: did not complete (no summary in $file), counted as 1 failure"
    p=0 f=1 s=0
  fi
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
  failure_notes="$(dirname "$file")/failures"
  if ((f > 0)) && [[ -s "$failure_notes" ]]; then
    head -60 "$failure_notes" | sed 's/^/===     /'
  fi
done
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0))
