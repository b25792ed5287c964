#!/usr/bin/env bash
# Runs `swift test --skip-build` with the arguments given, keeps its whole output in a log under .build/, and
# when the run fails repeats what failed at the end: a long run's failures are otherwise far above the last
# lines a CI log shows.
#   deploy/local/swift-test.sh LOGNAME [swift test arguments...]
set -uo pipefail
cd "$(dirname "$0")/../.."
name=$1; shift
mkdir -p .build
log=.build/$name.log
echo "swift test --skip-build $*  (the whole output: $log)"
swift test --skip-build "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
  echo
  echo "== what failed in this run (swift test exited $status; the whole output: $log) =="
  # Swift Testing marks a failed test or suite with ✘ and each issue with "recorded an issue"; the lines after
  # an issue carry its expression and values.
  grep -n -A4 -E 'recorded an issue|✘|Fatal error|error: Exited with' "$log" | grep -v -E '^\S*-[0-9]{4}-[0-9]{2}-[0-9]{2}T' | head -n 120
  grep -q -E '✘|recorded an issue' "$log" || echo "no failed test is named: the run ended before its summary (a crash or a signal); see the end of $log"
fi
exit "$status"
