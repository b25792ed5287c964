#!/usr/bin/env bash
# Attendance read-back: a payroll or attendance integrator reads a month of a city's events back through
# GET /v1/attendance/events, every page of 1,000 with its cursor, against one raw COPY of the same rows in the
# same order (the baseline, in the same run). The month holds one event a day for every employee: 30 x EMPLOYEES
# events. Reports the total, the slowest page, and the ratio. curl, the server and PostgreSQL share this
# machine's cores: the figures are for that.
# Usage: [EMPLOYEES=5000] [PORT=18083] Benchmarks/attendance.sh (release build if there is one; make db-start first)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${EMPLOYEES:-5000}"
PORT="${PORT:-18083}"
# shellcheck source=Benchmarks/common.sh
. Benchmarks/common.sh
SERVER="${BIN%kinerja-admin}kinerja-server"

code="bench-att-$(date +%s)"
echo "preparing $code: $N employees, 30 days of events each (not timed)"
"$BIN" demo siasn-csv --employees "$N" --city benchatt --seed 7 > "$dir/siasn.csv"
"$BIN" tenant onboard --code "$code" --name "Kota Absen" --adapter nasional >/dev/null 2>&1
"$BIN" import employees "$dir/siasn.csv" --tenant "$code" --format json > /dev/null 2>&1
tenant=$("${PSQL[@]}" -Atc "select tenant_id from tenants where code = '$code'")
"${PSQL[@]}" -c "insert into attendance_events (tenant_id, nip, day, kind, minutes, imported_by)
                 select e.tenant_id, e.nip, d::date, 'terlambat', 1 + (abs(hashtext(e.nip || d::text)) % 120), 'bench'
                 from employees e, generate_series('2026-11-01'::date, '2026-11-30'::date, '1 day') d
                 where e.tenant_id = '$tenant'" -c "analyze attendance_events"
reader=$("$BIN" apikey create --tenant "$code" --role integrator --label attendance --scope attendance 2>/dev/null)
"$SERVER" --http-port "$PORT" --log-level warning --rate-limit-per-second 0 >"$dir/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1 && break; sleep 0.1; done

# Baseline: the month's rows in the page order, in one statement.
t0=$(now)
"${PSQL[@]}" -c "\\copy (select nip, day, kind, minutes, excused, imported_by, imported_at from attendance_events
                 where tenant_id = '$tenant' and day between '2026-11-01' and '2026-11-30' order by day, nip, kind) to '/dev/null'"
t1=$(now); raw=$(secs "$t0" "$t1")

# Through the API, page by page: the pages' own times (curl's), summed.
cursor="" pages=0 events=0 slowest=0 api=0
while :; do
  took=$(curl -fs -w '%{time_total}' -H "Authorization: Bearer $reader" -o "$dir/page.json" \
    "http://127.0.0.1:$PORT/v1/attendance/events?from=2026-11-01&until=2026-11-30&limit=1000${cursor:+&cursor=$cursor}")
  api=$(awk -v a="$api" -v d="$took" 'BEGIN { printf "%.3f", a + d }')
  slowest=$(awk -v s="$slowest" -v d="$took" 'BEGIN { print (d > s ? d : s) }')
  read -r n next < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["items"]), d.get("nextCursor") or "")' "$dir/page.json")
  pages=$((pages + 1)); events=$((events + n))
  [ -n "$next" ] || break
  cursor="$next"
done
expected=$((N * 30))
[ "$events" -eq "$expected" ] || { echo "read $events events, expected $expected" >&2; exit 1; }
echo
echo "Attendance read-back ($build build), $events events of one month in a city of $N (curl, kinerja-server and PostgreSQL share the cores)"
printf '  raw COPY of the rows in page order       %s s\n' "$raw"
printf '  GET /v1/attendance/events, %d pages of 1,000  %s s (%sx the COPY), slowest page %.1f ms\n' \
  "$pages" "$api" "$(ratio "$api" "$raw")" "$(awk -v s="$slowest" 'BEGIN { print s * 1000 }')"
echo "(the city is left in place; remove the local data with FORCE=1 make db-reset)"
