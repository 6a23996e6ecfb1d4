"""`make bench`: figures of the foundation, each with a baseline measured in the same run.

For SQLite (a file under var/bench/) and PostgreSQL (database `saferisk_bench`, dropped and
created), in a child process per database:
- demo load: N enterprises through the services (bulk create + one chained audit event each)
  against a baseline of the same rows inserted with raw `executemany` into a bare table;
- audit verify: events checked per second;
- API: p50/p95 of the scoped enterprise list (page of 50, county regulator, bearer token)
  against the bare health endpoint, in-process through Django's test client.
Prints a Markdown table and writes var/bench/foundation.json.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "var" / "bench"
N = int(os.environ.get("BENCH_ENTERPRISES", "10000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))
PG_ADMIN = os.environ.get("SAFERISK_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


def child() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saferisk.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client

    from saferisk.core.audit import audit_verify
    from saferisk.core.context import cli_context
    from saferisk.core.demo import build_demo, generate_enterprises
    from saferisk.core.models import User
    from saferisk.core.services import api_token_create

    call_command("migrate", verbosity=0)
    rows = generate_enterprises(count=N, seed=11)

    # Baseline: the same rows, raw executemany into a bare table in one transaction.
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_baseline")
        cur.execute(
            "CREATE TABLE bench_baseline (uscc varchar(18), name varchar(200), region varchar(12), industry varchar(5),"
            " address varchar(200), employees integer)"
        )
    values = [(r.uscc, r.name, r.region_id, r.industry_id, r.address, r.employees) for r in rows]
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.executemany("INSERT INTO bench_baseline VALUES (%s, %s, %s, %s, %s, %s)", values)
    baseline_load = time.perf_counter() - t0

    t0 = time.perf_counter()
    with cli_context():
        build_demo(enterprises=N, seed=11)
    demo_load = time.perf_counter() - t0

    t0 = time.perf_counter()
    check = audit_verify()
    verify = time.perf_counter() - t0

    _, key = api_token_create(actor=None, user=User.objects.get(username="county_regulator"))
    client = Client(headers={"Authorization": f"Bearer {key}"})

    def timed(path: str) -> list[float]:
        out = []
        for _ in range(REQUESTS):
            t = time.perf_counter()
            response = client.get(path)
            out.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        return sorted(out)

    timed("/healthz")  # warm up
    bare = timed("/healthz")
    api = timed("/api/v1/enterprises?page_size=50")
    api_deep = timed("/api/v1/enterprises?page_size=50&page=10")

    def pct(xs: list[float], p: float) -> float:
        return xs[min(len(xs) - 1, int(len(xs) * p))]

    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "enterprises": N,
                "baseline_load_s": baseline_load,
                "demo_load_s": demo_load,
                "audit_events": check.checked,
                "audit_ok": check.ok,
                "audit_verify_s": verify,
                "bare_p50_ms": statistics.median(bare),
                "bare_p95_ms": pct(bare, 0.95),
                "api_p50_ms": statistics.median(api),
                "api_p95_ms": pct(api, 0.95),
                "api_deep_p95_ms": pct(api_deep, 0.95),
            }
        )
    )


def run_for(url: str) -> dict[str, object]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SAFERISK_VAR_DIR": str(OUT / "var"),
        "ALLOWED_HOSTS": "testserver",
    }
    proc = subprocess.run(
        [sys.executable, __file__, "--child"], env=env, capture_output=True, text=True, check=False, cwd=ROOT
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"benchmark failed for {url}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    results = []
    sqlite_file = OUT / "bench.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{sqlite_file}{suffix}").unlink(missing_ok=True)
    results.append(run_for(f"sqlite:///{sqlite_file}"))
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
            conn.execute("DROP DATABASE IF EXISTS saferisk_bench")
            conn.execute("CREATE DATABASE saferisk_bench")
        results.append(run_for(PG_ADMIN.rsplit("/", 1)[0] + "/saferisk_bench"))
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL skipped: {exc}", file=sys.stderr)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    lines = [
        f"Machine: {machine}; {N:,} enterprises; {REQUESTS} requests per endpoint.",
        "",
        "| database | demo load (services + audit) | baseline raw insert | ratio | audit verify | API list p50 / p95 | bare endpoint p50 / p95 | ratio p95 | deep page p95 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['vendor']} | {r['demo_load_s']:.2f} s | {r['baseline_load_s']:.2f} s | "
            f"{r['demo_load_s'] / r['baseline_load_s']:.1f}× | {r['audit_events']:,} events in {r['audit_verify_s']:.2f} s "
            f"({'ok' if r['audit_ok'] else 'BROKEN'}) | {r['api_p50_ms']:.1f} / {r['api_p95_ms']:.1f} ms | "
            f"{r['bare_p50_ms']:.1f} / {r['bare_p95_ms']:.1f} ms | {r['api_p95_ms'] / r['bare_p95_ms']:.1f}× | "
            f"{r['api_deep_p95_ms']:.1f} ms |"
        )
    report = "\n".join(lines)
    print(report)
    (OUT / "foundation.json").write_text(json.dumps({"machine": machine, "results": results}, indent=2))
    (OUT / "foundation.md").write_text(report + "\n")


if __name__ == "__main__":
    child() if "--child" in sys.argv else main()
