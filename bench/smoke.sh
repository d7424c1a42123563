#!/usr/bin/env bash
# The benchmark at a tiny scale, as a smoke test (CI): generate ~0.002 of the city into
# a throwaway database, run bench/run_benchmark.py with 2 rounds (--strict: any HTTP
# error, in-process failure or crash fails), then drop the database. Not a measurement.
#
#   bash bench/smoke.sh [postgres://postgres@127.0.0.1:5432/kasane_bench_ci]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
URL="${1:-postgres://postgres@127.0.0.1:5432/kasane_bench_ci}"
NAME="${URL##*/}"
case "$NAME" in
    kasane | postgres | test_kasane* | "") echo "bench/smoke.sh: refusing database '$NAME'" >&2; exit 2 ;;
esac
drop() {
    .venv/bin/python - "$URL" <<'PY' || true
import sys, urllib.parse, psycopg
parts = urllib.parse.urlsplit(sys.argv[1])
name = parts.path.lstrip("/")
admin = urllib.parse.urlunsplit((*parts[:2], "/postgres", parts.query, ""))
with psycopg.connect(admin, autocommit=True) as conn:
    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
PY
}
trap drop EXIT
started=$SECONDS
.venv/bin/python bench/generate_city.py --database-url "$URL" --scale 0.002 --today 2026-04-01
.venv/bin/python bench/run_benchmark.py --database-url "$URL" --rounds 2 --floor-rounds 2 \
    --annual-rounds 1 --load-workers 1 --no-packet --explain 0 --label ci-smoke --strict
echo "bench/smoke.sh: passed in $((SECONDS - started)) s"
