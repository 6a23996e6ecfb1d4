"""A province's data for benchmarks: Jiangsu at DESIGN §6 scale, loaded by PostgreSQL COPY.

Used by the reporting dashboard benchmark (bench/reporting_bench.py) and meant for the later
hidden-danger and load benchmarks. Contract:

    from province_data import setup, load_province   # bench/ on sys.path
    setup(enterprises, risks)      # before Django: creates or reuses the database, django.setup(), migrate
    info = load_province(enterprises, risks)          # inside Django: loads, or reuses a cached load

`load_province(enterprises=BENCH_REPORT_ENTERPRISES (500,000), risks=BENCH_REPORT_RISKS
(5,000,000), *, seed=5, measure_open=False, force_campaign=False) -> dict` expects Django
connected to a migrated PostgreSQL database that is empty (as `setup` leaves it) or holds an
earlier load of the same sizes and seed (see Cache; a non-empty database without that marker is
refused). It returns a JSON-ready dict:

- `campaign_id`: the province-wide annual campaign, opened through the real service
  `services.campaign_open` by the province regulator, `opens_on` 75 days before the day of
  loading and `deadline` 15 days after it (dates are relative to `loaded_on`, which is returned);
- `enterprises`, `above_scale`, `risks` (rows written, retired ones too; about the size asked
  for), `levels` {MAJOR, LARGE, GENERAL, LOW: active risks}, `measures`;
- `tasks`, `states` {task state: count}, `nil` (nil reports of submitted or accepted tasks),
  `reports`, `progress_rows` {table: rows of the campaign}, `region_points`;
- `users` {"province", "city", "county": username}: regulators of 江苏省 320000, 苏州市 320500 and
  吴中区 320506, password `PASSWORD`;
- `register_timings`, `campaign_timings` {phase: seconds, "total"} of the load that made them;
- `campaign_open`: seconds of the opening, `after` {total_s, create_tasks_s, constraint_checks_s,
  rebuild_s, region_points_s}; with `measure_open` (the CLI's default; it adds ~4 minutes at full
  size) also `before` (the same opening with the ORM's bulk_create) and `copy` (a raw COPY of the
  same task rows), both rolled back; written to var/bench/campaign_open.json;
- `database`, `cached` (nothing was loaded), `reloaded` ("nothing", "campaign" or "all").

What is loaded:
- enterprises over the real towns of the Region table, cities weighted as in
  `saferisk.core.demo.CITIES` (counties and towns of a city weighted unevenly), industries from
  the in-scope GB/T 4754 classes by `demo.DIVISION_WEIGHTS`, key sectors by
  `demo.KEY_SECTOR_RULES` (+ 12 % confined space), ~10 % above scale, coordinates inside each
  city's box around its centre, clustered by county and town (so the completion map makes sense);
- risks (LEC-graded, or graded directly from the catalogue): ~1 % MAJOR, ~10 % LARGE, the rest
  GENERAL/LOW, 2 % of the GENERAL/LOW retired. Almost every key-sector or above-scale
  enterprise and ~90 % of the others have at least one reportable risk, the big ones more; a
  reportable risk is mostly an adopted item of the catalogue that applies to the enterprise
  (linked by `catalog_item`), so each enterprise's completeness gap is real: its
  `EnterpriseRiskSummary` counts equal the register's and its `gap` equals
  `completeness_gap(enterprise)`. Reportable risks carry control measures and accident types;
  GENERAL/LOW risks have none, and no risk has `RiskVersion` history rows (version 1);
- the campaign's tasks in a realistic mix (≈55 % accepted, 10 % submitted, 5 % returned,
  10 % draft, 20 % not started; counties vary in diligence, above-scale enterprises are ahead),
  with their reports: the `risks` and `enterprise_data` snapshots are built in SQL exactly as
  `snapshot.py` shapes them, `major_count`/`large_count`/`nil` agree with the register (nil is
  a few %), gaps explained; ~10 % of accepted tasks were returned once first; submissions and
  reviews spread over the campaign's days (rising towards the deadline, quiet at weekends and
  public holidays). Then `progress.rebuild(campaign)`. Reports have no prepared_by/submitted_by
  (no enterprise users); reviews are by the province regulator.

Enterprises and summaries are written by COPY; the risks (and their measures and accident
types) by one INSERT … SELECT each that expands a COPYed plan (per enterprise, the variant and
owner of each risk) against a few hundred risk variants, so 5M rows are never parsed as text.
The big tables are loaded with their secondary indexes and unique constraints dropped and
recreated from their own definitions afterwards (so they end exactly as the migrations define
them), and foreign-key triggers off (`session_replication_role = replica`, in that transaction).

Cache, in two stages, each with its key in the marker table `bench_province_marker`:
- the register (users, enterprises, risks, summaries): sizes, seed, REGISTER_VERSION and the
  migrations of the apps whose tables it fills (REGISTER_APPS: a migration of another app
  does not reload it). `setup()` keeps the database `saferisk_bench_province`
  (BENCH_PROVINCE_DB) when its register key matches, else drops and recreates it;
- the campaign: the register's key, CAMPAIGN_VERSION, the reporting migrations and the source of
  the reporting modules that open a campaign and count it (CAMPAIGN_CODE), and its day: older
  than MAX_AGE_DAYS (its dates are relative to the day of loading) it is redone. A campaign
  that does not match is truncated and made again on the register in place (a few minutes
  instead of the whole load).
`setup(force=True)` (CLI `--force`, or BENCH_PROVINCE_FORCE=1) reloads everything;
`load_province(force_campaign=True)` (CLI `--campaign`, or BENCH_PROVINCE_FORCE=campaign) the
campaign only.

Phase timings go to stderr as they finish. CLI: `python bench/province_data.py [--force]
[--campaign] [--no-open-bench]` prints the dict as JSON; sizes from BENCH_REPORT_ENTERPRISES
and BENCH_REPORT_RISKS.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import json
import math
import os
import platform
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "var" / "bench"
DB_NAME = os.environ.get("BENCH_PROVINCE_DB", "saferisk_bench_province")
PG_ADMIN = os.environ.get("SAFERISK_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
ENTERPRISES = int(os.environ.get("BENCH_REPORT_ENTERPRISES", "500000"))
RISKS = int(os.environ.get("BENCH_REPORT_RISKS", "5000000"))
SEED = 5
# Bump when what the loader writes changes: the register (enterprises, risks), the campaign.
REGISTER_VERSION = 2
CAMPAIGN_VERSION = 2
REGISTER_APPS = ("core", "enterprises", "risks")
CAMPAIGN_CODE = ("bulk.py", "progress.py", "services.py", "snapshot.py", "models.py")
MAX_AGE_DAYS = 7
MARKER = "bench_province_marker"
USERS = (
    ("province", "bench_province", "320000", "江苏省应急管理厅"),
    ("city", "bench_city", "320500", "苏州市应急管理局"),
    ("county", "bench_county", "320506", "苏州市吴中区应急管理局"),
)
PASSWORD = "Bench#Pass2026"  # noqa: S105 (the bench users of a throwaway database)

# Shares of the register and of the campaign.
MAJOR_SHARE = 0.01
LARGE_SHARE = 0.10
ABOVE_SCALE_SHARE = 0.10
STATE_CUTS = (("accepted", 0.55), ("submitted", 0.65), ("returned", 0.70), ("draft", 0.80))
OPENS_DAYS_AGO = 75
DEADLINE_IN_DAYS = 15
# Key sectors whose enterprises carry most MAJOR risks.
MAJOR_SECTORS = frozenset(
    {
        "chemical",
        "dust_explosion",
        "ammonia_refrigeration",
        "molten_metal",
        "metallurgy",
        "gas_use",
        "non_coal_mine",
        "energy_pipeline",
    }
)
# Golden weeks (Spring Festival, National Day): hardly anyone files.
HOLIDAYS = [
    (dt.date(2025, 1, 28), dt.date(2025, 2, 4)),
    (dt.date(2025, 10, 1), dt.date(2025, 10, 8)),
    (dt.date(2026, 2, 15), dt.date(2026, 2, 23)),
    (dt.date(2026, 10, 1), dt.date(2026, 10, 8)),
    (dt.date(2027, 2, 5), dt.date(2027, 2, 11)),
    (dt.date(2027, 10, 1), dt.date(2027, 10, 7)),
]

# LEC inputs (L, E, C) giving each level under the default scheme (D > 320 MAJOR, > 160 LARGE,
# > 70 GENERAL, else LOW).
LEC_INPUTS: dict[str, list[tuple[float, int, int]]] = {
    "MAJOR": [(6, 6, 15), (3, 6, 40), (10, 6, 7), (3, 10, 15)],
    "LARGE": [(3, 6, 15), (6, 6, 7), (1, 6, 40), (3, 10, 7), (6, 3, 15)],
    "GENERAL": [(3, 6, 7), (1, 6, 15), (3, 3, 15), (6, 6, 3), (6, 3, 7)],
    "LOW": [(3, 6, 3), (1, 6, 7), (1, 3, 7), (1, 2, 15), (0.5, 6, 3), (3, 2, 7)],
}
TIERS = {"MAJOR": "company", "LARGE": "workshop", "GENERAL": "team", "LOW": "post"}
DEPARTMENTS = ["安全环保部", "生产部", "设备部", "仓储物流部", "综合管理部"]
# Common risks of any works (besides saferisk.risks.demo.TEMPLATES): name, place, part,
# activity, accident type codes (GB 6441), measures, emergency measures.
GENERIC: list[dict[str, Any]] = [
    {
        "name": "机械设备运转部位机械伤害",
        "place": "生产车间",
        "part": "传动部位",
        "activity": "设备运行与清理",
        "accident_types": [3],
        "measures": [("engineering", "传动部位设置防护罩"), ("management", "停机清理并挂牌上锁")],
        "emergency": "立即停机，止血包扎并送医",
    },
    {
        "name": "起重吊装物体打击",
        "place": "装配车间",
        "part": "桥式起重机",
        "activity": "吊装作业",
        "accident_types": [1, 4],
        "measures": [("management", "司索指挥持证上岗"), ("engineering", "起重机限位、超载保护有效")],
        "emergency": "停止吊装，隔离现场，救护伤员",
    },
    {
        "name": "仓库火灾",
        "place": "原料仓库",
        "part": "堆垛区",
        "activity": "储存",
        "accident_types": [8],
        "measures": [("engineering", "设置自动喷淋和火灾报警"), ("management", "严禁烟火，定期巡查")],
        "emergency": "启动灭火器材扑救初期火灾，疏散人员并报警",
    },
    {
        "name": "手持电动工具触电",
        "place": "维修间",
        "part": "手持电动工具",
        "activity": "维修作业",
        "accident_types": [5],
        "measures": [("engineering", "配电箱设漏电保护器"), ("ppe", "佩戴绝缘手套")],
        "emergency": "切断电源后施救，必要时心肺复苏",
    },
    {
        "name": "高温物料灼烫",
        "place": "热处理车间",
        "part": "淬火槽",
        "activity": "热处理",
        "accident_types": [10],
        "measures": [("ppe", "穿戴隔热防护服"), ("management", "作业区域设置警示标识")],
        "emergency": "冷水冲洗降温，送医处置",
    },
    {
        "name": "货架坍塌",
        "place": "成品仓库",
        "part": "重型货架",
        "activity": "存取货物",
        "accident_types": [6],
        "measures": [("management", "货架限载标识并定期检查"), ("engineering", "货架与地面固定")],
        "emergency": "疏散人员，清理时防止二次坍塌",
    },
    {
        "name": "登高作业高处坠落",
        "place": "设备平台",
        "part": "检修平台",
        "activity": "登高检修",
        "accident_types": [9],
        "measures": [("ppe", "系挂安全带"), ("engineering", "平台设置防护栏杆")],
        "emergency": "拨打120，不得随意搬动伤员",
    },
    {
        "name": "压力容器爆炸",
        "place": "空压站",
        "part": "储气罐",
        "activity": "运行",
        "accident_types": [16],
        "measures": [("management", "定期检验安全阀和压力表"), ("monitoring", "压力在线监测")],
        "emergency": "紧急泄压，撤离人员",
    },
]
REVIEW_COMMENTS = [
    "较大风险的管控措施不具体，请补充工程技术措施",
    "风险目录中适用条目未纳入的理由不充分",
    "风险点位置描述不清，请按车间、部位填写",
    "管控责任人联系电话缺失",
]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- Cache keys and the database, before Django -----------------------------------------------------


def _digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _migrations(*apps: str) -> list[str]:
    """Names of the migrations of `apps` on disk."""
    return sorted(
        str(p.relative_to(ROOT))
        for app in apps
        for p in (ROOT / "saferisk" / app / "migrations").glob("0*.py")
    )


def register_key(enterprises: int, risks: int, seed: int) -> str:
    """What the enterprises and risks depend on: sizes, seed, REGISTER_VERSION and the migrations
    of the apps whose tables they fill (names on disk)."""
    return _digest(f"{enterprises} {risks} {seed} {REGISTER_VERSION}", *_migrations(*REGISTER_APPS))


def campaign_key(enterprises: int, risks: int, seed: int) -> str:
    """What the campaign depends on besides the register: CAMPAIGN_VERSION, the reporting
    migrations and the code that opens a campaign and counts its progress."""
    code = [(ROOT / "saferisk" / "reporting" / f).read_text() for f in CAMPAIGN_CODE]
    return _digest(
        register_key(enterprises, risks, seed), str(CAMPAIGN_VERSION), *_migrations("reporting"), *code
    )


def _fresh(info: dict[str, Any]) -> bool:
    """Loaded less than MAX_AGE_DAYS ago (in the project's time zone, as `loaded_on` is)."""
    from django.utils import timezone

    return (timezone.localdate() - dt.date.fromisoformat(info["loaded_on"])).days < MAX_AGE_DAYS


def database_url(name: str = DB_NAME) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def prepare_database(
    enterprises: int = ENTERPRISES,
    risks: int = RISKS,
    *,
    seed: int = SEED,
    force: bool = False,
    name: str = DB_NAME,
) -> str:
    """Keep database `name` if its marker says it holds this register (the campaign part is
    checked and redone by `load_province`), else drop and create it empty. Returns its URL.
    Runs before Django is set up (plain psycopg)."""
    import psycopg

    url = database_url(name)
    key = None
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if exists and not force:
        with psycopg.connect(url, connect_timeout=5) as conn:
            try:
                row = conn.execute(f"SELECT key FROM {MARKER} WHERE stage = 'register'").fetchone()
                key = row[0] if row else None
            except psycopg.Error:
                key = None  # no marker (or an older one's shape)
    if exists and key == register_key(enterprises, risks, seed):
        log(f"province data: reusing database {name}")
        return url
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as admin:
        if exists:
            log(f"province data: dropping database {name}")
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return url


def setup(
    enterprises: int = ENTERPRISES,
    risks: int = RISKS,
    *,
    seed: int = SEED,
    force: bool = False,
    name: str = DB_NAME,
) -> str:
    """Prepare the database (see `prepare_database`), point this process's Django at it, set
    Django up and migrate. Call before importing any model. Returns the database URL."""
    force = force or os.environ.get("BENCH_PROVINCE_FORCE") == "1"
    url = prepare_database(enterprises, risks, seed=seed, force=force, name=name)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saferisk.settings")
    os.environ.setdefault("SAFERISK_VAR_DIR", str(OUT / "var"))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    log(f"migrate: {time.perf_counter() - t0:.1f} s")
    return url


# --- Loading, inside Django ------------------------------------------------------------------------


class Timer:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        yield
        elapsed = time.perf_counter() - t0
        self.timings[name] = round(elapsed, 3)
        log(f"{name}: {elapsed:.1f} s")


def _esc(value: Any) -> str:
    """A value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    text = value if isinstance(value, str) else str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _json(value: Any) -> str:
    return _esc(json.dumps(value, ensure_ascii=False))


def _cum(weights: list[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def _pick(rng: random.Random, items: list[Any], cum: list[float]) -> Any:
    return items[bisect.bisect_right(cum, rng.random() * cum[-1])]


def _spread(total: int, weights: list[float], rng: random.Random) -> list[int]:
    """Integers proportional to `weights` summing to about `total` (random rounding)."""
    scale = total / (sum(weights) or 1)
    out = []
    for w in weights:
        x = w * scale
        n = int(x)
        out.append(n + (1 if rng.random() < x - n else 0))
    return out


class Copier:
    """Writes rows to a COPY in chunks of text."""

    def __init__(self, copy: Any) -> None:
        self.copy = copy
        self.lines: list[str] = []
        self.rows = 0

    def line(self, text: str) -> None:
        self.lines.append(text)
        self.rows += 1
        if len(self.lines) >= 20000:
            self.flush()

    def flush(self) -> None:
        if self.lines:
            self.copy.write("\n".join(self.lines) + "\n")
            self.lines = []


@contextmanager
def _copy(cursor: Any, table: str, columns: list[str]) -> Iterator[Copier]:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        copier = Copier(copy)
        yield copier
        copier.flush()


@contextmanager
def _bulk_mode(cursor: Any, tables: list[str], timer: Timer) -> Iterator[None]:
    """Drop the tables' secondary indexes and unique constraints, load, then recreate them from
    their saved definitions (the migrations' own). Definitions are kept in a table too, so a load
    that dies half-way is put right by the next `setup()` (which drops the database)."""
    saved: list[tuple[str, str, str, str]] = []
    for table in tables:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype = 'u'",
            [table],
        )
        saved += [(table, "constraint", name, d) for name, d in cursor.fetchall()]
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN"
            " (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
            [table, table],
        )
        saved += [(table, "index", name, d) for name, d in cursor.fetchall()]
    for table, kind, name, _ in saved:
        if kind == "constraint":
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        else:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    for table in tables:
        with timer.phase(f"indexes {table}"):
            for t, kind, name, definition in saved:
                if t != table:
                    continue
                if kind == "constraint":
                    cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                else:
                    cursor.execute(definition)


def _reset_sequence(cursor: Any, table: str) -> None:
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
    )


def _applies(item: dict[str, Any], industry: str, sectors: tuple[str, ...]) -> bool:
    """`saferisk.risks.catalogue.applicable_q` for one item, in Python (checked by the tests)."""
    if item["key_sector"] and item["key_sector"] in sectors:
        return True
    return any(industry[:n] in item["words"] for n in range(2, len(industry) + 1))


def _markers(cursor: Any) -> dict[str, tuple[str, dict[str, Any]]]:
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {MARKER} (stage text PRIMARY KEY, key text NOT NULL, info jsonb NOT NULL)"
    )
    cursor.execute(f"SELECT stage, key, info FROM {MARKER}")
    return {
        stage: (key, json.loads(info) if isinstance(info, str) else info)
        for stage, key, info in cursor.fetchall()
    }


def _mark(cursor: Any, stage: str, key: str, info: dict[str, Any]) -> None:
    cursor.execute(f"DELETE FROM {MARKER} WHERE stage = %s", [stage])
    cursor.execute(
        f"INSERT INTO {MARKER} (stage, key, info) VALUES (%s, %s, %s)", [stage, key, json.dumps(info)]
    )


def load_province(
    enterprises: int = ENTERPRISES,
    risks: int = RISKS,
    *,
    seed: int = SEED,
    measure_open: bool = False,
    force_campaign: bool = False,
) -> dict[str, Any]:
    """Load the province (see the module's docstring for the contract) and return its figures.
    Two stages, each cached by its own marker: the register (enterprises, risks, summaries) and
    the campaign (tasks, states, reports, progress). A register in place with a stale or
    different campaign (reporting code or migrations changed, older than MAX_AGE_DAYS, or
    `force_campaign` / BENCH_PROVINCE_FORCE=campaign) keeps the register and redoes the campaign."""
    from django.db import connection

    force_campaign = force_campaign or os.environ.get("BENCH_PROVINCE_FORCE") == "campaign"
    keys = {
        "register": register_key(enterprises, risks, seed),
        "campaign": campaign_key(enterprises, risks, seed),
    }
    with connection.cursor() as cursor:
        markers = _markers(cursor)
        have_register = markers.get("register", ("", {}))[0] == keys["register"]
        campaign_key_found, campaign_info = markers.get("campaign", ("", {}))
        if (
            have_register
            and not force_campaign
            and campaign_key_found == keys["campaign"]
            and _fresh(campaign_info)
        ):
            info = {**markers["register"][1], **campaign_info}
            log(f"province data: cached ({info['enterprises']:,} enterprises, {info['risks']:,} risks)")
            return {**info, "cached": True, "reloaded": "nothing"}
        if not have_register:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM enterprises_enterprise)")
            if cursor.fetchone()[0]:
                raise RuntimeError("the database holds other data: call setup() (it drops and recreates it)")
    loader = _Loader(enterprises, risks, seed, measure_open)
    with connection.cursor() as cursor:
        if have_register:
            register = markers["register"][1]
            reloaded = "campaign"
            cursor.execute(f"DELETE FROM {MARKER} WHERE stage = 'campaign'")
            with loader.timer.phase("clear the previous campaign"):
                cursor.execute("TRUNCATE reporting_reportingcampaign CASCADE")
        else:
            register = loader.register()
            reloaded = "all"
            _mark(cursor, "register", keys["register"], register)
        campaign = loader.campaign()
        _mark(cursor, "campaign", keys["campaign"], campaign)
    return {**register, **campaign, "cached": False, "reloaded": reloaded}


class _Loader:
    def __init__(self, enterprises: int, risks: int, seed: int, measure_open: bool) -> None:
        from django.utils import timezone

        self.n = enterprises
        self.r = risks
        self.seed = seed
        self.measure_open = measure_open
        self.timer = Timer()
        self.today = timezone.localdate()
        self.now = timezone.localtime()
        self.tz = self.now.tzinfo
        self.opens_on = self.today - dt.timedelta(days=OPENS_DAYS_AGO)
        self.deadline = self.today + dt.timedelta(days=DEADLINE_IN_DAYS)
        # Per enterprise, in id order (read back from the database by `_facts`).
        self.ent: list[tuple[int, str, str, bool, tuple[str, ...]]] = []  # id, town, industry, above, sectors
        self.reportable: list[int] = []  # active MAJOR + LARGE
        self.gap_codes: list[tuple[str, ...]] = []
        self.report_lines: list[str] = []  # bench_report rows, made with the task states

    # -- the two stages ------------------------------------------------------------------------------

    def register(self) -> dict[str, Any]:
        """Users, enterprises with key sectors, risks with measures and accident types, summaries."""
        from django.db import connection, transaction

        from saferisk.core.context import cli_context

        phase = self.timer.phase
        started = time.perf_counter()
        with cli_context(), connection.cursor() as wrapper:
            cursor = wrapper.cursor  # psycopg's own, for COPY
            cursor.execute("SET maintenance_work_mem = '512MB'")
            with phase("users"):
                users = self._users()
            with transaction.atomic():
                cursor.execute("SET LOCAL session_replication_role = replica")  # no FK triggers
                with phase("enterprises"):
                    above = self._enterprises(cursor)
                with phase("risks"):
                    levels, measures, total = self._risks(cursor)
                cursor.execute("SET LOCAL session_replication_role = origin")
            self._vacuum(
                cursor,
                [
                    "enterprises_enterprise",
                    "enterprises_enterprise_key_sectors",
                    "risks_risk",
                    "risks_controlmeasure",
                    "risks_risk_accident_types",
                    "risks_enterpriserisksummary",
                ],
            )
        seconds = time.perf_counter() - started
        log(f"register loaded in {seconds:.0f} s")
        timings, self.timer = self.timer.timings, Timer()
        return {
            "database": connection.settings_dict["NAME"],
            "enterprises": self.n,
            "above_scale": above,
            "risks": total,
            "levels": levels,
            "measures": measures,
            "users": users,
            "register_timings": {**timings, "total": round(seconds, 1)},
        }

    def campaign(self) -> dict[str, Any]:
        """The province's annual campaign through `campaign_open`, the filing simulated from the
        register, and the progress rebuilt."""
        from django.db import connection, transaction

        from saferisk.core.context import cli_context
        from saferisk.reporting import progress

        phase = self.timer.phase
        started = time.perf_counter()
        with cli_context():
            with phase("read the register back"):
                users = self._facts()
            opened = self._open(users["province"])
            campaign = opened.pop("campaign")
            with connection.cursor() as wrapper:
                cursor = wrapper.cursor
                tables = ["reporting_reporttask", "reporting_riskreport"]
                with transaction.atomic():
                    # The tasks' states and their reports written with the tables' secondary
                    # indexes dropped and foreign-key triggers off, then the indexes rebuilt.
                    cursor.execute("SET LOCAL session_replication_role = replica")
                    with _bulk_mode(cursor, tables, self.timer):
                        with phase("task states"):
                            states, nil = self._states(cursor, campaign)
                        with phase("reports"):
                            reports = self._reports(cursor, users["province"])
                    cursor.execute("SET LOCAL session_replication_role = origin")
                    _reset_sequence(cursor, "reporting_riskreport")
                self._vacuum(cursor, tables)
            with phase("progress.rebuild"), transaction.atomic():
                progress.rebuild(campaign)
            with phase("progress.region_points"):
                points = progress.region_points(campaign)
            with connection.cursor() as cursor:
                rows = {}
                for table in ("campaignprogress", "campaignsectorprogress", "campaigndaily"):
                    cursor.execute(
                        f"SELECT COUNT(*) FROM reporting_{table} WHERE campaign_id = %s", [campaign.pk]
                    )
                    rows[table] = cursor.fetchone()[0]
        seconds = time.perf_counter() - started
        log(f"campaign loaded in {seconds:.0f} s")
        return {
            "loaded_on": self.today.isoformat(),
            "campaign_id": campaign.pk,
            "opens_on": self.opens_on.isoformat(),
            "deadline": self.deadline.isoformat(),
            "tasks": sum(states.values()),
            "states": states,
            "nil": nil,
            "reports": reports,
            "region_points": len(points),
            "progress_rows": rows,
            "campaign_timings": {**self.timer.timings, "total": round(seconds, 1)},
            "campaign_open": opened,
        }

    def _facts(self) -> dict[str, str]:
        """What the campaign needs of each enterprise, from the database: its dimensions, its
        active reportable risks and its completeness gap (applicable catalogue items that no
        active risk adopts), so a campaign can be redone on a register loaded earlier."""
        from django.db import connection

        catalogue = self._catalogue()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT e.id, e.region_id, e.industry_id, e.above_scale, s.major + s.large,"
                " (SELECT string_agg(k.keysector_id, ' ' ORDER BY k.keysector_id)"
                "  FROM enterprises_enterprise_key_sectors k WHERE k.enterprise_id = e.id)"
                " FROM enterprises_enterprise e JOIN risks_enterpriserisksummary s ON s.enterprise_id = e.id"
                " ORDER BY e.id"
            )
            rows = cursor.fetchall()
            cursor.execute(
                "SELECT enterprise_id, array_agg(catalog_item_id) FROM risks_risk"
                " WHERE catalog_item_id IS NOT NULL AND status = 'active' GROUP BY enterprise_id"
            )
            adopted = {eid: set(items) for eid, items in cursor.fetchall()}
        applicable: dict[tuple[str, tuple[str, ...]], list[dict[str, Any]]] = {}
        for eid, town, industry, above, reportable, sectors in rows:
            key = (industry, tuple((sectors or "").split()))
            items = applicable.get(key)
            if items is None:
                items = applicable[key] = [c for c in catalogue if _applies(c, *key)]
            taken = adopted.get(eid, set())
            self.ent.append((eid, town, industry, above, key[1]))
            self.reportable.append(reportable)
            self.gap_codes.append(tuple(c["code"] for c in items if c["id"] not in taken))
        return {key: username for key, username, _region, _title in USERS}

    def _vacuum(self, cursor: Any, tables: list[str]) -> None:
        from django.db import connection

        if connection.in_atomic_block:  # inside a test's transaction: ANALYZE only
            for table in tables:
                cursor.execute(f"ANALYZE {table}")
            return
        with self.timer.phase("vacuum"):
            for table in tables:
                cursor.execute(f"VACUUM ANALYZE {table}")

    def _users(self) -> dict[str, str]:
        from saferisk.core.choices import Role
        from saferisk.core.models import Region, User
        from saferisk.core.services import NewUser, user_create

        for _key, username, region, title in USERS:
            if not User.objects.filter(username=username).exists():
                user_create(
                    actor=None,
                    new=NewUser(
                        username=username,
                        role=Role.REGULATOR,
                        full_name=f"{title}基准测试",
                        region=Region.objects.get(code=region),
                        organisation=title,
                        phone="13800000000",
                        password=PASSWORD,
                        must_change_password=False,
                    ),
                )
        return {key: username for key, username, _region, _title in USERS}

    # -- enterprises ---------------------------------------------------------------------------------

    def _enterprises(self, cursor: Any) -> int:
        """COPY the enterprises and their key sectors; returns how many are above scale."""
        from saferisk.core import uscc
        from saferisk.core.demo import (
            BRANDS,
            CITIES,
            DIVISION_SUFFIX,
            DIVISION_WEIGHTS,
            GIVEN,
            KEY_SECTOR_RULES,
            SURNAMES,
        )
        from saferisk.core.models import Industry, Region

        rng = random.Random(self.seed)
        rnd = rng.random
        towns: dict[str, list[str]] = {}
        for code in Region.objects.filter(level="town", valid_to__isnull=True).values_list("code", flat=True):
            towns.setdefault(code[:6], []).append(code)
        city_names = {
            c[:4]: n.removesuffix("市")
            for c, n in Region.objects.filter(level="city").values_list("code", "name")
        }
        # Where towns are: each county somewhere in its city's box, its towns around it.
        town_items: list[str] = []
        town_weights: list[float] = []
        town_point: dict[str, tuple[float, float]] = {}
        for county in sorted(towns):
            city = county[:4]
            if city not in CITIES:
                continue
            share, lat0, lng0 = CITIES[city]
            c_lat, c_lng = lat0 + rng.uniform(-0.2, 0.2), lng0 + rng.uniform(-0.25, 0.25)
            county_weight = rng.lognormvariate(0, 0.5) / len(towns[county])
            for town in sorted(towns[county]):
                town_items.append(town)
                town_weights.append(county_weight * rng.lognormvariate(0, 0.7))
                town_point[town] = (c_lat + rng.uniform(-0.06, 0.06), c_lng + rng.uniform(-0.07, 0.07))
        # Normalise so each city keeps its share of the province.
        by_city: dict[str, float] = {}
        for town, w in zip(town_items, town_weights, strict=True):
            by_city[town[:4]] = by_city.get(town[:4], 0) + w
        town_cum = _cum(
            [w * CITIES[t[:4]][0] / by_city[t[:4]] for t, w in zip(town_items, town_weights, strict=True)]
        )
        classes: dict[str, list[str]] = {}
        for code in (
            Industry.objects.filter(level="class", in_scope=True)
            .order_by("code")
            .values_list("code", flat=True)
        ):
            classes.setdefault(code[:2], []).append(code)
        divisions = [d for d in DIVISION_WEIGHTS if d in classes]
        division_cum = _cum([DIVISION_WEIGHTS[d] for d in divisions])
        people = [
            rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
            for _ in range(4000)
        ]
        places = ("工业园区", "经济开发区", "高新区", "科技园")
        brands_a, brands_b = BRANDS[::2], BRANDS[1::2]
        created = (self.now - dt.timedelta(days=400)).isoformat()
        # USCC check characters: the weighted sum of the fixed part once per county.
        value = {c: i for i, c in enumerate(uscc.ALPHABET)}
        fixed: dict[str, int] = {}

        def code_of(county: str, i: int) -> str:
            total = fixed.get(county)
            if total is None:
                total = fixed[county] = sum(
                    value[c] * w for c, w in zip(f"91{county}", uscc.WEIGHTS[:8], strict=True)
                )
            body = []
            for w in uscc.WEIGHTS[16:7:-1]:  # the body's last character first
                i, d = divmod(i, 31)
                body.append(uscc.ALPHABET[d])
                total += d * w
            return f"91{county}{''.join(reversed(body))}{uscc.ALPHABET[(31 - total % 31) % 31]}"

        def phone() -> str:
            return f"1{'3589'[int(rnd() * 4)]}{int(rnd() * 1e9):09d}"

        names: dict[str, int] = {}
        above_count = 0
        columns = [
            "id", "uscc", "name", "region_id", "address", "longitude", "latitude", "industry_id", "above_scale",
            "employees", "revenue", "key_supervised", "legal_representative", "principal_name", "principal_phone",
            "safety_director_name", "safety_director_phone", "standardisation_grade", "standardisation_expires",
            "status", "contact_phone", "created_at", "updated_at",
        ]  # fmt: skip
        through = "enterprises_enterprise_key_sectors"
        with _bulk_mode(cursor, ["enterprises_enterprise", through], self.timer):
            sector_rows: list[str] = []
            with _copy(cursor, "enterprises_enterprise", columns) as out:
                for i in range(self.n):
                    eid = i + 1
                    town = _pick(rng, town_items, town_cum)
                    division = _pick(rng, divisions, division_cum)
                    choices = classes[division]
                    industry = choices[int(rnd() * len(choices))]
                    above = rnd() < ABOVE_SCALE_SHARE
                    above_count += above
                    sectors = {s for s, p in KEY_SECTOR_RULES.get(division, ()) if rnd() < p}
                    if rnd() < 0.12:
                        sectors.add("confined_space")
                    name = (
                        f"{city_names[town[:4]]}{brands_a[int(rnd() * len(brands_a))]}"
                        f"{brands_b[int(rnd() * len(brands_b))]}{DIVISION_SUFFIX.get(division, '实业')}有限公司"
                    )
                    seen = names.get(name, 0)
                    names[name] = seen + 1
                    if seen:
                        name = name.replace("有限公司", f"（{seen + 1}）有限公司")
                    lat, lng = town_point[town]
                    employees = 120 + int(rnd() * 2880) if above else 5 + int(rnd() * 175)
                    principal = people[int(rnd() * 4000)]
                    director = people[int(rnd() * 4000)] if above or rnd() < 0.3 else ""
                    grade = ("none", "none", "grade_3", "grade_3", "grade_2", "grade_1")[
                        int(rnd() * (6 if above else 5))
                    ]
                    out.line(
                        f"{eid}\t{code_of(town[:6], i)}\t{name}\t{town}\t"
                        f"{places[int(rnd() * 4)]}{BRANDS[int(rnd() * len(BRANDS))]}路{1 + int(rnd() * 399)}号\t"
                        f"{lng + (rnd() - 0.5) * 0.05:.6f}\t{lat + (rnd() - 0.5) * 0.04:.6f}\t{industry}\t"
                        f"{'t' if above else 'f'}\t{employees}\t{employees * (20 + rnd() * 60):.2f}\t"
                        f"{'t' if sectors and (above or rnd() < 0.3) else 'f'}\t{principal}\t{principal}\t{phone()}\t"
                        f"{director}\t{phone() if director else ''}\t{grade}\t"
                        f"{(self.today + dt.timedelta(days=int(rnd() * 1200) - 200)).isoformat() if grade != 'none' else chr(92) + 'N'}\t"
                        f"operating\t{phone() if rnd() < 0.9 else ''}\t{created}\t{created}"
                    )
                    sector_rows += [f"{eid}\t{s}" for s in sorted(sectors)]
            with _copy(cursor, through, ["enterprise_id", "keysector_id"]) as out:
                for line in sector_rows:
                    out.line(line)
        _reset_sequence(cursor, "enterprises_enterprise")
        _reset_sequence(cursor, through)
        return above_count

    # -- risks -----------------------------------------------------------------------------------------

    def _catalogue(self) -> list[dict[str, Any]]:
        from saferisk.risks.models import RiskCatalogItem

        through = RiskCatalogItem.accident_types.through
        types: dict[int, list[int]] = {}
        for item_id, code in through.objects.values_list("riskcatalogitem_id", "accidenttype_id"):
            types.setdefault(item_id, []).append(code)
        return [
            {
                "id": item.pk,
                "code": item.code,
                "name": item.name,
                "place": (item.typical_places or item.name).split("、")[0][:200],
                "hazard": item.hazard,
                "min_level": item.min_level,
                "words": set(item.prefixes()),
                "key_sector": item.key_sector_id or "",
                "measures": [str(m)[:500] for m in item.measures] or ["按风险目录要求制定管控措施"],
                "accident_types": sorted(types.get(item.pk, [])),
                "basis": item.basis,
            }
            for item in RiskCatalogItem.objects.filter(active=True).order_by("id")
        ]

    def _risks(self, cursor: Any) -> tuple[dict[str, int], int, int]:
        """The risks, made in the database from a plan: a few hundred risk variants (template ×
        level × LEC inputs, or catalogue item × level) and per enterprise the variant and owner of
        each of its risks, expanded by one INSERT … SELECT (5M rows need no text parsing that
        way), then their measures and accident types from the variants', and the summaries.
        Returns active risks by level, measures written and risks written."""
        from saferisk.risks.demo import TEMPLATES
        from saferisk.risks.schemes import scheme_in_force

        rng = random.Random(self.seed + 1)
        rnd = rng.random
        version = scheme_in_force().version
        catalogue = self._catalogue()
        offered = [c for c in catalogue if not c["words"] and not c["key_sector"]]
        templates = [
            {
                "name": t["name"],
                "place": t["place"],
                "part": t.get("part", ""),
                "activity": t.get("activity", ""),
                "accident_types": t["accident_types"],
                "measures": list(t["measures"]),
                "emergency": t["emergency"],
            }
            for t in TEMPLATES
        ] + GENERIC
        variants: list[str] = []  # COPY lines of bench_variant
        variant_measures: list[str] = []
        variant_types: list[str] = []

        def variant(values: tuple[Any, ...], measures: list[tuple[str, str]], types: list[int]) -> int:
            vid = len(variants)
            variants.append(f"{vid}\t" + "\t".join(_esc(v) for v in values))
            variant_measures.extend(f"{vid}\t{k}\t{_esc(t)}\t{n}" for n, (k, t) in enumerate(measures))
            variant_types.extend(f"{vid}\t{code}" for code in types)
            return vid

        def lec(
            template: dict[str, Any], level: str, inputs: tuple[float, int, int], status: str
        ) -> tuple[Any, ...]:
            L, E, C = inputs  # noqa: N806 (the method's names)
            return (
                template["name"], template["place"], template["part"], template["activity"], "", None, "lec",
                json.dumps({"L": L, "E": E, "C": C}), version, f"{L * E * C:.4f}", level, level, "", "{}", "",
                None, TIERS[level], DEPARTMENTS[len(template["name"]) % len(DEPARTMENTS)], template["emergency"],
                None, "[]", status, "设备已拆除" if status == "retired" else "", 1,
            )  # fmt: skip

        # Reportable variants carry measures and accident types; GENERAL and LOW ones none.
        free = {
            level: [
                variant(lec(t, level, inputs, "active"), t["measures"], t["accident_types"])
                for t in templates
                for inputs in LEC_INPUTS[level]
            ]
            for level in ("MAJOR", "LARGE")
        }
        plain = {
            (level, status): [
                variant(lec(t, level, i, status), [], []) for t in templates for i in LEC_INPUTS[level]
            ]
            for level in ("GENERAL", "LOW")
            for status in ("active", "retired")
        }
        adopted = {
            (c["id"], level): variant(
                (
                    c["name"][:200],
                    c["place"],
                    "",
                    "",
                    c["hazard"],
                    None,
                    "direct",
                    "{}",
                    "",
                    None,
                    level,
                    level,
                    "",
                    "{}",
                    "",
                    None,
                    TIERS[level],
                    "安全环保部",
                    "按应急预案处置",
                    c["id"],
                    json.dumps(c["basis"], ensure_ascii=False),
                    "active",
                    "",
                    1,
                ),
                [("management", m) for m in c["measures"]],
                c["accident_types"],
            )  # fmt: skip
            for c in catalogue
            for level in ("MAJOR", "LARGE")
            if level == "MAJOR" or c["min_level"] == "LARGE"
        }

        # How many reportable risks each enterprise has: one for nearly all, more for the big and
        # the key sectors; MAJOR among them mostly in the hazardous sectors. Then GENERAL and LOW.
        ent = self._generated_facts(cursor)
        budget = round(self.r * (MAJOR_SHARE + LARGE_SHARE))
        first = [1 if (sectors or above or rnd() < 0.9) else 0 for _, _, above, sectors in ent]
        if sum(first) > budget:
            keep = budget / sum(first)
            first = [f if rnd() < keep else 0 for f in first]
        extra = _spread(
            max(0, budget - sum(first)), [(4 if e[3] else 1) * (6 if e[2] else 1) for e in ent], rng
        )
        slots = [a + b for a, b in zip(first, extra, strict=True)]
        major_w = [(4 if MAJOR_SECTORS.intersection(e[3]) else 1) * (2 if e[2] else 1) for e in ent]
        major_p = (self.r * MAJOR_SHARE) / (sum(s * w for s, w in zip(slots, major_w, strict=True)) or 1)
        rest = _spread(
            max(0, self.r - sum(slots)), [25 + rnd() * 35 if e[2] else 3 + rnd() * 11 for e in ent], rng
        )
        applicable_cache: dict[tuple[str, tuple[str, ...]], list[dict[str, Any]]] = {}
        owners = [
            f"{i}\t{rng.choice('王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林')}{rng.choice('伟芳敏静丽强磊军洋勇艳杰涛明超')}\t"
            f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
            for i in range(3000)
        ]
        levels = dict.fromkeys(("MAJOR", "LARGE", "GENERAL", "LOW"), 0)
        summary_lines: list[str] = []
        plan_lines: list[str] = []
        created = (self.now - dt.timedelta(days=300)).isoformat()
        rid = 0
        for i, (eid, industry, above, sectors) in enumerate(ent):
            key = (industry, sectors)
            applicable = applicable_cache.get(key)
            if applicable is None:
                applicable = applicable_cache[key] = [c for c in catalogue if _applies(c, industry, sectors)]
            candidates = list(applicable)
            rng.shuffle(candidates)
            used: set[int] = set()
            p_major = min(0.9, major_p * major_w[i])
            counts = {"MAJOR": 0, "LARGE": 0, "GENERAL": 0, "LOW": 0}
            vids: list[int] = []
            for _ in range(slots[i]):
                level = "MAJOR" if rnd() < p_major else "LARGE"
                item = None
                if rnd() < 0.85:
                    item = next(
                        (
                            c
                            for c in candidates
                            if c["id"] not in used and (c["min_level"] == "LARGE" or level == "MAJOR")
                        ),
                        None,
                    )
                if item is None and offered and rnd() < 0.3:
                    item = offered[int(rnd() * len(offered))]
                    if item["id"] in used:
                        item = None
                if item is not None:
                    used.add(item["id"])
                    vids.append(adopted[(item["id"], level)])
                else:
                    pool = free[level]
                    vids.append(pool[int(rnd() * len(pool))])
                counts[level] += 1
            reportable = len(vids)
            general_p = 0.35 if above else 0.3
            for _ in range(rest[i]):
                level = "GENERAL" if rnd() < general_p else "LOW"
                retired = rnd() < 0.02
                pool = plain[(level, "retired" if retired else "active")]
                vids.append(pool[int(rnd() * len(pool))])
                if not retired:
                    counts[level] += 1
            gap = sum(1 for c in applicable if c["id"] not in used)
            for level, n in counts.items():
                levels[level] += n
            summary_lines.append(
                f"{eid}\t{counts['MAJOR']}\t{counts['LARGE']}\t{counts['GENERAL']}\t{counts['LOW']}\t{gap}\t{created}"
            )
            if vids:
                plan_lines.append(
                    f"{eid}\t{rid + 1}\t{reportable}\t{{{','.join(map(str, vids))}}}\t"
                    f"{{{','.join(str(int(rnd() * 3000)) for _ in vids)}}}"
                )
            rid += len(vids)

        risk_columns = (
            "name, place, part, activity, description, people_exposed, method, inputs, method_version, score,"
            " computed_level, level, level_reason, residual_inputs, residual_level, residual_score, control_tier,"
            " department, emergency_measures, catalog_item_id, basis, status, status_reason, version"
        )
        cursor.execute(
            f"CREATE TEMP TABLE bench_variant ON COMMIT DROP AS SELECT 0::int AS vid, {risk_columns}"
            " FROM risks_risk WITH NO DATA"
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_variant_measure (vid int, kind varchar(20), text varchar(500), sort_order"
            " smallint) ON COMMIT DROP;"
            " CREATE TEMP TABLE bench_variant_type (vid int, code smallint) ON COMMIT DROP;"
            " CREATE TEMP TABLE bench_owner (oid int, name varchar(60), phone varchar(20)) ON COMMIT DROP;"
            " CREATE TEMP TABLE bench_plan (eid bigint, first bigint, reportable int, vids int[], owners int[])"
            " ON COMMIT DROP"
        )
        for table, columns, lines in (
            ("bench_variant", ["vid", *risk_columns.replace(" ", "").split(",")], variants),
            ("bench_variant_measure", ["vid", "kind", "text", "sort_order"], variant_measures),
            ("bench_variant_type", ["vid", "code"], variant_types),
            ("bench_owner", ["oid", "name", "phone"], owners),
            ("bench_plan", ["eid", "first", "reportable", "vids", "owners"], plan_lines),
        ):
            with _copy(cursor, table, columns) as out:
                for line in lines:
                    out.line(line)
            cursor.execute(f"ANALYZE {table}")
        tables = [
            "risks_risk",
            "risks_controlmeasure",
            "risks_risk_accident_types",
            "risks_enterpriserisksummary",
        ]
        with _bulk_mode(cursor, tables, self.timer):
            with self.timer.phase("risks: INSERT … SELECT"):
                v_columns = ", ".join(f"v.{c.strip()}" for c in risk_columns.split(","))
                cursor.execute(
                    f"INSERT INTO risks_risk (id, enterprise_id, owner_name, owner_phone, created_at, updated_at,"
                    f" {risk_columns})"
                    f" SELECT p.first + u.ord - 1, p.eid, o.name, o.phone, %s, %s, {v_columns}"
                    " FROM bench_plan p CROSS JOIN LATERAL unnest(p.vids, p.owners) WITH ORDINALITY u (vid, oid, ord)"
                    " JOIN bench_variant v ON v.vid = u.vid JOIN bench_owner o ON o.oid = u.oid",
                    [created, created],
                )
            with self.timer.phase("risks: measures and accident types"):
                reportable_risks = " FROM bench_plan p CROSS JOIN LATERAL unnest(p.vids[1:p.reportable]) WITH ORDINALITY u (vid, ord)"
                cursor.execute(
                    "INSERT INTO risks_controlmeasure (risk_id, kind, text, sort_order)"
                    " SELECT p.first + u.ord - 1, m.kind, m.text, m.sort_order"
                    f" {reportable_risks} JOIN bench_variant_measure m ON m.vid = u.vid"
                )
                measures = int(cursor.rowcount)
                cursor.execute(
                    "INSERT INTO risks_risk_accident_types (risk_id, accidenttype_id)"
                    f" SELECT p.first + u.ord - 1, t.code {reportable_risks} JOIN bench_variant_type t ON t.vid = u.vid"
                )
            summary_columns = ["enterprise_id", "major", "large", "general", "low", "gap", "updated_at"]
            with _copy(cursor, "risks_enterpriserisksummary", summary_columns) as out:
                for line in summary_lines:
                    out.line(line)
        for table in tables[:3]:
            _reset_sequence(cursor, table)
        return levels, measures, rid

    def _generated_facts(self, cursor: Any) -> list[tuple[int, str, bool, tuple[str, ...]]]:
        """(id, industry, above scale, key sectors) of every enterprise just loaded, by id."""
        cursor.execute(
            "SELECT e.id, e.industry_id, e.above_scale, (SELECT string_agg(k.keysector_id, ' ' ORDER BY"
            " k.keysector_id) FROM enterprises_enterprise_key_sectors k WHERE k.enterprise_id = e.id)"
            " FROM enterprises_enterprise e ORDER BY e.id"
        )
        return [
            (eid, industry, above, tuple((s or "").split())) for eid, industry, above, s in cursor.fetchall()
        ]

    # -- the campaign ----------------------------------------------------------------------------------

    def _open(self, username: str) -> dict[str, Any]:
        """Open the campaign through the real service. First, when measuring, a raw COPY of the
        same task rows and the same opening with the ORM's bulk_create, both rolled back. Each
        run is timed to the end of its deferred constraint checks (and its commit when kept),
        with its parts: the task rows, the foreign-key checks, `progress.rebuild` and
        `progress.region_points`."""
        from unittest import mock

        from django.db import connection, transaction

        from saferisk.core.models import User
        from saferisk.reporting import bulk, progress
        from saferisk.reporting.bulk import default_columns
        from saferisk.reporting.models import ReportingCampaign, ReportTask
        from saferisk.reporting.services import campaign_open

        actor = User.objects.get(username=username)
        data = {
            "kind": "annual",
            "year": self.opens_on.year,
            "region": "320000",
            "name": f"江苏省{self.opens_on.year}年度安全生产风险报告",
            "opens_on": self.opens_on,
            "deadline": self.deadline,
        }

        class Rollback(Exception):
            pass

        def timed(work: Any, keep: bool) -> tuple[dict[str, float], Any]:
            parts: dict[str, float] = {}
            result = None
            t0 = time.perf_counter()
            try:
                with transaction.atomic():
                    result = work(parts)
                    t1 = time.perf_counter()
                    with connection.cursor() as cursor:
                        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred FK checks, now
                    parts["constraint_checks_s"] = time.perf_counter() - t1
                    if not keep:
                        parts["total_s"] = time.perf_counter() - t0
                        raise Rollback
            except Rollback:
                pass
            else:
                parts["total_s"] = time.perf_counter() - t0
            return {k: round(v, 2) for k, v in parts.items()}, result

        def opening(create: Any) -> Any:
            """campaign_open with `create` writing the tasks, its parts timed."""

            def work(parts: dict[str, float]) -> Any:
                def timing(name: str, fn: Any) -> Any:
                    def run(*args: Any) -> Any:
                        t0 = time.perf_counter()
                        out = fn(*args)
                        parts[name] = time.perf_counter() - t0
                        return out

                    return run

                with (
                    mock.patch.object(bulk, "create_tasks", timing("create_tasks_s", create)),
                    mock.patch.object(progress, "rebuild", timing("rebuild_s", progress.rebuild)),
                    mock.patch.object(
                        progress, "region_points", timing("region_points_s", progress.region_points)
                    ),
                ):
                    return campaign_open(actor=actor, data=data)

            return work

        figures: dict[str, Any] = {}
        if self.measure_open:
            load = os.getloadavg()[0]

            def copy_tasks(parts: dict[str, float]) -> int:
                campaign = ReportingCampaign.objects.create(
                    kind="annual", year=self.opens_on.year, name="COPY baseline", region_id="320000",
                    opens_on=self.opens_on, deadline=self.deadline,
                )  # fmt: skip
                rows = [
                    (campaign.pk, eid, town, industry[:2], above, " ".join(sectors), self.deadline)
                    for eid, town, industry, above, sectors in sorted(self.ent, key=lambda e: (e[1], e[0]))
                ]
                given = [
                    "campaign_id",
                    "enterprise_id",
                    "region_code",
                    "division",
                    "above_scale",
                    "key_sectors",
                    "due_on",
                ]
                others, defaults = default_columns(ReportTask, set(given), connection)
                t0 = time.perf_counter()
                with (
                    connection.cursor() as wrapper,
                    wrapper.cursor.copy(
                        f"COPY {ReportTask._meta.db_table} ({', '.join([*given, *others])}) FROM STDIN"
                    ) as copy,
                ):
                    for row in rows:
                        copy.write_row((*row, *defaults))
                parts["copy_s"] = time.perf_counter() - t0
                return len(rows)

            with self.timer.phase("campaign_open: baseline COPY of the task rows (rolled back)"):
                copied, _ = timed(copy_tasks, keep=False)
            copied["total_s"] = round(
                copied["copy_s"] + copied["constraint_checks_s"], 2
            )  # not the rows' making
            self._vacuum_tasks()
            with self.timer.phase("campaign_open: ORM bulk_create path (rolled back)"):
                before, _ = timed(opening(bulk.create_tasks_orm), keep=False)
            self._vacuum_tasks()
            figures.update(copy=copied, before=before)
        with self.timer.phase("campaign_open"):
            after, campaign = timed(opening(bulk.create_tasks), keep=True)
        figures.update(after=after, tasks=campaign.enterprises)
        if self.measure_open:
            tasks_after = after["create_tasks_s"] + after["constraint_checks_s"]
            report = {
                "what": (
                    "services.campaign_open of the province's annual campaign on PostgreSQL, in seconds to the end"
                    " of its deferred foreign-key checks (the kept one with its commit); 'before' writes the tasks"
                    " with the ORM's bulk_create (rolled back), 'after' with INSERT … SELECT; the baseline is a raw"
                    " COPY of the same task rows from Python tuples into the same table (rolled back)"
                ),
                "tasks": campaign.enterprises,
                "before": before,
                "after": after,
                "baseline_copy": copied,
                "tasks_written_after_vs_copy": round(tasks_after / copied["total_s"], 2),
                "tasks_written_before_vs_copy": round(
                    (before["create_tasks_s"] + before["constraint_checks_s"]) / copied["total_s"], 2
                ),
                "machine": f"{platform.machine()}, {os.cpu_count()} cores, PostgreSQL {self._server_version()}",
                "load_average_1min": {"start": round(load, 2), "end": round(os.getloadavg()[0], 2)},
            }
            OUT.mkdir(parents=True, exist_ok=True)
            (OUT / "campaign_open.json").write_text(json.dumps(report, indent=2) + "\n")
            log(
                f"campaign_open: ORM {before['total_s']:.1f} s, INSERT … SELECT {after['total_s']:.1f} s;"
                f" tasks written {before['create_tasks_s'] + before['constraint_checks_s']:.1f} s →"
                f" {tasks_after:.1f} s, COPY baseline {copied['total_s']:.1f} s"
            )
        return {**figures, "campaign": campaign}

    def _server_version(self) -> str:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return str(cursor.fetchone()[0]).split()[0]

    def _vacuum_tasks(self) -> None:
        from django.db import connection

        if not connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE reporting_reporttask")

    # -- task states and reports ---------------------------------------------------------------------

    def _day_weights(self, days: list[dt.date]) -> list[float]:
        """How busy each day of the campaign is: rising towards the deadline, a burst in the
        first week, quiet at weekends, nearly nothing in a golden week."""
        span = max(1, (self.deadline - self.opens_on).days)
        out = []
        for day in days:
            x = (day - self.opens_on).days / span
            w = 0.4 + 2.2 * x**2 + (0.8 if 1 <= (day - self.opens_on).days <= 6 else 0)
            if day.weekday() >= 5:
                w *= 0.25
            if any(a <= day <= b for a, b in HOLIDAYS):
                w *= 0.05
            out.append(w)
        return out

    def _moment(self, rng: random.Random, day: dt.date, start: int = 8, end: int = 20) -> dt.datetime:
        at = dt.datetime.combine(
            day, dt.time(rng.randint(start, end - 1), rng.randint(0, 59), rng.randint(0, 59)), self.tz
        )
        return min(at, self.now - dt.timedelta(minutes=rng.randint(1, 600)))

    def _later(self, rng: random.Random, at: dt.datetime, max_days: int) -> dt.datetime | None:
        """A working-hours moment 0..max_days after `at`, or None when it would be in the future."""
        day = at.date() + dt.timedelta(days=rng.randint(0, max_days))
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        if day > self.today:
            return None
        moment = self._moment(rng, day, 9, 18)
        return moment if moment > at else at + dt.timedelta(minutes=rng.randint(10, 120))

    def _states(self, cursor: Any, campaign: Any) -> tuple[dict[str, int], int]:
        rng = random.Random(self.seed + 2)
        days = [self.opens_on + dt.timedelta(days=d) for d in range((self.today - self.opens_on).days + 1)]
        weights = self._day_weights(days)
        cum_all = _cum(weights[:-1] or weights)  # reviewed ones were submitted before today
        recent = _cum([w * math.exp(-(self.today - d).days / 3) for d, w in zip(days, weights, strict=True)])
        diligence: dict[str, float] = {}
        index = {e[0]: i for i, e in enumerate(self.ent)}
        cursor.execute(
            "SELECT id, enterprise_id, region_code, above_scale FROM reporting_reporttask WHERE campaign_id = %s ORDER BY id",
            [campaign.pk],
        )
        tasks = cursor.fetchall()
        states = dict.fromkeys(("not_started", "draft", "submitted", "returned", "accepted"), 0)
        task_lines: list[str] = []
        nil_count = 0

        def report(
            task_id: int,
            eid: int,
            number: int,
            state: str,
            prepared: dt.datetime,
            submitted: Any,
            reviewed: Any,
        ) -> None:
            comment = rng.choice(REVIEW_COMMENTS) if state == "returned" else ""
            gap = self.gap_codes[index[eid]]
            explained = _json(dict.fromkeys(gap, "本企业不涉及该工艺或场所" if submitted else ""))
            self.report_lines.append(
                "\t".join(
                    (
                        str(task_id), str(eid), str(number), state, prepared.isoformat(),
                        submitted.isoformat() if submitted else "\\N", reviewed.isoformat() if reviewed else "\\N",
                        comment, explained,
                    )
                )
            )  # fmt: skip

        for task_id, eid, region, above in tasks:
            county = region[:6]
            if county not in diligence:
                diligence[county] = rng.uniform(0.7, 1.45)
            u = rng.random() ** (diligence[county] * (1.35 if above else 1.0))
            state = next((s for s, cut in STATE_CUTS if u < cut), "not_started")
            nil = self.reportable[index[eid]] == 0
            submitted_at = accepted_at = None
            version = 0
            if state == "draft":
                prepared = self._moment(rng, _pick(rng, days, recent))
                report(task_id, eid, 1, "draft", prepared, None, None)
                version = 1
            elif state == "submitted":
                submitted_at = self._moment(rng, _pick(rng, days, recent))
                prepared = submitted_at - dt.timedelta(hours=rng.randint(1, 72))
                report(task_id, eid, 1, "submitted", prepared, submitted_at, None)
                version = 2
            elif state in ("returned", "accepted"):
                first = self._moment(rng, _pick(rng, days[:-1] or days, cum_all))
                reviewed = self._later(rng, first, 5)
                twice = state == "accepted" and rng.random() < 0.1
                if twice and reviewed is not None:
                    again = self._later(rng, reviewed, 6)
                    final = self._later(rng, again, 4) if again else None
                    if again is not None and final is not None:
                        report(task_id, eid, 1, "returned", first - dt.timedelta(hours=2), first, reviewed)
                        report(task_id, eid, 2, "accepted", again - dt.timedelta(hours=1), again, final)
                        submitted_at, accepted_at, version = again, final, 5
                if submitted_at is None:
                    if reviewed is None:  # submitted too late to be reviewed yet
                        state = "submitted"
                        report(task_id, eid, 1, "submitted", first - dt.timedelta(hours=2), first, None)
                        submitted_at, version = first, 2
                    else:
                        report(task_id, eid, 1, state, first - dt.timedelta(hours=2), first, reviewed)
                        submitted_at, version = first, 3
                        accepted_at = reviewed if state == "accepted" else None
            states[state] += 1
            if state == "not_started":
                continue
            submitted = submitted_at is not None
            nil_count += int(nil and submitted and state in ("submitted", "accepted"))
            task_lines.append(
                "\t".join(
                    (
                        str(task_id), state, "t" if nil and submitted else "f",
                        submitted_at.isoformat() if submitted_at else "\\N",
                        accepted_at.isoformat() if accepted_at else "\\N", str(version),
                    )
                )
            )  # fmt: skip
        cursor.execute(
            "CREATE TEMP TABLE bench_task_state (task_id bigint PRIMARY KEY, state text, nil boolean,"
            " submitted_at timestamptz, accepted_at timestamptz, version int) ON COMMIT DROP"
        )
        with _copy(
            cursor, "bench_task_state", ["task_id", "state", "nil", "submitted_at", "accepted_at", "version"]
        ) as out:
            for line in task_lines:
                out.line(line)
        cursor.execute(
            "UPDATE reporting_reporttask t SET state = s.state, nil = s.nil, submitted_at = s.submitted_at,"
            " accepted_at = s.accepted_at, version = s.version FROM bench_task_state s WHERE t.id = s.task_id"
        )
        return states, nil_count

    def _reports(self, cursor: Any, reviewer_name: str) -> int:
        """The reports of the tasks, their snapshots built in SQL the way snapshot.py builds them."""
        from django.db import connection

        from saferisk.core.models import User
        from saferisk.reporting.bulk import default_columns
        from saferisk.reporting.models import RiskReport
        from saferisk.reporting.services import DECLARATION
        from saferisk.reporting.snapshot import ENTERPRISE_FIELDS

        reviewer = User.objects.get(username=reviewer_name).pk
        cursor.execute(
            "CREATE TEMP TABLE bench_report (task_id bigint, enterprise_id bigint, number int, state text,"
            " prepared_at timestamptz, submitted_at timestamptz, reviewed_at timestamptz, review_comment text,"
            " gap jsonb) ON COMMIT DROP"
        )
        columns = [
            "task_id",
            "enterprise_id",
            "number",
            "state",
            "prepared_at",
            "submitted_at",
            "reviewed_at",
            "review_comment",
            "gap",
        ]
        with _copy(cursor, "bench_report", columns) as out:
            for line in self.report_lines:
                out.line(line)
        enterprise_json = ", ".join(f"'{f}', e.{f}" for f in ENTERPRISE_FIELDS)
        risk_json = """
            'id', r.id, 'version', r.version, 'name', r.name, 'place', r.place, 'part', r.part,
            'activity', r.activity, 'level', r.level, 'computed_level', r.computed_level,
            'level_reason', r.level_reason, 'residual_level', r.residual_level, 'method', r.method,
            'inputs', r.inputs, 'score', r.score::text,
            'accident_types', COALESCE((SELECT jsonb_agg(a.name ORDER BY a.code) FROM risks_risk_accident_types ra
                JOIN core_accidenttype a ON a.code = ra.accidenttype_id WHERE ra.risk_id = r.id), '[]'::jsonb),
            'measures', COALESCE((SELECT jsonb_agg(jsonb_build_object('kind', m.kind, 'text', m.text)
                ORDER BY m.sort_order, m.id) FROM risks_controlmeasure m WHERE m.risk_id = r.id), '[]'::jsonb),
            'control_tier', r.control_tier, 'department', r.department, 'owner_name', r.owner_name,
            'owner_phone', r.owner_phone, 'emergency_measures', r.emergency_measures,
            'catalog_item', COALESCE(c.code, '')
        """
        given = (
            "task_id, number, state, enterprise_data, risks, major_count, large_count, nil, gap_explanations,"
            " prepared_by_id, prepared_at, submitted_by_id, submitted_at, declaration, reviewed_by_id, reviewed_at,"
            " review_comment, exchange_id"
        )
        others, defaults = default_columns(RiskReport, {c.strip() for c in given.split(",")}, connection)
        cursor.execute(
            f"""
            INSERT INTO reporting_riskreport ({given}{"".join(", " + c for c in others)})
            SELECT b.task_id, b.number, b.state,
                jsonb_build_object({enterprise_json}, 'key_sectors', COALESCE((SELECT jsonb_agg(k.keysector_id
                    ORDER BY k.keysector_id) FROM enterprises_enterprise_key_sectors k WHERE k.enterprise_id = e.id),
                    '[]'::jsonb)),
                COALESCE(rk.risks, '[]'::jsonb), rk.major, rk.large, rk.risks IS NULL, b.gap,
                NULL, b.prepared_at, NULL, b.submitted_at,
                CASE WHEN b.submitted_at IS NULL THEN '' ELSE %s END,
                CASE WHEN b.reviewed_at IS NULL THEN NULL ELSE %s::bigint END, b.reviewed_at, b.review_comment,
                gen_random_uuid(){", %s" * len(others)}
            FROM bench_report b
            JOIN enterprises_enterprise e ON e.id = b.enterprise_id
            LEFT JOIN LATERAL (
                SELECT jsonb_agg(jsonb_build_object({risk_json})
                        ORDER BY CASE r.level WHEN 'MAJOR' THEN 0 ELSE 1 END, r.place, r.id) AS risks,
                    COUNT(*) FILTER (WHERE r.level = 'MAJOR') AS major,
                    COUNT(*) FILTER (WHERE r.level = 'LARGE') AS large
                FROM risks_risk r LEFT JOIN risks_riskcatalogitem c ON c.id = r.catalog_item_id
                WHERE r.enterprise_id = e.id AND r.status = 'active' AND r.level IN ('MAJOR', 'LARGE')
            ) rk ON true
            ORDER BY b.task_id, b.number
            """,
            [DECLARATION, reviewer, *defaults],
        )
        return int(cursor.rowcount)


def main() -> None:
    force = "--force" in sys.argv
    setup(ENTERPRISES, RISKS, force=force)
    info = load_province(
        ENTERPRISES,
        RISKS,
        measure_open="--no-open-bench" not in sys.argv,
        force_campaign="--campaign" in sys.argv,
    )
    print(json.dumps(info, ensure_ascii=False))


if __name__ == "__main__":
    main()
