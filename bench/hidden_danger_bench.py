"""`make bench`, part 5: hidden dangers at twenty million (issue 6).

On the province of `bench/province_data.py` (500,000 enterprises) with the 20,000,000 hidden
dangers of `bench/hidden_danger_data.py` (one enterprise holding 200,000 of them; both loads
cached between runs), in the same run:

- **statistics**: `hidden_dangers.statistics.overview(user, year=<this year>)` for the province
  (江苏省), a city (苏州市) and a county (吴中区) regulator, BENCH_HD_RUNS (30) runs after 3
  warm-up runs: p50 and p95; and the statistics page (`hidden_dangers:statistics`) through
  Django's test client, BENCH_HD_PAGE_RUNS (20) runs;
- **baseline** (same run): a bare query through the ORM's connection (`SELECT 1`) for the
  functions, the bare `/healthz` endpoint through the same client for the pages;
- **live group-by**, once, for information: the same year's counts grouped over the hidden
  dangers of the region, what the count tables exist to avoid;
- **enterprise lists** of the enterprise with 200,000 hidden dangers, as its filler:
  `keyset_page` over `listing.paged(listing.hidden_dangers(user, Filters(state=…)), filters)`,
  newest first (all), by deadline (open, the page's default; and unrectified) at page 1, about
  page 100 and the deepest page (about 4,000 for all): the cursor is built from the last row of
  the page before, as following the "next" links would leave it. Ratio deep / page 1;
- **regulator lists**: a county regulator's overdue list, first page (`keyset_page` and the
  page `hidden_dangers:overdue_list`), and the ledger's default page (`hidden_dangers:hd_list`,
  open ones by deadline) for the county and the province;
- EXPLAIN ANALYZE of the queries behind every figure over its goal, written beside the results.

Goals: statistics p95 < 500 ms at province level; a deep page within 1.5× of page 1.
Writes var/bench/hidden_dangers.json, var/bench/hidden_dangers.md (the tables for
docs/benchmarks.md) and var/bench/hidden_dangers_explain.txt.
"""

from __future__ import annotations

import json
import os
import platform
import statistics as stats
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench"
RUNS = int(os.environ.get("BENCH_HD_RUNS", "30"))
PAGE_RUNS = int(os.environ.get("BENCH_HD_PAGE_RUNS", "20"))
SLOW_S = 2.0  # a call slower than this is timed 3 times only
STATISTICS_P95_MS = 500.0
DEEP_RATIO = 1.5
STATE_ORDER = ("found", "assessed", "rectifying", "rectified", "accepted", "closed")
LOAD_STAGES = ("clear", "plan", "rows", "indexes", "vacuum analyze", "tally.rebuild", "total")


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {
        "p50_ms": round(stats.median(ordered) * 1000, 2),
        "p95_ms": round(p95 * 1000, 2),
        "runs": len(ordered),
    }


def _timed(fn: Callable[[], Any], runs: int, warm: int = 3) -> tuple[dict[str, float], Any]:
    """p50/p95 of `runs` calls after `warm` calls; a call over SLOW_S cuts it to 3 runs."""
    result = None
    t0 = time.perf_counter()
    result = fn()
    if time.perf_counter() - t0 > SLOW_S:
        warm, runs = 0, 3
    for _ in range(max(0, warm - 1)):
        result = fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - t0)
    return _ms(samples), result


def _explain(sql: str, params: Any) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(r[0] for r in cursor.fetchall())


def _sql_of(qs: Any) -> tuple[str, Any]:
    sql, params = qs.query.sql_with_params()
    return sql, params


LIVE = """
SELECT substr(region_code, 1, %(depth)s), grade, state, count(*), count(*) FILTER (WHERE on_time)
FROM hidden_dangers_hiddendanger
WHERE region_code >= %(low)s AND region_code < %(high)s AND found_on >= %(start)s AND found_on < %(end)s
GROUP BY 1, 2, 3
"""


def run() -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "bench"))
    from province_data import ENTERPRISES, RISKS, load_province, setup

    os.environ["ALLOWED_HOSTS"] = "testserver"  # the test client's host, before settings load
    setup(ENTERPRISES, RISKS)
    from django.db import connection

    with connection.cursor() as cursor:
        # As reporting_bench.py: RiskReport.source_people has no database default (bench only).
        cursor.execute("ALTER TABLE reporting_riskreport ALTER COLUMN source_people SET DEFAULT '{}'::jsonb")
    province = load_province(ENTERPRISES, RISKS)
    from hidden_danger_data import load_hidden_dangers

    info = load_hidden_dangers()

    import datetime as dt

    from django.db.models import Count
    from django.db.models.functions import Substr
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from saferisk.core.keyset import _after, decode, encode, keyset_page
    from saferisk.core.models import User
    from saferisk.core.scoping import scoped
    from saferisk.hidden_dangers import listing
    from saferisk.hidden_dangers.models import UNRECTIFIED, HiddenDanger
    from saferisk.reporting.dashboard import under

    today = timezone.localdate()
    year = today.year
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        pg_version = cursor.fetchone()[0].split(",")[0]
        cursor.execute("SELECT pg_database_size(current_database())")
        db_bytes = cursor.fetchone()[0]
        # Sizes now (the load's own figures predate any index added since).
        cursor.execute(
            "SELECT indexrelname, pg_relation_size(indexrelid) FROM pg_stat_user_indexes WHERE relname = %s",
            ["hidden_dangers_hiddendanger"],
        )
        info["indexes"] = dict(cursor.fetchall())
        cursor.execute(
            "SELECT pg_relation_size(%s::regclass), pg_total_relation_size(%s::regclass)",
            ["hidden_dangers_hiddendanger"] * 2,
        )
        heap, total = cursor.fetchone()
        info["sizes"] = {**info["sizes"], "hidden_dangers_hiddendanger": {"heap": heap, "total": total}}
    explains: list[str] = []

    def bare() -> Any:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()

    base_ms, _ = _timed(bare, RUNS * 10)
    log(f"baseline SELECT 1: p50 {base_ms['p50_ms']} p95 {base_ms['p95_ms']} ms")

    # --- Statistics ----------------------------------------------------------------------------------
    try:
        from saferisk.hidden_dangers import statistics as hd_statistics
    except ImportError:  # not written yet
        hd_statistics = None  # type: ignore[assignment]
    try:
        statistics_url = reverse("hidden_dangers:statistics")
    except Exception:  # noqa: BLE001 (not routed yet)
        statistics_url = ""
    stat_results = []
    for key in ("province", "city", "county"):
        user = User.objects.select_related("region", "department").get(username=province["users"][key])
        row: dict[str, Any] = {"user": key, "region": user.region.name if user.region else ""}
        client = Client()
        client.force_login(user)
        health_ms, response = _timed(partial(client.get, "/healthz"), PAGE_RUNS * 5)
        row["healthz"] = health_ms
        if hd_statistics is not None and hasattr(hd_statistics, "overview"):
            ms, figures = _timed(partial(hd_statistics.overview, user, year=year), RUNS)
            row["overview"] = ms
            row["ratio_p50"] = round(ms["p50_ms"] / base_ms["p50_ms"], 1)
            row["ratio_p95"] = round(ms["p95_ms"] / base_ms["p95_ms"], 1)
            totals = figures["totals"]
            row["figures"] = {
                "found": totals["found"],
                "unrectified": totals["unrectified"],
                "overdue": totals["overdue"],
                "major": totals["major"],
                "rectification_rate": totals["rectification_rate"],
                "on_time_rate": totals["on_time_rate"],
                "children": len(figures["regions"]),
            }
            # The one live read: overdue by child region.
            scope = hd_statistics.statistics_scope(user, today=today)
            low = scope.prefix
            high = str(int(low) + 1).zfill(len(low))
            t0 = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(
                    LIVE,
                    {
                        "depth": scope.depth,
                        "low": low,
                        "high": high,
                        "start": dt.date(year, 1, 1),
                        "end": dt.date(year + 1, 1, 1),
                    },
                )
                cursor.fetchall()
            row["live_ms"] = round((time.perf_counter() - t0) * 1000)
            if ms["p95_ms"] >= STATISTICS_P95_MS or key == "province":
                qs = hd_statistics.tally_rows(scope, year=year)
                explains.append(f"== overview({key}): the count rows it sums\n" + _explain(*_sql_of(qs)))
                overdue_qs = (
                    scoped(user, HiddenDanger)
                    .filter(under("region_code", scope.prefix), state__in=UNRECTIFIED, deadline__lt=today)
                    .order_by()
                    .annotate(child=Substr("region_code", 1, scope.depth))
                    .values_list("child")
                    .annotate(n=Count("id"))
                )
                explains.append(
                    f"== overview({key}): overdue by child region\n" + _explain(*_sql_of(overdue_qs))
                )
        if statistics_url:
            page_ms, response = _timed(partial(client.get, statistics_url), PAGE_RUNS)
            assert response.status_code == 200, response.status_code
            row["page"] = page_ms
            row["page_ratio_p95"] = round(page_ms["p95_ms"] / health_ms["p95_ms"], 1)
        stat_results.append(row)
        log(f"statistics {key}: {json.dumps(row, ensure_ascii=False, default=str)}")

    # --- The enterprise's lists, deep pages -------------------------------------------------------------
    ent_user = User.objects.select_related("enterprise").get(username=info["users"]["enterprise"])
    list_results = []
    for state in ("", "open", "unrectified"):
        filters = listing.Filters(state=state)
        qs = listing.hidden_dangers(ent_user, filters, today=today).select_related("enterprise")
        source, order = listing.paged(qs, filters)
        names = [f.lstrip("-") for f in order]
        total = source.order_by().count()
        last_page = max(1, (total + 49) // 50)
        pages = sorted({1, min(100, last_page), min(4000, last_page)})
        measured: dict[str, Any] = {
            "state": state or "all",
            "order": " ".join(order),
            "rows": total,
            "pages": {},
        }
        for number in pages:
            cursor_value = None
            if number > 1:
                before_row = source.order_by(*order).values_list(*names)[(number - 1) * 50 - 1]
                cursor_value = encode(list(before_row))
            ms, page = _timed(
                partial(keyset_page, source, fields=order, cursor=cursor_value, size=50, number=number),
                RUNS,
            )
            assert len(page.items) > 0, (state, number)
            measured["pages"][str(number)] = ms
            if number == pages[-1] and number > 1:
                measured["deepest"] = number
                first = measured["pages"]["1"]
                measured["ratio_p50"] = round(ms["p50_ms"] / first["p50_ms"], 2)
                measured["ratio_p95"] = round(ms["p95_ms"] / first["p95_ms"], 2)
                if measured["ratio_p95"] > DEEP_RATIO or first["p95_ms"] > 100:
                    keys_qs = source.select_related(None).order_by(*order)
                    values = decode(cursor_value, len(order))
                    if values is not None:
                        keys_qs = _after(keys_qs, order, values)
                    explains.append(
                        f"== enterprise list state={state or 'all'} page {number}: keys\n"
                        + _explain(*_sql_of(keys_qs.values_list("pk", flat=True)[:51]))
                    )
                    explains.append(
                        f"== enterprise list state={state or 'all'}: count\n"
                        + _explain(*_sql_of(source.order_by().values("pk")))
                    )
        list_results.append(measured)
        log(f"enterprise list: {json.dumps(measured, ensure_ascii=False)}")

    # --- Pages through the client: the enterprise's ledger, the county's overdue list, the ledger ---------
    page_results = []
    try:
        hd_list_url = reverse("hidden_dangers:hd_list")
    except Exception:  # noqa: BLE001
        hd_list_url = ""
    try:
        overdue_url = reverse("hidden_dangers:overdue_list")
    except Exception:  # noqa: BLE001
        overdue_url = ""
    county = User.objects.select_related("region").get(username=province["users"]["county"])
    province_user = User.objects.select_related("region").get(username=province["users"]["province"])
    filters = listing.Filters(state="overdue")
    qs = listing.hidden_dangers(county, filters, today=today).select_related("enterprise")
    ms, page = _timed(lambda: keyset_page(qs, fields=listing.BY_DEADLINE, cursor=None, size=50), RUNS)
    page_results.append(
        {"what": "county overdue list, first page (keyset_page)", "rows": page.count, "timing": ms}
    )
    if ms["p95_ms"] > 200:
        explains.append(
            "== county overdue list: keys\n"
            + _explain(
                *_sql_of(qs.select_related(None).order_by(*listing.BY_DEADLINE).values_list("pk")[:51])
            )
        )
        explains.append("== county overdue list: count\n" + _explain(*_sql_of(qs.order_by().values("pk"))))
    for label, user, url, params in (
        ("enterprise ledger (open, by deadline), first page", ent_user, hd_list_url, {}),
        ("enterprise ledger, all, first page", ent_user, hd_list_url, {"state": "all"}),
        ("county overdue list page, first page", county, overdue_url, {}),
        ("county ledger (open, by deadline), first page", county, hd_list_url, {}),
        ("province ledger (open, by deadline), first page", province_user, hd_list_url, {}),
    ):
        if not url:
            continue
        client = Client()
        client.force_login(user)
        ms, response = _timed(partial(client.get, url, params), PAGE_RUNS)
        assert response.status_code == 200, (label, response.status_code)
        page_results.append({"what": label, "timing": ms})
        log(f"{label}: {ms}")
    for label, user in (("county", county), ("province", province_user)):
        filters = listing.Filters(state="open")
        qs = listing.hidden_dangers(user, filters, today=today)
        source, order = listing.paged(qs, filters)
        slow = [r for r in page_results if r["what"].startswith(f"{label} ledger")]
        if slow and slow[0]["timing"]["p95_ms"] > 500:
            explains.append(
                f"== {label} ledger (open): keys\n"
                + _explain(*_sql_of(source.select_related(None).order_by(*order).values_list("pk")[:51]))
            )
            explains.append(
                f"== {label} ledger (open): count\n" + _explain(*_sql_of(source.order_by().values("pk")))
            )

    return {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "database": pg_version,
        "database_bytes": db_bytes,
        "enterprises": province["enterprises"],
        "hidden_dangers": {k: v for k, v in info.items() if k not in ("users",)},
        "year": year,
        "today": today.isoformat(),
        "runs": RUNS,
        "page_runs": PAGE_RUNS,
        "baseline": base_ms,
        "statistics": stat_results,
        "enterprise_lists": list_results,
        "pages": page_results,
        "explain": explains,
    }


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:,.0f} MB" if n < 1024**3 else f"{n / 1024**3:,.1f} GB"


def markdown(data: dict[str, Any]) -> str:
    hd = data["hidden_dangers"]
    states = hd["states"]
    rows = hd["rows"]
    sizes = hd["sizes"]["hidden_dangers_hiddendanger"]
    lines = [
        f"Machine: {data['machine']}; {data['database']}; {data['enterprises']:,} enterprises, "
        f"{rows:,} hidden dangers found {data['year']}-01-01 … {data['today']} (states: "
        + ", ".join(f"{k} {states[k]:,}" for k in STATE_ORDER if k in states)
        + f"; overdue {hd['overdue']:,}; major {hd['major']:,}; one enterprise holds {hd['big_rows']:,}); "
        f"table {_mb(sizes['heap'])}, with indexes {_mb(sizes['total'])}; database {_mb(data['database_bytes'])}. "
        f"{data['runs']} runs per function, {data['page_runs']} per page, after warm-up.",
        "",
        "Load: "
        + ", ".join(f"{k} {hd['timings'][k]:,.0f} s" for k in LOAD_STAGES if k in hd["timings"])
        + (" (cached: timings of the load that made it)" if hd.get("cached") else ""),
        "",
        "Indexes: "
        + ", ".join(f"{k} {_mb(v)}" for k, v in sorted(hd["indexes"].items(), key=lambda kv: -kv[1])),
        "",
        f"Baseline: `SELECT 1` through the ORM's connection p50 {data['baseline']['p50_ms']:.2f} / p95 "
        f"{data['baseline']['p95_ms']:.2f} ms.",
        "",
        "| user | found this year | overview() p50 / p95 | × baseline p50 / p95 | live group-by (once) "
        "| statistics page p50 / p95 | /healthz p50 / p95 | page × /healthz p95 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in data["statistics"]:
        ov = r.get("overview")
        page = r.get("page")
        lines.append(
            f"| {r['user']} | {r['region']} ({r.get('figures', {}).get('found', 0):,}) "
            + (
                f"| {ov['p50_ms']:.1f} / {ov['p95_ms']:.1f} ms | {r['ratio_p50']:,}× / {r['ratio_p95']:,}× "
                if ov
                else "| – | – "
            )
            + f"| {r.get('live_ms', 0):,} ms "
            + (f"| {page['p50_ms']:.0f} / {page['p95_ms']:.0f} ms " if page else "| – ")
            + f"| {r['healthz']['p50_ms']:.1f} / {r['healthz']['p95_ms']:.1f} ms "
            + (f"| {r['page_ratio_p95']}× |" if page else "| – |")
        )
    lines += [
        "",
        "| enterprise list (200,000-row enterprise) | rows | order | page 1 p50 / p95 | about page 100 p50 / p95 "
        "| deepest page p50 / p95 | deep / page 1 p50 / p95 |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in data["enterprise_lists"]:
        pages = r["pages"]
        first = pages["1"]
        mid = pages.get("100")
        deep_n = r.get("deepest")
        deep = pages.get(str(deep_n)) if deep_n else None
        lines.append(
            f"| state={r['state']} | {r['rows']:,} | {r['order']} | {first['p50_ms']:.1f} / {first['p95_ms']:.1f} ms "
            + (f"| {mid['p50_ms']:.1f} / {mid['p95_ms']:.1f} ms " if mid else "| – ")
            + (f"| page {deep_n:,}: {deep['p50_ms']:.1f} / {deep['p95_ms']:.1f} ms " if deep else "| – ")
            + (f"| {r['ratio_p50']}× / {r['ratio_p95']}× |" if deep else "| – |")
        )
    lines += ["", "| page | p50 / p95 | runs |", "|---|---|---|"]
    for r in data["pages"]:
        t = r["timing"]
        extra = f" ({r['rows']:,} rows)" if "rows" in r else ""
        lines.append(f"| {r['what']}{extra} | {t['p50_ms']:.0f} / {t['p95_ms']:.0f} ms | {t['runs']} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    data = run()
    (OUT / "hidden_dangers_explain.txt").write_text("\n\n".join(data["explain"]) + "\n")
    (OUT / "hidden_dangers.json").write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    text = markdown(data)
    (OUT / "hidden_dangers.md").write_text(text)
    print(text)
    failed = [
        r["user"]
        for r in data["statistics"]
        if r["user"] == "province" and r.get("overview", {}).get("p95_ms", 1e9) >= STATISTICS_P95_MS
    ]
    failed += [f"list {r['state']}" for r in data["enterprise_lists"] if r.get("ratio_p95", 1) > DEEP_RATIO]
    if failed:
        print(
            f"hidden dangers over their goal (statistics p95 < {STATISTICS_P95_MS:.0f} ms at province level; "
            f"deep page ≤ {DEEP_RATIO}× page 1): {failed}; see var/bench/hidden_dangers_explain.txt"
        )


if __name__ == "__main__":
    main()
