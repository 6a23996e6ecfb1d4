"""`make bench`, part 2: importing the statistics list at province scale.

For PostgreSQL and SQLite, in separate child processes (so each peak RSS is its own):
- baseline: read the same .xlsx with the fastest reader installed (python-calamine, and
  fastexcel when present) and write the rows raw into a bare table (PostgreSQL `COPY`,
  SQLite `executemany`), in the same run;
- import: `import_statistics_list` into an empty directory (first province load), then the same
  file again (everything unchanged).
Writes var/bench/import.json and var/bench/import.md.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "var" / "bench"
ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "500000"))
PG_ADMIN = os.environ.get("SAFERISK_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saferisk.settings")
    import django

    django.setup()


def child_baseline(path: Path) -> dict[str, float]:
    _setup()
    from django.db import connection, transaction
    from python_calamine import CalamineWorkbook

    t0 = time.perf_counter()
    rows = [tuple(r) for r in CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).iter_rows()]
    read_calamine = time.perf_counter() - t0
    read_best, reader = read_calamine, "python-calamine"
    try:
        import fastexcel

        t0 = time.perf_counter()
        fastexcel.read_excel(str(path)).load_sheet(0, header_row=None, dtypes="string").to_arrow()
        read_fastexcel = time.perf_counter() - t0
        if read_fastexcel < read_best:
            read_best, reader = read_fastexcel, "fastexcel"
    except ImportError:
        pass
    data = [tuple("" if v is None else str(v) for v in r) for r in rows[3:]]
    width = len(data[0])
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_import_baseline")
        cur.execute(f"CREATE TABLE bench_import_baseline ({', '.join(f'c{i} text' for i in range(width))})")
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy("COPY bench_import_baseline FROM STDIN") as copy:
                for row in data:
                    copy.write_row(row)
        else:
            cur.executemany(f"INSERT INTO bench_import_baseline VALUES ({', '.join(['%s'] * width)})", data)
    write = time.perf_counter() - t0
    return {"read_s": read_best, "reader": reader, "read_calamine_s": read_calamine, "write_s": write}  # type: ignore[dict-item]


def child_import(path: Path) -> dict[str, object]:
    _setup()
    from django.core.management import call_command
    from django.db import connection

    from saferisk.core.context import cli_context
    from saferisk.enterprises.importer import import_statistics_list

    call_command("migrate", verbosity=0)
    out: dict[str, object] = {"vendor": connection.vendor}
    with cli_context():
        t0 = time.perf_counter()
        first = import_statistics_list(actor=None, path=path)
        out["first_s"] = time.perf_counter() - t0
        out["first"] = {k: getattr(first, k) for k in ("rows", "created", "updated", "unchanged", "rejected")}
        out["first_timings"] = first.timings
        out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t0 = time.perf_counter()
        again = import_statistics_list(actor=None, path=path)
        out["again_s"] = time.perf_counter() - t0
        out["again"] = {k: getattr(again, k) for k in ("rows", "created", "updated", "unchanged", "rejected")}
    return out


def run(kind: str, url: str, path: Path) -> dict[str, object]:
    env = {**os.environ, "DATABASE_URL": url, "SAFERISK_VAR_DIR": str(OUT / "var")}
    proc = subprocess.run(
        [sys.executable, __file__, kind, str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"import benchmark failed ({kind}, {url})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    import psycopg

    sys.path.insert(0, str(ROOT / "bench"))
    from statistics_list import cached

    OUT.mkdir(parents=True, exist_ok=True)
    path = cached(ROWS)
    results = []
    sqlite_file = OUT / "import.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{sqlite_file}{suffix}").unlink(missing_ok=True)
    targets = [("sqlite", f"sqlite:///{sqlite_file}")]
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
        conn.execute("DROP DATABASE IF EXISTS saferisk_bench_import")
        conn.execute("CREATE DATABASE saferisk_bench_import")
    targets.append(("postgresql", PG_ADMIN.rsplit("/", 1)[0] + "/saferisk_bench_import"))
    for _vendor, url in targets:
        imported = run("--import", url, path)
        baseline = run("--baseline", url, path)
        results.append({**imported, "baseline": baseline})
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    lines = [
        f"Machine: {machine}; file {path.name} ({path.stat().st_size / 1e6:.0f} MB, {ROWS:,} rows).",
        "",
        "| database | import (first load) | baseline: read + raw write | ratio | re-import (all unchanged) | peak RSS | phases of the first load |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        b = r["baseline"]
        base = b["read_s"] + b["write_s"]
        phases = ", ".join(f"{k} {v:.1f} s" for k, v in r["first_timings"].items())
        lines.append(
            f"| {r['vendor']} | {r['first_s']:.1f} s | {base:.1f} s ({b['reader']} {b['read_s']:.1f} s + "
            f"{'COPY' if r['vendor'] == 'postgresql' else 'executemany'} {b['write_s']:.1f} s) | "
            f"{r['first_s'] / base:.2f}× | {r['again_s']:.1f} s | {r['peak_rss_mb']:.0f} MB | {phases} |"
        )
    report = "\n".join(lines)
    print(report)
    (OUT / "import.json").write_text(json.dumps({"machine": machine, "results": results}, indent=2))
    (OUT / "import.md").write_text(report + "\n")


if __name__ == "__main__":
    if "--baseline" in sys.argv:
        print(json.dumps(child_baseline(Path(sys.argv[-1]))))
    elif "--import" in sys.argv:
        print(json.dumps(child_import(Path(sys.argv[-1]))))
    else:
        main()
