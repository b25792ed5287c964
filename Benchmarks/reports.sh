#!/usr/bin/env bash
# Reports on a large city: the leader dashboard (GET /v1/dashboard through kinerja-server: p50 and p95 of
# READS requests, one at a time, and with wrk at the given concurrency when wrk is installed) and the
# evaluation documents of the whole city rendered as one HTML file (kinerja-admin report generate), next to a
# raw SQL read of the same rows (every employee's result, SKP lines and realisasi) in the same run.
# Usage: [READS=300] [PORT=18081] Benchmarks/reports.sh CITY-CODE [YEAR] (YEAR: common.sh's, or KINERJA_BENCH_YEAR)
#   The city must have results for the year (Benchmarks/evaluate.sh prepares one of 100,000: its code is
#   printed there). CLI, server, load and PostgreSQL share this machine's cores.
set -euo pipefail
cd "$(dirname "$0")/.."
CODE="${1:?usage: Benchmarks/reports.sh CITY-CODE [YEAR]}"
YEAR_ARG="${2:-}"
READS="${READS:-300}"
PORT="${PORT:-18081}"
# shellcheck source=Benchmarks/common.sh
. Benchmarks/common.sh
# The year asked, or the benchmarks' year (common.sh).
YEAR="${YEAR_ARG:-$YEAR}"
SERVER="${BIN%kinerja-admin}kinerja-server"
tenant=$("${PSQL[@]}" -Atc "select tenant_id from tenants where code = '$CODE'")
[ -n "$tenant" ] || { echo "no city $CODE" >&2; exit 1; }
employees=$("${PSQL[@]}" -Atc "select count(*) from evaluations where tenant_id = '$tenant' and year = $YEAR and period_kind = 'annual'")

# No rate limit: the load below is one key's (the default 100 a second would answer most of it 429).
"$SERVER" --http-port "$PORT" --log-level warning --rate-limit-per-second 0 >"$dir/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && break; sleep 0.2; done

t0=$(now); "$BIN" dashboard refresh --tenant "$CODE" --year "$YEAR" >/dev/null 2>&1; t1=$(now); refresh=$(secs "$t0" "$t1")
key=$("$BIN" apikey create --tenant "$CODE" --role hr_admin --label bench 2>/dev/null)
url="http://127.0.0.1:$PORT/v1/dashboard?year=$YEAR"
: > "$dir/lat"
for _ in $(seq 1 "$READS"); do curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $key" "$url" >> "$dir/lat"; done
p() { sort -g "$dir/lat" | awk -v q="$1" '{ v[NR] = $1 } END { printf "%.1f", v[int(NR * q + 0.5)] * 1000 }'; }
p50=$(p 0.50); p95=$(p 0.95); p99=$(p 0.99)
size=$(curl -s -H "Authorization: Bearer $key" "$url" | wc -c)
wrkline="(wrk not installed: apt-get install wrk)"
if command -v wrk >/dev/null 2>&1; then
  wrk -t2 -c16 -d10s --latency -H "Authorization: Bearer $key" "$url" > "$dir/wrk" 2>&1 || true
  rps=$(awk '/Requests\/sec/ { print $2 }' "$dir/wrk")
  w99=$(awk '$1 == "99%" { print $2 }' "$dir/wrk")
  w50=$(awk '$1 == "50%" { print $2 }' "$dir/wrk")
  bad=$(awk '/Non-2xx/ { print $NF }' "$dir/wrk"); bad=${bad:-0}
  wrkline="wrk -t2 -c16 -d10s: $rps requests/s, p50 $w50, p99 $w99, $bad answers not 2xx"
fi

# The documents: one HTML file of every employee's document, against one SQL read of the rows they show.
t0=$(now)
"${PSQL[@]}" -Atc "
  select count(*), sum(length(x)) from (
    select e.nip || e.name || coalesce(a.name, '') || coalesce(v.predikat, '') || v.explanation::text
           || coalesce((select string_agg(r.text || i.text || coalesce(i.target_value::text, ''), '|')
                        from skp s join skp_rhk r on r.tenant_id = s.tenant_id and r.nip = s.nip and r.year = s.year and r.revision = s.revision
                        join skp_iki i on i.tenant_id = r.tenant_id and i.nip = r.nip and i.year = r.year and i.revision = r.revision
                                      and i.rhk_key = r.rhk_key
                        where s.tenant_id = v.tenant_id and s.nip = v.nip and s.year = v.year and s.status = 'approved'), '')
           || coalesce((select string_agg(x.value::text, ',') from realisasi x
                        where x.tenant_id = v.tenant_id and x.nip = v.nip and x.year = v.year), '') as x
    from evaluations v join employees e on e.tenant_id = v.tenant_id and e.nip = v.nip
    left join employees a on a.tenant_id = e.tenant_id and a.nip = e.atasan_nip
    where v.tenant_id = '$tenant' and v.year = $YEAR and v.period_kind = 'annual') q" > /dev/null
t1=$(now); base=$(secs "$t0" "$t1")
t0=$(now); timed "$BIN" report generate dokumen-evaluasi --tenant "$CODE" --year "$YEAR" --format html --out "$dir/docs.html" 2>/dev/null; t1=$(now)
docs=$(secs "$t0" "$t1"); rss=$(cat "$dir/rss")
count=$(grep -o '<article class="dokumen"' "$dir/docs.html" | wc -l)
bytes=$(du -m "$dir/docs.html" | cut -f1)

cat <<TXT

Reports benchmark ($build build; $CODE, $employees employees with $YEAR results; CLI, server, load and PostgreSQL share $(nproc) cores)
  dashboard snapshot computed (dashboard refresh)   ${refresh} s
  GET /v1/dashboard, $READS requests one at a time   p50 ${p50} ms, p95 ${p95} ms, p99 ${p99} ms ($size bytes)
  $wrkline
  evaluation documents of the whole city, HTML      ${docs} s for $count documents ($bytes MB), CLI peak RSS $((rss / 1024)) MB
  one SQL read of the same rows (baseline)          ${base} s   ratio $(ratio "$docs" "$base")x
TXT
