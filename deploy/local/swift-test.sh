#!/usr/bin/env bash
# Runs `swift test --skip-build` with the arguments given, keeps its whole output in a log under .build/, and
# when the run fails repeats what failed at the end: a long run's failures are otherwise far above the last
# lines a CI log shows.
#
# What it shows as the run goes is Swift Testing's own lines (each test's start and end, each issue): the
# servers' and the database's log lines, a megabyte a run, stay in the log. KINERJA_TEST_OUTPUT=all shows them
# as well.
#
# A run that hangs is stopped rather than left to a CI's own time limit, which kills it without a word: past
# KINERJA_TEST_LIMIT seconds in all (default 2400; the whole suite takes 10-20 minutes), or KINERJA_TEST_QUIET
# seconds without a line of output (default 600; no test is silent for more than a minute or two), the script
# saves the test process's threads (gdb, when installed) and the database's sessions, stops the run, and names
# the tests that had started and not ended, as the last lines it prints.
#   deploy/local/swift-test.sh LOGNAME [swift test arguments...]
set -uo pipefail
cd "$(dirname "$0")/../.."
name=$1; shift
output=${KINERJA_TEST_OUTPUT:-tests}
[[ "$output" =~ ^(tests|all)$ ]] || { echo "KINERJA_TEST_OUTPUT is 'tests' (the default) or 'all': '$output' is neither" >&2; exit 2; }
limit=${KINERJA_TEST_LIMIT:-2400}
quiet=${KINERJA_TEST_QUIET:-600}
for v in "$limit" "$quiet"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "KINERJA_TEST_LIMIT and KINERJA_TEST_QUIET are whole seconds: '$v' is not" >&2; exit 2; }
done
mkdir -p .build
log=.build/$name.log
echo "swift test --skip-build $*  (the whole output: $log; stopped past ${limit} s, or ${quiet} s without output)"
: > "$log"
# Line-buffered (stdbuf, passed on to the test process), so that the log is up to date when a run hangs.
stdbuf -oL -eL swift test --skip-build "$@" > "$log" 2>&1 &
run=$!

# The run's processes: swift test, the test process (SwiftPM starts it in a process group of its own) and what
# the tests started (servers, each in a group of its own, and their helpers).
descendants() {
  local p
  for p in $(ps -o pid= --ppid "$1"); do echo "$p"; descendants "$p"; done
}
stop_run() {
  local all p
  all="$run $(descendants "$run")"
  for p in $all; do kill -TERM -- "-$p" 2>/dev/null; kill -TERM "$p" 2>/dev/null; done
  sleep 5
  for p in $all; do kill -KILL -- "-$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null; done
}
# Swift Testing's lines start with its symbols (◇ started, ✔ passed, ✘ failed, ➜ skipped, ↳ details), and an
# issue's expression and values follow on lines of their own, indented.
if [ "$output" = all ]; then
  tail -n +1 -f --pid="$run" "$log" &
else
  tail -n +1 -f --pid="$run" "$log" | grep --line-buffered -v -E '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' &
fi
shown=$!

# The tests that started and have not ended, from Swift Testing's lines (a parameterised test's cases aside; its
# end says "with N test cases"). Symbols as alternatives, not in brackets: Debian's awk (mawk) reads a bracket
# expression byte by byte, and each symbol is three bytes of UTF-8.
unfinished() {
  awk '
    /^◇ Test .* started\.$/ && !/^◇ Test (case |run started)/ { n = $0; sub(/^◇ Test /, "", n); sub(/ started\.$/, "", n); open[n]++ }
    /^(✔|✘) Test .* (passed|failed) after / { n = $0; sub(/^(✔|✘) Test /, "", n); sub(/( with [0-9]+ test cases?)? (passed|failed) after .*/, "", n); open[n]-- }
    END { for (n in open) if (open[n] > 0) print "  " n }' "$log" | sort
}

# Interrupted (^C, or a CI stopping the build), the run stops too, and says what was running.
trap 'stop_run; wait "$shown" 2>/dev/null; echo "the run was interrupted; the tests that had started and not ended:"; unfinished; exit 130' INT
trap 'stop_run; wait "$shown" 2>/dev/null; echo "the run was stopped (SIGTERM); the tests that had started and not ended:"; unfinished; exit 143' TERM

hung=""
started=$SECONDS
while kill -0 "$run" 2>/dev/null; do
  sleep 5
  now=$(date +%s); last=$(stat -c %Y "$log")
  if (( SECONDS - started > limit )); then hung="it ran for more than $limit s"
  elif (( now - last > quiet )); then hung="it printed nothing for more than $quiet s"
  fi
  # One that ended meanwhile is not a hang: its own status stands.
  if [ -n "$hung" ] && ! kill -0 "$run" 2>/dev/null; then hung=""; fi
  [ -n "$hung" ] && break
done

if [ -n "$hung" ]; then
  tests=$(for p in $(descendants "$run"); do ps -o pid=,args= -p "$p"; done | awk '$2 ~ /PackageTests\.xctest$/ { print $1; exit }')
  threads=.build/$name-threads.txt sessions=.build/$name-sessions.txt
  if [ -n "$tests" ] && command -v gdb >/dev/null 2>&1; then
    timeout 120 gdb -p "$tests" -batch -ex 'thread apply all bt 30' 2>&1 | grep -v -E '^(During symbol reading|warning:)' > "$threads"
  else
    echo "no test process or no gdb: no threads saved" > "$threads"
  fi
  timeout 30 deploy/local/pg.sh psql -c "select pid, usename, application_name, state, wait_event_type, wait_event,
      now() - xact_start as in_transaction, now() - state_change as in_state, left(query, 160) as query
    from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid() order by xact_start nulls last" \
    > "$sessions" 2>&1 || true
  stop_run
  wait "$shown" 2>/dev/null
  wait "$run" 2>/dev/null
  echo
  echo "== the run was stopped: $hung (the whole output: $log) =="
  echo "the test process's threads: $threads; the database's sessions then: $sessions"
  head -n 40 "$sessions"
  echo "the tests that had started and not ended:"
  unfinished
  exit 124
fi

wait "$run"
status=$?
wait "$shown" 2>/dev/null
if [ "$status" -ne 0 ]; then
  echo
  echo "== what failed in this run (swift test exited $status; the whole output: $log) =="
  # Swift Testing marks a failed test or suite with ✘ and each issue with "recorded an issue"; the lines after
  # an issue carry its expression and values.
  grep -n -A4 -E 'recorded an issue|✘|Fatal error|error: Exited with' "$log" | grep -v -E '^\S*-[0-9]{4}-[0-9]{2}-[0-9]{2}T' | head -n 120
  grep -q -E '✘|recorded an issue' "$log" || echo "no failed test is named: the run ended before its summary (a crash or a signal); see the end of $log"
fi
exit "$status"
