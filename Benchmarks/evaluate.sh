#!/usr/bin/env bash
# Evaluation benchmark: `kinerja-admin evaluate run` on a city of N employees (default 100,000) with a year of
# approved, cascaded SKPs, realisasi for the quarters already ended and the year's 360 feedback (self, atasan,
# bawahan and peers, from `demo rate`), against a baseline measured in the same run on the same rows
# (PERFORMANCE.md): one SQL aggregate per employee over the realisasi and the ratings, capaian, score and a
# category, CREATE TABLE ... AS SELECT ... GROUP BY.
# Usage: Benchmarks/evaluate.sh [EMPLOYEES]. Uses the release build if there is one (make release), else the
# debug build; the local cluster must be running (make db-start).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100000}"
# shellcheck source=Benchmarks/common.sh
. Benchmarks/common.sh

code="bench-eval-$(date +%s)"
echo "preparing $code: $N employees, plans, realisasi and the year's 360 feedback (not timed)"
"$BIN" demo siasn-csv --employees "$N" --city bench --seed 3 > "$dir/siasn.csv"
"$BIN" tenant onboard --code "$code" --name "Kota Bench" --adapter nasional 2>/dev/null
"$BIN" import employees "$dir/siasn.csv" --tenant "$code" --format json > /dev/null 2>&1
"$BIN" period open --tenant "$code" --year 2026 2>/dev/null
"$BIN" skp demo-plan --tenant "$code" --year 2026
"$BIN" demo rate --tenant "$code" --year 2026 --period Y
tenant=$("${PSQL[@]}" -Atc "select tenant_id from tenants where code = '$code'")
"${PSQL[@]}" -c "analyze skp; analyze skp_rhk; analyze skp_iki; analyze realisasi; analyze behaviour_ratings; analyze behaviour_raters;"
rows=$("${PSQL[@]}" -Atc "select count(*) from realisasi where tenant_id = '$tenant'")
ratings=$("${PSQL[@]}" -Atc "select count(*) from behaviour_ratings where tenant_id = '$tenant'")

# Baseline: one aggregate over the same realisasi, targets and ratings, per employee, into a result table.
t0=$(now)
"${PSQL[@]}" -c "
  create unlogged table bench_eval_baseline as
  with c as (
    select x.nip, avg(x.value / nullif(i.target_value, 0)) * 100 as capaian
    from realisasi x join skp_iki i on i.tenant_id = x.tenant_id and i.nip = x.nip and i.year = x.year and i.iki_key = x.iki_key
    where x.tenant_id = '$tenant' and x.year = 2026 group by x.nip
  ), b as (
    select ratee_nip as nip, avg(score) as score from behaviour_ratings where tenant_id = '$tenant' and year = 2026 group by ratee_nip
  )
  select c.nip, c.capaian, b.score,
         case when c.capaian >= 110 then 'Di Atas' when c.capaian >= 80 then 'Sesuai' else 'Di Bawah' end as category
  from c left join b on b.nip = c.nip"
t1=$(now)
baseline=$(secs "$t0" "$t1")
"${PSQL[@]}" -c "drop table bench_eval_baseline"

t0=$(now); timed "$BIN" evaluate run --tenant "$code" --year 2026 --period Y; t1=$(now)
run=$(secs "$t0" "$t1"); rss=$(cat "$dir/rss")
t0=$(now); "$BIN" evaluate run --tenant "$code" --year 2026 --period Y 2>/dev/null; t1=$(now)
again=$(secs "$t0" "$t1")
cat <<TXT

Evaluation benchmark ($build build; CLI and PostgreSQL share this machine's $(nproc) cores)
  $N employees, $rows realisasi rows, $ratings 360 ratings
  one SQL aggregate (baseline)          ${baseline} s
  evaluate run                          ${run} s      $(ratio "$run" "$baseline")x the baseline; CLI peak RSS $((rss / 1024)) MB
  evaluate run again (replaces proposals) ${again} s    $(ratio "$again" "$baseline")x
TXT
echo "(the city $code is left in place; remove the local data with FORCE=1 make db-reset)"
