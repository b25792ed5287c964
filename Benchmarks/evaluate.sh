#!/usr/bin/env bash
# Evaluation benchmark: `kinerja-admin evaluate run` on a city of N employees (default 100,000) with a year of
# approved, cascaded SKPs, realisasi for the quarters already ended and the year's 360 feedback (self, atasan,
# bawahan and peers, from `demo rate`), against a baseline measured in the same run on the same rows
# (PERFORMANCE.md): one SQL aggregate per employee over the realisasi and the ratings, capaian, score and a
# category, CREATE TABLE ... AS SELECT ... GROUP BY.
# Usage: [REPEAT=3] Benchmarks/evaluate.sh [EMPLOYEES] [CITIES]; 1,000,000 employees across ten cities: 100000 10.
# Every city is prepared first, then each is measured; KINERJA_BENCH_CITIES="CODE ..." measures cities prepared
# by an earlier run (prepared for another year than common.sh's, with KINERJA_BENCH_YEAR=that year). Uses the release build if there is one (make release),
# else the debug build; the local cluster must be running (make db-start).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100000}"
CITIES="${2:-1}"
# shellcheck source=Benchmarks/common.sh
. Benchmarks/common.sh

stamp=$(date +%s)
codes=()
# KINERJA_BENCH_CITIES="code1 code2 ...": measure cities an earlier run prepared, without preparing any.
if [ -n "${KINERJA_BENCH_CITIES:-}" ]; then read -r -a codes <<< "$KINERJA_BENCH_CITIES"; CITIES=${#codes[@]}; fi
for c in $(seq 1 "$CITIES"); do
  [ -n "${KINERJA_BENCH_CITIES:-}" ] && break
  code="bench-eval-$stamp-$c"
  codes+=("$code")
  echo "preparing $code ($c of $CITIES): $N employees, plans, realisasi and the year's 360 feedback (not timed)"
  "$BIN" demo siasn-csv --employees "$N" --city "bench$c" --seed "$((2 + c))" > "$dir/siasn.csv"
  "$BIN" tenant onboard --code "$code" --name "Kota Bench $c" --adapter nasional 2>/dev/null
  "$BIN" demo mark --tenant "$code" 2>/dev/null
  "$BIN" import employees "$dir/siasn.csv" --tenant "$code" --format json > /dev/null 2>&1
  "$BIN" period open --tenant "$code" --year "$YEAR" 2>/dev/null
  "$BIN" skp demo-plan --tenant "$code" --year "$YEAR"
  "$BIN" demo rate --tenant "$code" --year "$YEAR" --period Y
done
"${PSQL[@]}" -c "analyze skp; analyze skp_rhk; analyze skp_iki; analyze realisasi; analyze behaviour_ratings; analyze behaviour_raters;"

# Per city, REPEAT times (default 3; the median is reported, since one run on this shared machine varies by
# up to a third): the baseline (one aggregate over the same realisasi, targets and ratings, per employee, into
# a result table), then the run (the first inserts the proposals, the next ones replace them).
REPEAT="${REPEAT:-3}"
median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
report=""
total_run=0; total_base=0
for code in "${codes[@]}"; do
  tenant=$("${PSQL[@]}" -Atc "select tenant_id from tenants where code = '$code'")
  rows=$("${PSQL[@]}" -Atc "select count(*) from realisasi where tenant_id = '$tenant'")
  ratings=$("${PSQL[@]}" -Atc "select count(*) from behaviour_ratings where tenant_id = '$tenant'")
  bases=""; runs=""; rss=0
  for _ in $(seq 1 "$REPEAT"); do
    t0=$(now)
    "${PSQL[@]}" -c "
      create unlogged table bench_eval_baseline as
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
    t1=$(now)
    bases+=" $(secs "$t0" "$t1")"
    "${PSQL[@]}" -c "drop table bench_eval_baseline"
    t0=$(now); timed "$BIN" evaluate run --tenant "$code" --year "$YEAR" --period Y 2>/dev/null; t1=$(now)
    runs+=" $(secs "$t0" "$t1")"
    r=$(cat "$dir/rss"); [ "$r" -gt "$rss" ] && rss=$r
  done
  baseline=$(echo "$bases" | median); run=$(echo "$runs" | median)
  total_run=$(awk -v a="$total_run" -v b="$run" 'BEGIN { print a + b }')
  total_base=$(awk -v a="$total_base" -v b="$baseline" 'BEGIN { print a + b }')
  report+="  $code: $N employees, $rows realisasi rows, $ratings 360 ratings; median of $REPEAT
    one SQL aggregate (baseline)            ${baseline} s   (each:${bases})
    evaluate run                            ${run} s   $(ratio "$run" "$baseline")x the baseline   (each:${runs}); CLI peak RSS $((rss / 1024)) MB
"
done
cat <<TXT

Evaluation benchmark ($build build; CLI and PostgreSQL share this machine's $(nproc) cores)
$report
TXT
if [ "$CITIES" -gt 1 ]; then
  echo "  all $CITIES cities ($((N * CITIES)) employees), sums of the medians: baseline ${total_base} s, evaluate run ${total_run} s, $(ratio "$total_run" "$total_base")x"
fi
echo "(the cities are left in place; remove the local data with FORCE=1 make db-reset)"
