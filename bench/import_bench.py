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


def _pss_mb(pid: int) -> float:
    """Proportional set size of one process: shared pages split between their sharers, so the
    sum over a parent and its forked workers is the memory they really take together."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


class MemorySampler:
    """Samples the summed PSS of this process and its children every 0.2 s (Linux)."""

    def __init__(self) -> None:
        import threading

        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.wait(0.2):
            total = _pss_mb(me) + sum(_pss_mb(c) for c in _children(me))
            self.peak = max(self.peak, total)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


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
        with MemorySampler() as memory:
            first = import_statistics_list(actor=None, path=path)
        out["first_s"] = time.perf_counter() - t0
        out["peak_pss_total_mb"] = memory.peak
        out["first"] = {k: getattr(first, k) for k in ("rows", "created", "updated", "unchanged", "rejected")}
        out["first_timings"] = first.timings
        out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        # Forked check workers (PostgreSQL) share the parent's pages copy-on-write; the largest.
        out["peak_worker_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        t0 = time.perf_counter()
        again = import_statistics_list(actor=None, path=path)
        out["again_s"] = time.perf_counter() - t0
        out["again"] = {k: getattr(again, k) for k in ("rows", "created", "updated", "unchanged", "rejected")}
    return out


def child_pages() -> dict[str, object]:
    """The directory at 500,000 enterprises, as its users page through it: the list page (HTML,
    first page then 20 pages onwards by cursor) for a province admin, a city and a county
    regulator in each sort, and the API's deep page by OFFSET against the same page by cursor.
    Baseline: the bare /healthz endpoint through the same client."""
    os.environ["ALLOWED_HOSTS"] = "testserver"
    _setup()
    import re
    import statistics

    from django.test import Client

    from saferisk.core.services import api_token_create
    from saferisk.testing.makers import make_user

    def timed(client: Client, url: str, **extra: object) -> tuple[float, object]:
        t0 = time.perf_counter()
        response = client.get(url, **extra)  # type: ignore[arg-type]
        elapsed = time.perf_counter() - t0
        assert response.status_code == 200, (url, response.status_code)
        return elapsed * 1000, response

    from saferisk.core.models import User

    def user(name: str, role: str, region: str | None = None) -> User:
        existing = User.objects.filter(username=name).first()
        return existing or make_user(name, role, region=region)

    admin = user("bench_admin", "admin")
    city = user("bench_city", "regulator", "320500")
    county = user("bench_county", "regulator", "320506")
    base = Client()
    base_ms = sorted(timed(base, "/healthz")[0] for _ in range(50))
    out: dict[str, object] = {"healthz_p50_ms": statistics.median(base_ms)}
    pages: list[dict[str, object]] = []
    for user in (admin, city, county):
        client = Client()
        client.force_login(user)
        for sort in ("region", "name", "updated"):
            first_ms, response = timed(client, f"/enterprises/?sort={sort}")
            later = []
            for _ in range(20):
                match = re.search(r'rel="next" href="\?([^"]+)"', response.content.decode())  # type: ignore[attr-defined]
                if not match:
                    break
                ms, response = timed(client, "/enterprises/?" + match.group(1).replace("&amp;", "&"))
                later.append(ms)
            pages.append(
                {
                    "user": user.username.removeprefix("bench_"),
                    "sort": sort,
                    "first_ms": first_ms,
                    "later_p50_ms": statistics.median(later) if later else None,
                    "later_max_ms": max(later) if later else None,
                }
            )
    out["pages"] = pages
    _, key = api_token_create(actor=None, user=admin, name="bench")
    api = Client(headers={"Authorization": f"Bearer {key}"})
    first_api_ms, response = timed(api, "/api/v1/enterprises", data={"page_size": 50})
    deep = max(1, min(5000, response.json()["count"] // 50 - 1))  # type: ignore[attr-defined]
    offset_ms, response = timed(api, "/api/v1/enterprises", data={"page": deep, "page_size": 50})
    cursor = response.json()["next"]  # type: ignore[attr-defined]
    cursor_ms, _ = timed(
        api, "/api/v1/enterprises", data={"after": cursor, "page_size": 50, "page": deep + 1}
    )
    out["api"] = {
        "first_ms": first_api_ms,
        "deep_page": deep,
        "offset_deep_ms": offset_ms,
        "cursor_next_ms": cursor_ms,
    }
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
        pages = run("--pages", url, path)
        baseline = run("--baseline", url, path)
        results.append({**imported, "baseline": baseline, "directory": pages})
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    lines = [
        f"Machine: {machine}; file {path.name} ({path.stat().st_size / 1e6:.0f} MB, {ROWS:,} rows).",
        "",
        "| database | import (first load) | baseline: read + raw write | ratio | re-import (all unchanged) | peak memory: PSS of all processes (RSS main / largest worker) | phases of the first load |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        b = r["baseline"]
        base = b["read_s"] + b["write_s"]
        phases = ", ".join(f"{k} {v:.1f} s" for k, v in r["first_timings"].items())
        lines.append(
            f"| {r['vendor']} | {r['first_s']:.1f} s | {base:.1f} s ({b['reader']} {b['read_s']:.1f} s + "
            f"{'COPY' if r['vendor'] == 'postgresql' else 'executemany'} {b['write_s']:.1f} s) | "
            f"{r['first_s'] / base:.2f}× | {r['again_s']:.1f} s | {r['peak_pss_total_mb']:.0f} MB ({r['peak_rss_mb']:.0f} / {r['peak_worker_rss_mb']:.0f} MB) | {phases} |"
        )
    lines += [
        "",
        "Directory at this size (after the import above; ms per request through Django's test client,",
        "HTML list page with count; later = the 20 pages after the first, followed by cursor):",
        "",
        "| database | user | sort | first page | later pages p50 / max | bare /healthz p50 |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        d = r["directory"]
        for p in d["pages"]:
            later = (
                f"{p['later_p50_ms']:.0f} / {p['later_max_ms']:.0f}" if p["later_p50_ms"] is not None else "–"
            )
            lines.append(
                f"| {r['vendor']} | {p['user']} | {p['sort']} | {p['first_ms']:.0f} | {later} | {d['healthz_p50_ms']:.1f} |"
            )
    lines += [
        "",
        "| database | API first page | API deep page by OFFSET | the page after it by cursor |",
        "|---|---|---|---|",
    ]
    for r in results:
        a = r["directory"]["api"]
        lines.append(
            f"| {r['vendor']} | {a['first_ms']:.0f} ms | page {a['deep_page']:,}: {a['offset_deep_ms']:.0f} ms | {a['cursor_next_ms']:.0f} ms |"
        )
    report = "\n".join(lines)
    print(report)
    (OUT / "import.json").write_text(json.dumps({"machine": machine, "results": results}, indent=2))
    (OUT / "import.md").write_text(report + "\n")


if __name__ == "__main__":
    if "--baseline" in sys.argv:
        print(json.dumps(child_baseline(Path(sys.argv[-1]))))
    elif "--pages" in sys.argv:
        print(json.dumps(child_pages()))
    elif "--import" in sys.argv:
        print(json.dumps(child_import(Path(sys.argv[-1]))))
    else:
        main()
