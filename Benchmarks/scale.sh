#!/usr/bin/env bash
# National scale: does a city's work stay as fast when the database holds more cities? Cities of N employees
# (default 8,000) are added until the database holds each number of cities in STEPS; at each step one more
# city is measured as it arrives, against baselines measured at that moment on the same rows:
#   - import of its SIASN file, against a raw COPY of the same file into a keyed, logged table;
#   - evaluate run for the year, against one SQL aggregate over its realisasi and ratings (as evaluate.sh);
#   - the dashboard computed (dashboard refresh), and read through the API: p50 and p95 of READS requests
#     to GET /v1/dashboard (kinerja-server on 127.0.0.1:$PORT, the load generator, server and database share
#     this machine's cores).
# Every city is prepared fully (plans, realisasi for the quarters ended, the year's 360 feedback, evaluation,
# dashboard), so the tables grow as they would. The figures go to stdout and to Benchmarks/results/scale-*.txt.
# Usage: [STEPS="1 10 25 50 100"] [READS=200] [PORT=18080] [EMPLOYEES=8000] Benchmarks/scale.sh
#        Benchmarks/scale.sh prepare K   add cities (not timed) until the database holds K
#        Benchmarks/scale.sh measure     measure one new city at the present size
# (the last two let the curve be built over several sittings, measuring only while the machine is quiet).
# Cities are named bench-scale-<stamp>-<n> and left in place (FORCE=1 make db-reset removes them); a city of
# 8,000 takes about 160 MB. The release build is used when there is one (make release).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${EMPLOYEES:-8000}"
MODE="${1:-run}"
STEPS="${STEPS:-1 10 25 50 100}"
READS="${READS:-200}"
PORT="${PORT:-18080}"
# shellcheck source=Benchmarks/common.sh
. Benchmarks/common.sh
SERVER="${BIN%kinerja-admin}kinerja-server"
[ -x "$SERVER" ] || { echo "no $SERVER: make build (or make release)" >&2; exit 1; }
mkdir -p Benchmarks/results
stamp=$(date +%s)
out="Benchmarks/results/scale-$N.txt"

server=""
start_server() {
  "$SERVER" --http-port "$PORT" --log-level warning >"$dir/server.log" 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null; rm -rf "$dir"' EXIT
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && break; sleep 0.2; done
  curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null || { cat "$dir/server.log" >&2; echo "the server did not become ready" >&2; exit 1; }
}

existing=$("${PSQL[@]}" -Atc "select count(*) from tenants where status = 'active'")
n=0
# Prepares city number $1 from its file; with "measure", times each step against its baseline.
city() {
  local i=$1 mode=${2:-} code="bench-scale-$stamp-$1"
  "$BIN" demo siasn-csv --employees "$N" --city "scale$i" --seed "$((100 + i))" > "$dir/siasn.csv"
  "$BIN" tenant onboard --code "$code" --name "Kota Skala $i" --adapter nasional 2>/dev/null
  "$BIN" demo mark --tenant "$code" 2>/dev/null
  local t0 t1 import copy
  if [ "$mode" = measure ]; then
    local cols; cols=$(head -1 "$dir/siasn.csv" | tr ',' '\n' | sed 's/.*/"&"/' | paste -sd,)
    "${PSQL[@]}" -c "create table bench_scale_keyed (tenant_id uuid not null default gen_random_uuid(),
      $(head -1 "$dir/siasn.csv" | tr ',' '\n' | sed 's/.*/"&" text/' | paste -sd,), primary key (tenant_id, \"NIP\"))"
    t0=$(now); "${PSQL[@]}" -c "\\copy bench_scale_keyed ($cols) from '$dir/siasn.csv' csv header"; t1=$(now); copy=$(secs "$t0" "$t1")
    "${PSQL[@]}" -c "drop table bench_scale_keyed"
  fi
  t0=$(now); "$BIN" import employees "$dir/siasn.csv" --tenant "$code" --format json > /dev/null 2>&1; t1=$(now); import=$(secs "$t0" "$t1")
  "$BIN" period open --tenant "$code" --year "$YEAR" 2>/dev/null
  "$BIN" skp demo-plan --tenant "$code" --year "$YEAR" 2>/dev/null
  "$BIN" demo rate --tenant "$code" --year "$YEAR" --period Y 2>/dev/null
  local tenant base run refresh
  if [ "$mode" = measure ]; then
    tenant=$("${PSQL[@]}" -Atc "select tenant_id from tenants where code = '$code'")
    t0=$(now)
    "${PSQL[@]}" -c "
      create unlogged table bench_scale_baseline as
      with c as (
        select x.nip, avg(x.value / nullif(i.target_value, 0)) * 100 as capaian
        from realisasi x join skp_iki i on i.tenant_id = x.tenant_id and i.nip = x.nip and i.year = x.year and i.iki_key = x.iki_key
        where x.tenant_id = '$tenant' and x.year = $YEAR group by x.nip
      ), b as (
        select ratee_nip as nip, avg(score) as score from behaviour_ratings where tenant_id = '$tenant' and year = $YEAR group by ratee_nip
      )
      select c.nip, c.capaian, b.score,
             case when c.capaian >= 110 then 'Di Atas' when c.capaian >= 80 then 'Sesuai' else 'Di Bawah' end as category
      from c left join b on b.nip = c.nip"
    t1=$(now); base=$(secs "$t0" "$t1")
    "${PSQL[@]}" -c "drop table bench_scale_baseline"
  fi
  t0=$(now); "$BIN" evaluate run --tenant "$code" --year "$YEAR" --period Y >/dev/null 2>&1; t1=$(now); run=$(secs "$t0" "$t1")
  t0=$(now); "$BIN" dashboard refresh --tenant "$code" --year "$YEAR" >/dev/null 2>&1; t1=$(now); refresh=$(secs "$t0" "$t1")
  [ "$mode" = measure ] || return 0
  local key; key=$("$BIN" apikey create --tenant "$code" --role hr_admin --label bench 2>/dev/null)
  : > "$dir/lat"
  for _ in $(seq 1 "$READS"); do
    curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $key" "http://127.0.0.1:$PORT/v1/dashboard?year=$YEAR" >> "$dir/lat"
  done
  local p50 p95
  p50=$(sort -g "$dir/lat" | awk '{ v[NR] = $1 } END { printf "%.1f", v[int(NR * 0.50 + 0.5)] * 1000 }')
  p95=$(sort -g "$dir/lat" | awk '{ v[NR] = $1 } END { printf "%.1f", v[int(NR * 0.95 + 0.5)] * 1000 }')
  local total=$((existing + i))
  local employees; employees=$("${PSQL[@]}" -Atc "select count(*) from employees")
  printf '%6s %10s   %7s %7s %6s   %7s %7s %6s   %8s   %7s %7s\n' "$total" "$employees" "$import" "$copy" "$(ratio "$import" "$copy")" \
    "$run" "$base" "$(ratio "$run" "$base")" "$refresh" "$p50" "$p95" | tee -a "$out"
}

header() {
  echo "Scale benchmark ($build build; $N employees per city; CLI, server, load and PostgreSQL share this machine's $(nproc) cores)"
  echo "A new city measured as the database reaches each number of cities (seconds unless said; dashboard: computing"
  echo "the snapshot; p50/p95: GET /v1/dashboard of the measured city, $READS requests one at a time):"
  printf '%6s %10s   %7s %7s %6s   %7s %7s %6s   %8s   %7s %7s\n' cities employees import COPY ratio evaluate SQL-agg ratio dashboard "p50 ms" "p95 ms"
}
[ -s "$out" ] || header > "$out"
case "$MODE" in
  prepare)
    want="${2:?prepare needs the number of cities}"
    while [ $((existing + n)) -lt "$want" ]; do n=$((n + 1)); echo "preparing city $((existing + n)) of $want" >&2; city "$n"; done ;;
  measure)
    start_server
    header | tail -1
    n=$((n + 1)); city "$n" measure ;;
  run)
    start_server
    header | tail -1
    for step in $STEPS; do
      while [ $((existing + n + 1)) -lt "$step" ]; do n=$((n + 1)); echo "preparing city $((existing + n)) of $step" >&2; city "$n"; done
      n=$((n + 1)); city "$n" measure
    done ;;
  *) sed -n '2,19p' "$0" >&2; exit 2 ;;
esac
echo "results: $out" >&2
