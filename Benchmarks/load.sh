#!/usr/bin/env bash
# Load through the API against PostgreSQL alone, at the same concurrency, in the same run (PERFORMANCE.md):
#   writes: POST /v1/realisasi, one item a request (an integrator key, tenant-scoped, authenticated, audited),
#           against pgbench's one-row INSERT (autocommit) into a keyed table;
#   reads:  GET /v1/employees/{nip} (an hr_admin key), against the Hummingbird + PostgresClient ceiling
#           (kinerja-ceiling: GET /db answering SELECT 1, Benchmarks/Ceiling) and pgbench's one-row SELECT.
# Requests rotate over the city's employees. Reports requests a second, p50 / p99, answers that were not 2xx,
# the server's resident memory (now and its peak), the ratios, and the CPU time the answering process (the
# server, or the ceiling) spent a request: steadier than requests a second when the machine's speed drifts. wrk, the server and PostgreSQL share this
# machine's cores: the figures are for that. Each figure is the median of ROUNDS rounds, and each ratio is taken within its round.
# All of it at each concurrency of CONNECTIONS: by default 8, pgbench's shape in PERFORMANCE.md's baselines
# (-c 8), and 32, the ceiling's (wrk -c32); each figure against its baselines at the same concurrency.
# Then SUSTAIN seconds of reads without a pause at the last concurrency, the server's memory sampled every 5 s:
# memory held for a while after each request (the pool's timers, KINERJA_DATABASE_IDLE_SECONDS) shows its
# plateau only after it.
# Usage: [DURATION=10] [ROUNDS=3] [SUSTAIN=40] [CONNECTIONS="8 32"] [EMPLOYEES=2000] Benchmarks/load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${DURATION:-10}"
ROUNDS="${ROUNDS:-3}"
SUSTAIN="${SUSTAIN:-40}"
CONCURRENCIES="${CONNECTIONS:-8 32}"
for c in $CONCURRENCIES; do
  [[ "$c" =~ ^[1-9][0-9]*$ ]] || { echo "CONNECTIONS '$CONNECTIONS': each concurrency is a whole number of connections, 1 or more" >&2; exit 1; }
done
N="${EMPLOYEES:-2000}"
PORT="${PORT:-18082}"
# shellcheck source=Benchmarks/common.sh
. Benchmarks/common.sh
SERVER="${BIN%kinerja-admin}kinerja-server"
CEILING="${BIN%kinerja-admin}kinerja-ceiling"
[ -x "$CEILING" ] || { echo "build the ceiling first: swift build -c $build --product kinerja-ceiling (make load does)" >&2; exit 1; }
CEILING_PORT="${CEILING_PORT:-18091}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk (make load installs it)" >&2; exit 1; }
PGBENCH=$(ls /usr/lib/postgresql/*/bin/pgbench | sort -V | tail -1)

code="bench-load-$(date +%s)"
echo "preparing $code: $N employees, approved SKPs, the year open (not timed)"
"$BIN" demo siasn-csv --employees "$N" --city benchload --seed 5 > "$dir/siasn.csv"
"$BIN" tenant onboard --code "$code" --name "Kota Beban" --adapter nasional >/dev/null 2>&1
"$BIN" demo mark --tenant "$code" >/dev/null 2>&1
"$BIN" import employees "$dir/siasn.csv" --tenant "$code" --format json > /dev/null 2>&1
"$BIN" period open --tenant "$code" --year "$YEAR" >/dev/null 2>&1
"$BIN" skp demo-plan --tenant "$code" --year "$YEAR" >/dev/null
tenant=$("${PSQL[@]}" -Atc "select tenant_id from tenants where code = '$code'")
period=$("${PSQL[@]}" -Atc "select case kind when 'monthly' then 'M' else 'Q' end || sequence from periods
                            where tenant_id = '$tenant' and year = $YEAR and kind <> 'annual' and status = 'open'
                            and starts_on <= current_date order by sequence desc limit 1")
writer=$("$BIN" apikey create --tenant "$code" --role integrator --label load --scope realisasi 2>/dev/null)
reader=$("$BIN" apikey create --tenant "$code" --role hr_admin --label load 2>/dev/null)

# One (NIP, indicator) per employee with an approved SKP: the bodies the writers rotate over.
"${PSQL[@]}" -Atc "select distinct on (i.nip) i.nip, i.iki_key from skp_iki i join skp s on s.tenant_id = i.tenant_id and s.nip = i.nip
                   and s.year = i.year and s.revision = i.revision and s.status = 'approved'
                   where i.tenant_id = '$tenant' and i.year = $YEAR and i.target_value is not null order by i.nip, i.iki_key" -F ' ' > "$dir/pairs"
{
  echo 'local bodies = {'
  awk -v p="$period" -v y="$YEAR" '{ printf "  [[{\"items\": [{\"nip\": \"%s\", \"year\": %d, \"ikiKey\": \"%s\", \"period\": \"%s\", \"value\": %d}]}]],\n", $1, y, $2, p, NR % 50 + 1 }' "$dir/pairs"
  echo '}'
  cat <<LUA
local i = 0
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", "/v1/realisasi", { ["Authorization"] = "Bearer $writer", ["Content-Type"] = "application/json" }, bodies[i])
end
LUA
} > "$dir/write.lua"
{
  echo 'local nips = {'
  awk '{ printf "  \"%s\",\n", $1 }' "$dir/pairs"
  echo '}'
  cat <<LUA
local i = 0
request = function()
  i = i % #nips + 1
  return wrk.format("GET", "/v1/employees/" .. nips[i], { ["Authorization"] = "Bearer $reader" })
end
LUA
} > "$dir/read.lua"

# The server as deployed, its rate limit off (one key sends all of the load).
"$SERVER" --http-port "$PORT" --log-level warning --rate-limit-per-second 0 >"$dir/server.log" 2>&1 &
server=$!
# The ceiling: the same framework and driver, as the application role, doing nothing but SELECT 1.
"$CEILING" "$CEILING_PORT" >"$dir/ceiling.log" 2>&1 &
ceiling=$!
trap 'kill $server $ceiling 2>/dev/null; "${PSQL[@]}" -c "drop table if exists bench_load_insert" >/dev/null 2>&1; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && break; sleep 0.2; done
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$CEILING_PORT/db" >/dev/null && break; sleep 0.2; done
first=$(head -1 "$dir/pairs")
check=$(curl -s -X POST "http://127.0.0.1:$PORT/v1/realisasi" -H "Authorization: Bearer $writer" -H 'Content-Type: application/json' \
  -d "{\"items\": [{\"nip\": \"${first%% *}\", \"year\": $YEAR, \"ikiKey\": \"${first##* }\", \"period\": \"$period\", \"value\": 1}]}")
case "$check" in *'"accepted":1'*) ;; *) echo "a realisasi write is refused: $check" >&2; exit 1 ;; esac

cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }  # a process's user + system time, in clock ticks
wrk_run() {  # lua file (or "ceiling") -> "rps p50 p99 non2xx cpu_us", cpu_us: the answering process's CPU a request, in µs
  local pid=$server before
  [ "$1" = ceiling ] && pid=$ceiling
  before=$(cpu "$pid")
  if [ "$1" = ceiling ]; then
    wrk -t2 -c"$C" -d"${SECONDS_EACH}s" --latency "http://127.0.0.1:$CEILING_PORT/db" > "$dir/wrk.out" 2>&1
  else
    wrk -t2 -c"$C" -d"${SECONDS_EACH}s" --latency -s "$1" "http://127.0.0.1:$PORT" > "$dir/wrk.out" 2>&1
  fi
  # Latencies in milliseconds, whatever unit wrk chose.
  awk -v used="$(( $(cpu "$pid") - before ))" -v hz="$(getconf CLK_TCK)" \
      'function ms(x) { if (x ~ /us$/) return sprintf("%.2f", x / 1000); if (x ~ /ms$/) return sprintf("%.2f", x + 0);
                        return sprintf("%.2f", x * 1000) }
       /Requests\/sec/ { r = $2 } $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) } /Non-2xx/ { bad = $NF }
       / requests in / { n = $1 }
       END { printf "%s %s %s %s %.0f", r, p50, p99, (bad == "" ? 0 : bad), (n > 0 ? used * 1000000 / hz / n : 0) }' "$dir/wrk.out"
}
pgbench_run() {  # script -> "tps p99_ms" (p99 from the per-transaction log)
  rm -f "$dir"/pgbench_log.*
  (cd "$dir" && "$PGBENCH" -n -f "$1" -c "$C" -j 2 -T "$SECONDS_EACH" -l -h "$KINERJA_DB_HOST" -p "$KINERJA_DB_PORT" \
     -U "$KINERJA_DB_OWNER_USER" kinerja > "$dir/pgbench.out" 2>&1)
  tps=$(awk '/^tps/ { print $3; exit }' "$dir/pgbench.out")
  p99=$(cat "$dir"/pgbench_log.* | awk '{ print $3 / 1000 }' | sort -g | awk '{ v[NR] = $1 } END { printf "%.2f", v[int(NR * 0.99)] }')
  echo "$tps $p99"
}
rss() { awk -v k="$1" '$1 == k":" { printf "%d", $2 / 1024 }' "/proc/$server/status"; }

"${PSQL[@]}" -c "drop table if exists bench_load_insert; create table bench_load_insert (id bigint generated always as identity primary key, tenant_id uuid not null,
                 nip text not null, value numeric, at timestamptz not null default now())" >/dev/null
echo "insert into bench_load_insert (tenant_id, nip, value) values ('$tenant', '${first%% *}', random() * 100);" > "$dir/insert.sql"
echo "select nip, name, jabatan_name, unit_id, status from employees where tenant_id = '$tenant' and nip = '${first%% *}';" > "$dir/select1.sql"

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
measure() {  # rounds at $C connections, then their summary
  # Rounds, each with its baselines next to it: these machines drift by 10-40% within minutes, so each ratio is
  # taken within its round, and the summary gives each figure's median and the range of the ratios.
  W=(); PW=(); R=(); C_=(); PR=(); WR=(); RR=(); W50=(); W99=(); R50=(); R99=(); C50=(); C99=(); PW99=(); PR99=(); BAD=0
  WCPU=(); RCPU=(); CCPU=()
  for round in $(seq 1 "$ROUNDS"); do
    read -r pw_tps pw_p99 <<< "$(pgbench_run insert.sql)"
    read -r w_rps w_p50 w_p99 w_bad w_cpu <<< "$(wrk_run "$dir/write.lua")"
    w_rss=$(rss VmRSS)
    read -r pr_tps pr_p99 <<< "$(pgbench_run select1.sql)"
    read -r c_rps c_p50 c_p99 c_bad c_cpu <<< "$(wrk_run ceiling)"
    read -r r_rps r_p50 r_p99 r_bad r_cpu <<< "$(wrk_run "$dir/read.lua")"
    r_rss=$(rss VmRSS)
    printf '  round %d: writes %s/s (pgbench INSERT %s TPS, %sx), reads %s/s (ceiling %s/s, %sx); server CPU a write %s µs, a read %s µs (ceiling %s µs)\n' \
      "$round" "$w_rps" "$pw_tps" "$(ratio "$w_rps" "$pw_tps")" "$r_rps" "$c_rps" "$(ratio "$r_rps" "$c_rps")" "$w_cpu" "$r_cpu" "$c_cpu"
    WCPU+=("$w_cpu"); RCPU+=("$r_cpu"); CCPU+=("$c_cpu")
    W+=("$w_rps"); PW+=("$pw_tps"); R+=("$r_rps"); C_+=("$c_rps"); PR+=("$pr_tps")
    WR+=("$(ratio "$w_rps" "$pw_tps")"); RR+=("$(ratio "$r_rps" "$c_rps")")
    W50+=("$w_p50"); W99+=("$w_p99"); R50+=("$r_p50"); R99+=("$r_p99"); C50+=("$c_p50"); C99+=("$c_p99")
    PW99+=("$pw_p99"); PR99+=("$pr_p99"); BAD=$((BAD + w_bad + r_bad + c_bad))
  done
  cat <<TXT

At $C connections ($ROUNDS rounds of ${SECONDS_EACH} s each, medians; wrk, kinerja-server and PostgreSQL share $(nproc) cores)
  pgbench one-row INSERT (autocommit)          $(median "${PW[@]}") TPS, p99 $(median "${PW99[@]}") ms
  POST /v1/realisasi, one item a request       $(median "${W[@]}") requests/s, p50 $(median "${W50[@]}")ms, p99 $(median "${W99[@]}")ms   $(median "${WR[@]}")x pgbench (rounds $(range "${WR[@]}"))
  pgbench one-row SELECT of an employee        $(median "${PR[@]}") TPS, p99 $(median "${PR99[@]}") ms
  ceiling: Hummingbird + PostgresClient SELECT 1   $(median "${C_[@]}") requests/s, p50 $(median "${C50[@]}")ms, p99 $(median "${C99[@]}")ms
  GET /v1/employees/{nip}                      $(median "${R[@]}") requests/s, p50 $(median "${R50[@]}")ms, p99 $(median "${R99[@]}")ms   $(median "${RR[@]}")x the ceiling (rounds $(range "${RR[@]}")), $(ratio "$(median "${R[@]}")" "$(median "${PR[@]}")")x pgbench
  CPU of the answering process a request      a write $(median "${WCPU[@]}") µs, a read $(median "${RCPU[@]}") µs, the ceiling's SELECT 1 $(median "${CCPU[@]}") µs
  answers that were not 2xx                    $BAD
  kinerja-server resident memory               ${w_rss} MB after the last writes, ${r_rss} MB after the last reads

TXT
}
range() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }'; }

echo "Load benchmark ($build build): city $code, $(wc -l < "$dir/pairs") employees with an approved SKP, realisasi for $period"
for C in $CONCURRENCIES; do
  echo "at $C connections:"
  measure
done

# Sustained reads: resident memory every 5 s (a steady figure is a plateau; a rising one is memory held
# per request for longer than the run).
[ "$SUSTAIN" -ge 5 ] || { echo "SUSTAIN is $SUSTAIN: at least 5 (seconds)" >&2; exit 1; }
wrk -t2 -c"$C" -d"${SUSTAIN}s" -s "$dir/read.lua" "http://127.0.0.1:$PORT" > "$dir/sustain.out" 2>&1 &
sustained=$!
trap 'kill $server $ceiling $sustained 2>/dev/null; "${PSQL[@]}" -c "drop table if exists bench_load_insert" >/dev/null 2>&1; rm -rf "$dir"' EXIT
samples=""
# Samples while wrk runs (the last one 1 s before its end).
for t in $(seq 5 5 "$SUSTAIN"); do sleep "$([ "$t" -lt "$SUSTAIN" ] && echo 5 || echo 4)"; samples="$samples $(rss VmRSS)"; done
wait "$sustained"
s_rps=$(awk '/Requests\/sec/ { print $2 }' "$dir/sustain.out")
s_bad=$(awk '/Non-2xx/ { n = $NF } END { print n + 0 }' "$dir/sustain.out")
peak=$(rss VmHWM)

cat <<TXT
Reads without a pause for ${SUSTAIN} s at $C connections: ${s_rps} requests/s, ${s_bad} answers not 2xx; resident memory every 5 s (MB):${samples}
kinerja-server peak resident memory over the whole run: ${peak} MB
(the city is left in place; remove the local data with FORCE=1 make db-reset)
TXT
