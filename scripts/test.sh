#!/usr/bin/env bash
# Run the whole suite on SQLite, then on PostgreSQL. With CI=true a missing PostgreSQL is a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
PG_URL=${SAFERISK_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}
status=0

echo "== SQLite =="
DATABASE_URL="sqlite:///$(pwd)/var/test.sqlite3" .venv/bin/pytest -q -n 2 --dist loadgroup "$@" || status=1

echo "== PostgreSQL ($PG_URL) =="
if .venv/bin/python - "$PG_URL" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1].replace("postgres://", "postgresql://"), connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL unreachable: {exc}", file=sys.stderr)
    sys.exit(1)
PY
then
  DATABASE_URL="$PG_URL" .venv/bin/pytest -q -n 2 --dist loadgroup "$@" || status=1
elif [ "${CI:-}" = "true" ]; then
  echo "FAILED: CI=true requires PostgreSQL at $PG_URL" >&2
  status=1
else
  echo "SKIPPED: PostgreSQL run (not reachable; mandatory when CI=true)" >&2
fi
exit $status
