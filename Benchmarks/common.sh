# Shared by the benchmarks: the CLI to time (release build if there is one), psql as the owner on the local
# cluster, clocks, peak memory, a scratch folder. Source it from the repository root.
BIN=.build/release/kinerja-admin
[ -x "$BIN" ] || BIN=.build/debug/kinerja-admin
[ -x "$BIN" ] || { echo "build first: make build (or make release)" >&2; exit 1; }
build=$([ "$BIN" = .build/release/kinerja-admin ] && echo release || echo debug)

# shellcheck disable=SC1090
. <(deploy/local/pg.sh env)
export PGPASSWORD="$KINERJA_DB_OWNER_PASSWORD"
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h "$KINERJA_DB_HOST" -p "$KINERJA_DB_PORT" -U "$KINERJA_DB_OWNER_USER" -d kinerja)
# The year the benchmark cities are planned and evaluated in (KINERJA_BENCH_YEAR to choose): this year once its
# first quarter has ended, last year before that, so that there is realisasi to evaluate and report (the demo
# plans report the quarters already ended).
if [ -n "${KINERJA_BENCH_YEAR:-}" ]; then
  YEAR=$KINERJA_BENCH_YEAR
else
  YEAR=$(date +%Y)
  if [ "$(date +%-m)" -le 3 ]; then YEAR=$((YEAR - 1)); fi
fi
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# Peak memory of a command when GNU time is installed (Debian package "time"); otherwise not measured.
timed() {
  if [ -x /usr/bin/time ]; then /usr/bin/time -f "%M" -o "$dir/rss" "$@"; else echo 0 > "$dir/rss"; "$@"; fi
}

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
