#!/usr/bin/env bash
# Bounded load test of the public pages served by `make serve` on 127.0.0.1 only:
# 50 connections for 30 s with wrk, then the server is stopped. Usage: scripts/loadtest.sh [PORT]
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:-8765}"
connections="${LOADTEST_CONNECTIONS:-50}"
duration="${LOADTEST_DURATION:-30s}"

if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y wrk >/dev/null; else
    echo "wrk がありません。root で apt-get install -y wrk を実行してください。" >&2; exit 1; fi
fi

# Its own SQLite database unless DATABASE_URL says otherwise: the test never touches yours.
export DATABASE_URL="${DATABASE_URL:-sqlite:///${TMPDIR:-/tmp}/hiratsuka-loadtest.sqlite3}"
log="$(mktemp)"
paths="$(mktemp)"
# A session of its own, so that stopping it stops make, gunicorn and its workers together.
setsid make --no-print-directory serve PORT="$port" >"$log" 2>&1 &
server=$!
trap 'kill -TERM -- "-$server" 2>/dev/null || true; rm -f "$paths"' EXIT

for _ in $(seq 1 120); do
  curl -fs -o /dev/null "http://127.0.0.1:$port/" && break
  sleep 1
done
curl -fs -o /dev/null "http://127.0.0.1:$port/" || { cat "$log"; exit 1; }

# The public pages a reader visits, with the ids of the database being served (the same eleven
# paths as `make bench`'s mixed load: bench/measure.py public_paths).
DJANGO_DEBUG=1 .venv/bin/python manage.py shell --no-imports -c '
from bench.measure import public_paths
from feedback import selectors
report = selectors.public_reports().first()
print("\n".join(public_paths(report.get_absolute_url(), "デジタル")))' >"$paths"

echo "== wrk -t2 -c$connections -d$duration --latency ($(wc -l <"$paths") paths, $(nproc) cores)"
LOADTEST_PATHS="$paths" wrk -t2 -c"$connections" -d"$duration" --timeout 10s --latency \
  -s scripts/loadtest.lua "http://127.0.0.1:$port/"
echo "== status codes in the server log"
grep -oE '" [0-9]{3} ' "$log" | sort | uniq -c || true
