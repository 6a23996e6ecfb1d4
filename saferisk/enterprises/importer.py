"""Importing the statistics bureau's enterprise list at province scale.

The shape, for 500,000 rows in well under a minute (DESIGN.md §6):
1. read the sheet with calamine and check every row in Python (statistics_list.RowParser):
   reference data is in dicts, nothing touches the database per row;
2. stream the clean rows into a temporary staging table (PostgreSQL `COPY`, SQLite
   `executemany`), outside the main transaction so progress can be committed as it goes;
3. merge in one transaction: rows whose values change are read back to build one
   `enterprise.updated` audit event each, then one `UPDATE … FROM` and one `INSERT … SELECT`;
   the job itself is one `enterprise.imported` event. A failure rolls everything back, a dry
   run rolls back on purpose, so the counts of a dry run are exactly those of the real run;
4. every rejected row goes into an error workbook with its row number, column, value and reason.

Who owns which field: the statistics list owns the name, region, industry, scale, headcount,
revenue and legal representative (a value in the file replaces ours); the enterprise owns its
contacts, address and coordinates (the file only fills them while they are blank). A blank cell
never erases anything, and a file that places an enterprise only at its county never undoes a
finer placement at one of that county's towns.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from saferisk.core.audit import audit_record, audit_record_many, build_event, json_safe
from saferisk.core.errors import DomainError, Forbidden
from saferisk.core.models import Industry, Region, User
from saferisk.enterprises import statistics_list as sl
from saferisk.enterprises.models import Enterprise, ImportJob
from saferisk.enterprises.tabular import Table, TableError, open_table

log = logging.getLogger(__name__)

STAGING = "enterprise_import_staging"  # name prefix; a shared table adds the process and job
STAGING_COLUMNS = ("row_no", *sl.ROW_FIELDS)
CHUNK = 5000
BULK_MIN_ROWS = 50_000  # below this, inserting through the live indexes is cheap enough
ANALYZE_MIN_ROWS = 10_000  # an import that changes this many rows refreshes the planner statistics
PARALLEL_MIN_ROWS = 20_000  # below this, forking workers costs more than it saves
_IMPORT_LOCK_ID = 0x5AFE_1A9B  # advisory lock: one merge into the directory at a time

_STAGING_TYPES = {
    "row_no": "integer",
    "uscc": "varchar(18)",
    "name": "varchar(200)",
    "region_id": "varchar(12)",
    "industry_id": "varchar(5)",
    "above_scale": "boolean",
    "employees": "integer",
    "revenue": "numeric(14,2)",
    "longitude": "numeric(9,6)",
    "latitude": "numeric(9,6)",
}

# Which staging columns a file supplies, by the canonical fields it has.
_SOURCE = {
    "name": "name",
    "region_id": ("region", "town_name"),
    "industry_id": "industry",
    "above_scale": "scale",
    "employees": "employees",
    "revenue": "revenue",
    "address": "address",
    "longitude": "longitude",
    "latitude": "latitude",
    "legal_representative": "legal_representative",
    "principal_name": "principal_name",
    "principal_phone": "principal_phone",
    "contact_phone": "contact_phone",
    "safety_director_name": "safety_director_name",
    "safety_director_phone": "safety_director_phone",
}
STATISTICS_FIELDS = ("name", "industry_id", "above_scale", "employees", "revenue", "legal_representative")
PROFILE_TEXT_FIELDS = (
    "address",
    "principal_name",
    "principal_phone",
    "contact_phone",
    "safety_director_name",
    "safety_director_phone",
)

Progress = Callable[[str, int, int], None]


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    blank_lines: int = 0
    flagged: int = 0
    dry_run: bool = False
    error_file: str | None = None  # storage name of the error workbook
    columns: dict[str, str] = field(default_factory=dict)  # field -> header in the file
    ignored_columns: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)  # the first few, for the summary
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Rejected:
    row_no: int
    cells: list[Any]
    problems: list[sl.RowProblem]


def _lookups(jurisdiction: str) -> sl.Lookups:
    regions: dict[str, str] = {}
    towns_by_name: dict[str, list[str]] = {}
    county_names: dict[str, str] = {}
    for code, name, level in Region.objects.values_list("code", "name", "level"):
        regions[code] = level
        if level == "town":
            towns_by_name.setdefault(name, []).append(code)
        elif level == "county":
            county_names[code] = name
    industries = dict(Industry.objects.values_list("code", "in_scope"))
    return sl.Lookups(regions, industries, jurisdiction, towns_by_name, county_names)


def _jurisdiction(actor: User | None) -> str:
    if actor is None or actor.is_admin:
        return ""
    if actor.is_regulator and actor.jurisdiction_prefix:
        return actor.jurisdiction_prefix
    raise Forbidden("只有监管部门或系统管理员可以导入企业名录", code="import_forbidden")


# --- Staging ---------------------------------------------------------------------------------


def _create_staging(staging: str, *, shared: bool = False) -> None:
    """A temporary table, or an unlogged one that worker processes can COPY into (`shared`)."""
    columns = ", ".join(f"{c} {_STAGING_TYPES.get(c, 'varchar(200)')}" for c in STAGING_COLUMNS)
    kind = "UNLOGGED" if shared else "TEMPORARY"
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {staging}")
        cur.execute(f"CREATE {kind} TABLE {staging} ({columns})")


def _write_staging(staging: str, rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            raw = cur.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {staging} ({', '.join(STAGING_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(STAGING_COLUMNS))
            cur.executemany(f"INSERT INTO {staging} VALUES ({marks})", rows)


def _index_staging(staging: str) -> None:
    with connection.cursor() as cur:
        cur.execute(f"CREATE UNIQUE INDEX {staging}_uscc ON {staging} (uscc)")
        cur.execute(f"ANALYZE {staging}")


def _drop_staging(staging: str) -> None:
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {staging}")


# --- Merge -----------------------------------------------------------------------------------


def _new_value(column: str) -> str:
    """SQL for the value an existing enterprise `e` takes from staging row `s`."""
    if column == "region_id":
        return (
            "CASE WHEN substr(e.region_id, 1, length(s.region_id)) = s.region_id"
            " THEN e.region_id ELSE s.region_id END"
        )
    if column in ("longitude", "latitude"):
        return f"CASE WHEN e.longitude IS NULL AND e.latitude IS NULL THEN s.{column} ELSE e.{column} END"
    if column in PROFILE_TEXT_FIELDS:
        return f"CASE WHEN e.{column} = '' THEN COALESCE(s.{column}, '') ELSE e.{column} END"
    return f"COALESCE(s.{column}, e.{column})"


def _merge(
    *, actor: User | None, job: ImportJob | None, merged: list[str], result: ImportResult, staging: str
) -> None:
    """Update changed enterprises (one audit event each) and insert new ones; in the caller's
    transaction."""
    table = connection.ops.quote_name(Enterprise._meta.db_table)
    differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    # Raw SQL bypasses the field: adapt the timestamp as the ORM would store it (SQLite keeps
    # text, and "…+00:00" would not compare equal to what the ORM writes and filters with).
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_IMPORT_LOCK_ID])
        cur.execute(f"SELECT COUNT(*) FROM {staging} s JOIN {table} e ON e.uscc = s.uscc")
        matched = cur.fetchone()[0]
        if merged and matched:  # a first load has nothing to compare
            changed = " OR ".join(f"({_new_value(c)}) {differs} e.{c}" for c in merged)
            select = ", ".join([f"e.{c}" for c in merged] + [_new_value(c) for c in merged])
            cur.execute(
                f"SELECT e.id, e.uscc, e.name, e.region_id, {select} FROM {staging} s"
                f" JOIN {table} e ON e.uscc = s.uscc WHERE {changed} ORDER BY s.row_no"
            )
            n = len(merged)
            while batch := cur.fetchmany(CHUNK):
                events = []
                for rec in batch:
                    pk, _uscc, name, region = rec[:4]
                    old, new = rec[4 : 4 + n], rec[4 + n :]
                    before = {}
                    after = {}
                    for col, a, b in zip(merged, old, new, strict=True):
                        if json_safe(a) != json_safe(b) and not _same(a, b):
                            label = col.removesuffix("_id")
                            before[label], after[label] = a, b
                    event = build_event(
                        actor=actor,
                        action="enterprise.updated",
                        object_repr=name,
                        region_code=region,
                        enterprise_id=pk,
                        changes={"before": before, "after": after, "import_job": job.pk if job else None},
                    )
                    event.object_type, event.object_id = Enterprise._meta.label_lower, str(pk)
                    events.append(event)
                audit_record_many(events)
                result.updated += len(batch)
            if result.updated:  # a re-import of an unchanged list skips the second join
                # UPDATE … FROM: PostgreSQL, and SQLite since 3.33.
                assignments = ", ".join(f"{c} = {_new_value(c)}" for c in merged)
                cur.execute(
                    f"UPDATE {table} AS e SET {assignments}, updated_at = %s FROM {staging} s"
                    f" WHERE e.uscc = s.uscc AND ({changed})",
                    [now],
                )
        result.unchanged = matched - result.updated
        cur.execute(f"SELECT COUNT(*) FROM {staging}")
        staged = cur.fetchone()[0]
        cur.execute(f"SELECT COUNT(*) FROM {table}")
        existing = cur.fetchone()[0]
        bulk = connection.vendor == "postgresql" and staged - matched >= max(BULK_MIN_ROWS, existing)
        rebuild = _suspend_indexes(cur, Enterprise._meta.db_table) if bulk else []
        cur.execute(
            f"INSERT INTO {table} (uscc, name, region_id, address, longitude, latitude, industry_id,"
            " above_scale, employees, revenue, key_supervised, legal_representative, principal_name,"
            " principal_phone, safety_director_name, safety_director_phone, standardisation_grade,"
            " standardisation_expires, status, contact_phone, source_job_id, created_at, updated_at)"
            " SELECT s.uscc, s.name, s.region_id, COALESCE(s.address, ''), s.longitude, s.latitude,"
            " s.industry_id, COALESCE(s.above_scale, %s), s.employees, s.revenue, %s,"
            " COALESCE(s.legal_representative, ''), COALESCE(s.principal_name, ''),"
            " COALESCE(s.principal_phone, ''), COALESCE(s.safety_director_name, ''),"
            " COALESCE(s.safety_director_phone, ''), 'none', NULL, 'operating',"
            f" COALESCE(s.contact_phone, ''), %s, %s, %s FROM {staging} s"
            f" WHERE NOT EXISTS (SELECT 1 FROM {table} e WHERE e.uscc = s.uscc) ORDER BY s.row_no",
            [False, False, job.pk if job else None, now, now],
        )
        result.created = cur.rowcount
        for statement in rebuild:
            cur.execute(statement)
        if connection.vendor == "postgresql" and result.created + result.updated >= max(
            ANALYZE_MIN_ROWS, existing // 10
        ):
            # Fresh statistics now rather than at autovacuum's leisure: without them PostgreSQL
            # guesses a city's share of a freshly loaded directory 16 times too small and pages it
            # through a nested loop (4.4 s a page instead of 60 ms, measured at 500,000 rows).
            cur.execute(f"ANALYZE {table}")


def _suspend_indexes(cur: Any, table: str) -> list[str]:
    """Drop the secondary indexes and foreign keys of `table` and return the statements that
    recreate them (PostgreSQL). PostgreSQL's own advice for populating a table ("Populating a
    Database" in its manual): building an index once over 500,000 rows is several times faster
    than maintaining it row by row, and one validating join replaces 500,000 trigger checks.
    Used only when an import at least doubles the directory (a province's first load), inside
    the import's transaction, so readers wait for it rather than see a table without indexes."""
    cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
    cur.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN"
        " (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
        [table, table],
    )
    indexes = cur.fetchall()
    cur.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass"
        " AND contype IN ('f', 'u')",
        [table],
    )
    constraints = cur.fetchall()
    quoted = connection.ops.quote_name(table)
    for name, _definition in constraints:
        cur.execute(f"ALTER TABLE {quoted} DROP CONSTRAINT {connection.ops.quote_name(name)}")
    for name, _definition in indexes:
        cur.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return [definition for _name, definition in indexes] + [
        f"ALTER TABLE {quoted} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
        for name, definition in constraints
    ]


def _same(a: Any, b: Any) -> bool:
    """Equal as numbers too (SQLite hands back 2000 for a stored 2000.00)."""
    try:
        return a is not None and b is not None and float(a) == float(b) and type(a) is not bool
    except (TypeError, ValueError):
        return False


# --- Error workbook --------------------------------------------------------------------------


def _write_errors(
    *, rejected: list[_Rejected], flagged: list[tuple[int, str, str]], header: list[Any], name: str
) -> str | None:
    if not rejected and not flagged:
        return None
    with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as tmp:
        path = Path(tmp.name)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
    sheet = book.add_worksheet("错误明细")
    sheet.write_row(0, 0, ["原始行号", "处理", "列", "值", "原因"], bold)
    sheet.set_column(0, 1, 10)
    sheet.set_column(2, 3, 24)
    sheet.set_column(4, 4, 60)
    sheet.freeze_panes(1, 0)
    r = 1
    for rej in rejected:
        for p in rej.problems:
            sheet.write_row(r, 0, [rej.row_no, "未导入", p.column, p.value, p.reason])
            r += 1
    for row_no, code, reason in flagged:
        sheet.write_row(r, 0, [row_no, "已导入（提示）", "行业代码", code, reason])
        r += 1
    if rejected:
        fix = book.add_worksheet("待修正数据")
        fix.write(0, 0, "原始行号", bold)
        fix.write_row(0, 1, [sl.as_cell(c) for c in header], bold)
        fix.freeze_panes(1, 0)
        for i, rej in enumerate(rejected, start=1):
            fix.write(i, 0, rej.row_no)
            fix.write_row(i, 1, [sl.as_cell(c) for c in rej.cells])
    book.close()
    stem = Path(name).stem[:60]
    with path.open("rb") as fh:
        stored = default_storage.save(
            f"imports/errors/{timezone.localdate():%Y/%m}/{stem}-错误明细.xlsx", File(fh)
        )
    path.unlink(missing_ok=True)
    return stored


@dataclass
class _Staged:
    """What reading a file produced besides the staged rows."""

    rows: int = 0
    blank_lines: int = 0
    rejected: list[_Rejected] = field(default_factory=list)
    flagged: list[tuple[int, str, str]] = field(default_factory=list)
    keys: list[tuple[str, int]] = field(default_factory=list)  # (USCC, row number) of staged rows


OUT_OF_SCOPE = "该行业不在本省安全生产监管行业范围内，已导入并标记"


def _duplicate(parser: sl.RowParser, code: str, first: int) -> list[sl.RowProblem]:
    return [sl.RowProblem(parser.header("uscc"), code, f"与第{first}行的统一社会信用代码重复，本行未导入")]


def _stage_sequential(
    rows: Iterator[tuple[int, list[Any]]], parser: sl.RowParser, staging: str, report: Progress, total: int
) -> _Staged:
    out = _Staged()
    seen: dict[str, int] = {}
    chunk: list[tuple[Any, ...]] = []
    for row_no, cells in rows:
        if parser.is_blank(cells):
            out.blank_lines += 1
            continue
        out.rows += 1
        row, problems, out_of_scope = parser.parse(cells)
        if row is not None:
            first = seen.get(row[0])
            if first is not None:
                problems, row = _duplicate(parser, row[0], first), None
            else:
                seen[row[0]] = row_no
        if row is None:
            out.rejected.append(_Rejected(row_no, list(cells), problems))
            continue
        if out_of_scope:
            out.flagged.append((row_no, row[3], OUT_OF_SCOPE))
        chunk.append((row_no, *row))
        if len(chunk) >= CHUNK:
            _write_staging(staging, chunk)
            chunk = []
            report("reading", row_no, total)
    _write_staging(staging, chunk)
    return out


def _psycopg_params() -> dict[str, Any]:
    """Connection parameters for a worker's own PostgreSQL connection."""
    sd = connection.settings_dict
    params = {
        "dbname": sd["NAME"],
        "user": sd.get("USER"),
        "password": sd.get("PASSWORD"),
        "host": sd.get("HOST"),
        "port": sd.get("PORT"),
    }
    return {k: v for k, v in params.items() if v}


def _stage_worker(
    k: int,
    n: int,
    table: Table,
    header_row: int,
    parser: sl.RowParser,
    staging: str,
    params: dict[str, Any],
    progress: Any,
    send: Any,
) -> None:
    """Worker k of n (a forked process): check every n-th row and COPY the good ones. It never
    touches Django's connection, which belongs to the parent."""
    import psycopg

    out = _Staged()
    try:
        columns = ", ".join(STAGING_COLUMNS)
        with (
            psycopg.connect(**params) as pg,
            pg.cursor() as cur,
            cur.copy(f"COPY {staging} ({columns}) FROM STDIN") as copy,
        ):
            for index, (row_no, cells) in enumerate(table.restart()):
                if row_no <= header_row or index % n != k:
                    continue
                if parser.is_blank(cells):
                    out.blank_lines += 1
                    continue
                out.rows += 1
                row, problems, out_of_scope = parser.parse(cells)
                if row is None:
                    out.rejected.append(_Rejected(row_no, list(cells), problems))
                    continue
                copy.write_row((row_no, *row))
                out.keys.append((row[0], row_no))
                if out_of_scope:
                    out.flagged.append((row_no, row[3], OUT_OF_SCOPE))
                if out.rows % CHUNK == 0:
                    progress[k] = out.rows
        send.send(out)
    except BaseException as exc:  # reported to the parent, which fails the import
        send.send(f"{type(exc).__name__}: {exc}")
    finally:
        send.close()


def _stage_parallel(
    table: Table, header_row: int, parser: sl.RowParser, staging: str, report: Progress
) -> _Staged:
    workers = min(os.cpu_count() or 2, 4)
    ctx = multiprocessing.get_context("fork")
    progress = ctx.Array("q", workers)
    params = _psycopg_params()
    procs = []
    for k in range(workers):
        recv, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(
            target=_stage_worker,
            args=(k, workers, table, header_row, parser, staging, params, progress, send),
            daemon=True,
        )
        proc.start()
        send.close()
        procs.append((proc, recv))
    outcomes: dict[int, Any] = {}
    while len(outcomes) < workers:
        for k, (_proc, recv) in enumerate(procs):
            if k in outcomes or not recv.poll(0.2):
                continue
            try:
                outcomes[k] = recv.recv()
            except EOFError:
                outcomes[k] = "worker exited without a result"
        report("reading", sum(int(v) for v in progress[:]), table.total)
    for proc, _recv in procs:
        proc.join()
    failures = [o for o in outcomes.values() if isinstance(o, str)]
    if failures:
        raise RuntimeError(f"import worker failed: {failures[0]}")
    parts: list[_Staged] = [outcomes[k] for k in range(workers)]
    out = _Staged(
        rows=sum(p.rows for p in parts),
        blank_lines=sum(p.blank_lines for p in parts),
        rejected=[r for p in parts for r in p.rejected],
        flagged=[f for p in parts for f in p.flagged],
    )
    # Duplicates across workers: the first occurrence in the file stays, later ones are rejected.
    first: dict[str, int] = {}
    duplicates: dict[int, tuple[str, int]] = {}
    for code, row_no in sorted((key for p in parts for key in p.keys), key=lambda key: key[1]):
        seen = first.setdefault(code, row_no)
        if seen != row_no:
            duplicates[row_no] = (code, seen)
    if duplicates:
        with connection.cursor() as cur:
            cur.execute(f"DELETE FROM {staging} WHERE row_no = ANY(%s)", [list(duplicates)])
        for row_no, cells in table.restart():
            if row_no in duplicates:
                code, seen = duplicates[row_no]
                out.rejected.append(_Rejected(row_no, list(cells), _duplicate(parser, code, seen)))
        out.flagged = [f for f in out.flagged if f[0] not in duplicates]
    out.rejected.sort(key=lambda r: r.row_no)
    out.flagged.sort()
    return out


# --- The import ------------------------------------------------------------------------------


def import_statistics_list(
    *,
    actor: User | None,
    path: Path,
    original_name: str | None = None,
    dry_run: bool = False,
    default_above_scale: bool | None = None,
    job: ImportJob | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import one statistics list file; see the module docstring. Raises DomainError (nothing
    written) when the file as a whole cannot be used: unreadable, no header row, missing
    required columns."""
    jurisdiction = _jurisdiction(actor)
    name = original_name or path.name
    clock = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(phase: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[phase] = round(now - clock, 3)
        clock = now

    report = progress or (lambda phase, done, total: None)
    try:
        table = open_table(
            path,
            name=name,
            wanted=lambda head: sl.find_layout(head) is not None,
            scan=sl.HEADER_SCAN_ROWS,
        )
    except TableError as exc:
        raise DomainError("file_unreadable", str(exc)) from exc
    head: list[tuple[int, list[Any]]] = []
    rows_iter: Iterator[tuple[int, list[Any]]] = table.rows
    for item in rows_iter:
        head.append(item)
        if len(head) >= sl.HEADER_SCAN_ROWS:
            break
    lap("open")
    layout = sl.find_layout(head)
    if layout is None:
        raise DomainError(
            "header_not_found",
            "未找到表头：表格前30行中应有一行同时包含“统一社会信用代码”和“企业名称”列",
        )
    missing = []
    if not (layout.has("region") or layout.has("town_name")):
        missing.append("行政区划代码（或所在乡镇）")
    if not layout.has("industry"):
        missing.append("行业代码")
    if missing:
        raise DomainError("columns_missing", f"缺少必需的列：{'、'.join(missing)}")
    header_cells = next(cells for row_no, cells in head if row_no == layout.header_row)
    parser = sl.RowParser(layout, _lookups(jurisdiction), default_above_scale=default_above_scale)
    result = ImportResult(dry_run=dry_run, columns=dict(layout.headers), ignored_columns=layout.ignored)

    def data_rows() -> Iterator[tuple[int, list[Any]]]:
        for row_no, cells in head:
            if row_no > layout.header_row:
                yield row_no, cells
        yield from rows_iter

    merged = [
        col
        for col, source in _SOURCE.items()
        if (layout.has(source) if isinstance(source, str) else any(layout.has(s) for s in source))
    ]
    if default_above_scale is not None and "above_scale" not in merged:
        merged.append("above_scale")

    # Big files on PostgreSQL are checked by one forked worker per core, each COPYing its share
    # of the rows into a shared unlogged staging table; SQLite (one writer) and small files take
    # the single-process path. Workers need committed tables, so not inside a transaction.
    parallel = (
        connection.vendor == "postgresql"
        and table.total >= PARALLEL_MIN_ROWS
        and (os.cpu_count() or 1) > 1
        and not connection.in_atomic_block
    )
    staging = f"{STAGING}_{os.getpid()}_{job.pk if job else 0}" if parallel else STAGING
    report("reading", 0, table.total)
    _create_staging(staging, shared=parallel)
    try:
        if parallel:
            staged = _stage_parallel(table, layout.header_row, parser, staging, report)
        else:
            staged = _stage_sequential(data_rows(), parser, staging, report, table.total)
        rejected, flagged = staged.rejected, staged.flagged
        result.rows, result.blank_lines = staged.rows, staged.blank_lines
        result.rejected = len(rejected)
        result.flagged = len(flagged)
        lap("read_check_stage")
        report("merging", table.total, table.total)
        _index_staging(staging)
        lap("index_staging")
        with transaction.atomic():
            _merge(actor=actor, job=job, merged=merged, result=result, staging=staging)
            summary = {
                k: getattr(result, k)
                for k in ("rows", "created", "updated", "unchanged", "rejected", "blank_lines", "flagged")
            }
            audit_record(
                actor=actor,
                action="enterprise.imported",
                obj=job,
                object_repr=name,
                region_code=jurisdiction,
                changes={"after": {"file": name, "dry_run": dry_run, **summary}},
            )
            if dry_run:
                transaction.set_rollback(True)
        lap("merge_commit")
    finally:
        _drop_staging(staging)
    report("writing_errors", table.total, table.total)
    result.error_file = _write_errors(rejected=rejected, flagged=flagged, header=header_cells, name=name)
    lap("error_workbook")
    result.timings = timings
    result.errors = [
        {"row": r.row_no, "column": p.column, "value": p.value, "reason": p.reason}
        for r in rejected[:50]
        for p in r.problems
    ][:100]
    assert result.created + result.updated + result.unchanged + result.rejected == result.rows, result
    return result


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
