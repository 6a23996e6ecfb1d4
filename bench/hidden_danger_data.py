"""Twenty million hidden dangers for benchmarks, on the province of `bench/province_data.py`.

Contract (bench/ on sys.path):

    from province_data import ENTERPRISES, RISKS, setup, load_province
    from hidden_danger_data import load_hidden_dangers
    setup(ENTERPRISES, RISKS)                 # before Django (creates or reuses the database)
    load_province(ENTERPRISES, RISKS)         # the enterprises (cached)
    info = load_hidden_dangers()              # inside Django: loads, or reuses a cached load

`load_hidden_dangers(total=BENCH_HD_ROWS (20,000,000), big=BENCH_HD_BIG (200,000)) -> dict`
returns a JSON-ready dict: `rows`, `states` {state: rows}, `overdue`, `major`, `sources`,
`big_enterprise` (id, region, rows: the one enterprise given `big` hidden dangers, for the deep
pages), `users` {"enterprise": username of a filler of that enterprise}, `timings` {stage: s},
`sizes` {table or index: bytes}, `tally_rows` {table: rows}, `loaded_on`, `cached`.

What is loaded, by one INSERT … SELECT per day of the current year up to the day of loading
(rows in the order they were registered: ids rise with `found_at`, enterprises interleaved):

- a plan per enterprise (an unlogged table): how many hidden dangers it finds in the year,
  about 4× as many for an enterprise above scale, spread ±70 %; one enterprise above scale
  (outside 吴中区, the county the benchmark's county regulator holds) gets `big` of them;
- each day's share by its weight (weekdays 1, Saturdays 0.45, Sundays 0.3, the National Day and
  Spring Festival weeks 0.15); per enterprise and day floor(n × share + random()) rows from
  `generate_series`, so nothing passes through Python;
- the state by age against the rectification deadline (7/15/30/60 days): still unrectified
  with probability 0.015 + 0.85·exp(-(age/deadline)³), waiting for or past acceptance with
  0.012 + 0.55·exp(-age/10) of the rest, else closed; at full size on 24 November this gave
  7.3 % unrectified (found / assessed / rectifying; 1.7 % of all overdue), 1.7 % rectified or
  accepted, 91 % closed;
- rectified on time in 90 % of cases (`on_time` = rectified_on ≤ deadline; dates capped at the
  day of loading), accepted 1–6 days later, closed within 3 days of acceptance;
- 0.5 % major (among those assessed) with criteria codes and `reported_at`; sources 80 %
  self-check, 12 % regulator inspection, 3 % verification, 1 % tip-off, 4 % other;
- `region_code` the enterprise's town, `division` the first two digits of its industry; every
  NOT NULL column written (Django sets no database defaults); `version` counts the steps taken.

A load starts from the app's migrations as they are on disk (`migrate hidden_dangers zero`, then
`migrate`), so a load that died half-way or a migration regenerated under the same name leaves
nothing behind. The table's secondary indexes are dropped for the inserts and rebuilt from their
own definitions; foreign-key triggers are off meanwhile (`session_replication_role`).
Then VACUUM ANALYZE (index-only scans need the visibility map) and `tally.rebuild()`.

Cache: the stage `hidden_dangers` in province_data's marker table, keyed by the register's key,
the sizes, HD_VERSION and the hidden_dangers migrations (names and contents); older than province_data.MAX_AGE_DAYS
or from another year (the states and overdue are relative to the day of loading) it is redone.
BENCH_HD_FORCE=1 reloads. Timings of each stage go to stderr as they finish.
CLI: `python bench/hidden_danger_data.py` loads (and the province first) and prints the dict.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from province_data import (  # noqa: E402 (bench/ on sys.path first)
    ENTERPRISES,
    HOLIDAYS,
    MARKER,
    RISKS,
    SEED,
    Timer,
    _digest,
    _mark,
    _markers,
    _migrations,
    log,
    register_key,
)

TOTAL = int(os.environ.get("BENCH_HD_ROWS", "20000000"))
BIG = int(os.environ.get("BENCH_HD_BIG", "200000"))
# Bump when what the loader writes changes.
HD_VERSION = 2
STAGE = "hidden_dangers"
TABLE = "hidden_dangers_hiddendanger"
PLAN = "bench_hd_plan"
ENTERPRISE_USER = "bench_hd_enterprise"
PASSWORD = "Bench#Pass2026"  # noqa: S105 (the bench users of a throwaway database)
AVOID_COUNTY = "320506"  # the county regulator's county: the big enterprise is elsewhere

# Where and what (place, defect, its rectification): title = defect, place as found.
PLACES = [
    "生产车间",
    "配电室",
    "原料仓库",
    "成品仓库",
    "危化品库",
    "空压站",
    "锅炉房",
    "厂区道路",
    "办公楼",
    "食堂",
    "污水处理站",
    "装卸平台",
    "喷涂车间",
    "机加工车间",
    "除尘系统",
    "有限空间作业点",
]
DEFECTS = [
    ("配电箱未设置漏电保护器", "加装漏电保护器"),
    ("消防通道堆放杂物", "清理消防通道"),
    ("灭火器压力不足", "更换灭火器"),
    ("安全出口指示灯损坏", "修复安全出口指示灯"),
    ("传动部位防护罩缺失", "加装防护罩"),
    ("气瓶未固定且无防倾倒措施", "设置气瓶固定架"),
    ("特种作业人员证书过期", "组织复审取证"),
    ("安全警示标识缺失", "补设安全警示标识"),
    ("电线私拉乱接", "规范敷设线路"),
    ("除尘器泄爆口朝向人员通道", "调整泄爆口朝向"),
    ("有限空间未设置警示标识", "设置有限空间警示标识"),
    ("危化品未分类存放", "按禁忌要求分区存放"),
    ("压力表未按期校验", "送检压力表"),
    ("安全阀未按期校验", "送检安全阀"),
    ("应急照明不能正常工作", "维修应急照明"),
    ("劳动防护用品未按规定佩戴", "开展教育并督促佩戴"),
    ("叉车未按期检验", "叉车送检"),
    ("动火作业未办理审批", "补办审批并完善作业票"),
    ("喷淋系统阀门关闭", "开启阀门并上锁"),
    ("可燃气体报警器失效", "更换可燃气体报警器"),
    ("货架超载存放", "减载并设置限载标识"),
    ("安全教育培训记录不全", "补充培训并完善台账"),
    ("应急预案未演练", "组织应急演练"),
    ("接地装置未检测", "检测接地电阻"),
    ("吊索具磨损严重", "更换吊索具"),
    ("楼梯护栏松动", "加固护栏"),
    ("粉尘清扫制度未落实", "落实定期清扫"),
    ("液氨管道腐蚀", "更换腐蚀管段"),
    ("员工宿舍违规使用电器", "清理违规电器"),
    ("作业现场照明不足", "增设照明"),
]
OWNERS = ["王建国", "李明", "张伟", "刘芳", "陈军", "杨洋", "赵磊", "黄敏", "周强", "吴静", "徐涛", "孙丽"]
CRITERIA = [
    ["industry_trade_2023_m1"],
    ["industry_trade_2023_m2"],
    ["chemical_2017_2"],
    ["chemical_2017_4"],
    ["industry_trade_2023_m4"],
]
COLUMNS = (
    "enterprise_id, region_code, division, source, grade, criteria, grade_reason, state, version, title,"
    " description, place, found_on, found_at, reported_at, assessed_at, deadline, measures, owner_name,"
    " owner_phone, funds, contingency, safeguards, planned_at, rectified_on, rectification_note, on_time,"
    " accepted_at, acceptance_note, closed_at, escalation, updated_at"
)

# One day's hidden dangers. x: the random draws per row; y: deadline and state; z: the dates.
DAY_SQL = f"""
INSERT INTO {TABLE} ({COLUMNS})
SELECT enterprise_id, region_code, division, source, grade,
       CASE WHEN grade = 'major' THEN (%(criteria)s::jsonb[])[1 + floor(u_grade * 1000)::int %% %(n_criteria)s]
            ELSE '[]'::jsonb END,
       '', state,
       CASE state WHEN 'found' THEN 1 WHEN 'assessed' THEN 2 WHEN 'rectifying' THEN 3
                  WHEN 'rectified' THEN 4 WHEN 'accepted' THEN 5 ELSE 6 END,
       (%(defects)s::text[])[1 + d], CASE WHEN u_text < 0.3 THEN place || '现场检查发现' || (%(defects)s::text[])[1 + d] ELSE '' END,
       place, found_on, found_at,
       CASE WHEN grade = 'major' THEN least(found_at + interval '2 hours', %(now)s) END,
       assessed_at, deadline,
       CASE WHEN state <> 'found' THEN (%(fixes)s::text[])[1 + d] ELSE '' END,
       CASE WHEN state <> 'found' THEN (%(owners)s::text[])[1 + floor(u_text * 12)::int] ELSE '' END,
       CASE WHEN state <> 'found' THEN '139' || lpad((enterprise_id %% 100000000)::text, 8, '0') ELSE '' END,
       CASE WHEN state <> 'found' AND u_text < 0.5 THEN round((200 + u_fix * 20000)::numeric, 2) END,
       CASE WHEN grade = 'major' THEN '停产整改，专人监护' ELSE '' END,
       CASE WHEN state IN ('assessed', 'rectifying') THEN '设置警示标识，加强巡查' ELSE '' END,
       planned_at, rectified_on_,
       CASE WHEN rectified_on_ IS NOT NULL THEN '已' || (%(fixes)s::text[])[1 + d] ELSE '' END,
       CASE WHEN rectified_on_ IS NOT NULL THEN rectified_on_ <= deadline END,
       accepted_at, CASE WHEN accepted_at IS NOT NULL THEN '验收合格' ELSE '' END,
       closed_at,
       CASE WHEN state IN ('assessed', 'rectifying') AND deadline < %(today)s
            THEN least(3, 1 + (%(today)s - deadline) / 7) ELSE 0 END,
       least(coalesce(closed_at, accepted_at, (rectified_on_ + interval '17 hours') AT TIME ZONE %(tz)s,
                      planned_at, assessed_at, found_at), %(now)s)
FROM (
  SELECT y.*,
         CASE WHEN state <> 'found' THEN least(found_at + (0.2 + u_t1 * 2) * interval '1 day', %(now)s) END
           AS assessed_at,
         CASE WHEN state <> 'found' THEN found_on + dl END AS deadline,
         CASE WHEN state NOT IN ('found', 'assessed')
              THEN least(found_at + (0.5 + u_t1 * 2) * interval '1 day', %(now)s) END AS planned_at,
         CASE WHEN state IN ('accepted', 'closed')
              THEN least((rectified_on_ + interval '9 hours') AT TIME ZONE %(tz)s
                         + (1 + u_t2 * 5) * interval '1 day', %(now)s) END AS accepted_at,
         CASE WHEN state = 'closed'
              THEN least((rectified_on_ + interval '9 hours') AT TIME ZONE %(tz)s
                         + (1 + u_t2 * 5 + u_t3 * 3) * interval '1 day', %(now)s) END AS closed_at
  FROM (
    SELECT x.*, s.state,
           CASE WHEN s.state IN ('rectified', 'accepted', 'closed') THEN
             least(CASE WHEN u_fix < 0.9 THEN found_on + 1 + floor(u_t1 * (dl - 1))::int
                        ELSE found_on + dl + 1 + floor(u_t1 * 20)::int END, %(today)s) END AS rectified_on_,
           CASE WHEN s.state <> 'found' AND u_grade < 0.005 THEN 'major' ELSE 'general' END AS grade
    FROM (
      SELECT p.enterprise_id, p.region_code, p.division,
             %(day)s::date AS found_on,
             least((%(day)s::date + (8 + random() * 10) * interval '1 hour') AT TIME ZONE %(tz)s, %(now)s)
               AS found_at,
             CASE WHEN r.u_src < 0.80 THEN 'self_check' WHEN r.u_src < 0.92 THEN 'inspection'
                  WHEN r.u_src < 0.95 THEN 'verification' WHEN r.u_src < 0.96 THEN 'tip_off'
                  ELSE 'other' END AS source,
             CASE WHEN r.u_dl < 0.2 THEN 7 WHEN r.u_dl < 0.5 THEN 15 WHEN r.u_dl < 0.85 THEN 30 ELSE 60 END AS dl,
             (%(places)s::text[])[1 + floor(r.u_place * %(n_places)s)::int] AS place,
             floor(r.u_defect * %(n_defects)s)::int AS d,
             r.*
      FROM {PLAN} p
      CROSS JOIN LATERAL (SELECT floor(p.n * %(share)s + random())::int AS k OFFSET 0) c
      CROSS JOIN LATERAL generate_series(1, c.k) g
      CROSS JOIN LATERAL (SELECT random() AS u_state, random() AS u_sub, random() AS u_grade,
                                 random() AS u_src, random() AS u_dl, random() AS u_place,
                                 random() AS u_defect, random() AS u_text, random() AS u_fix,
                                 random() AS u_t1, random() AS u_t2, random() AS u_t3,
                                 g AS g_) r
      WHERE c.k > 0
      OFFSET 0
    ) x
    CROSS JOIN LATERAL (
      SELECT CASE
        WHEN x.u_state < 0.015 + 0.85 * exp(-least(power(%(age)s::float8 / x.dl, 3), 50)) THEN
          CASE WHEN %(age)s < 2 OR x.u_sub < 0.12 THEN 'found' WHEN x.u_sub < 0.3 THEN 'assessed'
               ELSE 'rectifying' END
        WHEN x.u_state < 0.015 + 0.85 * exp(-least(power(%(age)s::float8 / x.dl, 3), 50))
             + (0.985 - 0.85 * exp(-least(power(%(age)s::float8 / x.dl, 3), 50)))
               * (0.012 + 0.55 * exp(-least(%(age)s / 10.0, 50))) THEN
          CASE WHEN x.u_sub < 0.6 THEN 'rectified' ELSE 'accepted' END
        ELSE 'closed' END AS state
      OFFSET 0
    ) s
    OFFSET 0
  ) y
  OFFSET 0
) z
ORDER BY found_at
"""


def hd_key(total: int, big: int) -> str:
    """Sizes, HD_VERSION and the hidden_dangers migrations by content (an unreleased migration
    may be regenerated under the same name)."""
    root = Path(__file__).resolve().parents[1]
    return _digest(
        register_key(ENTERPRISES, RISKS, SEED),
        f"{total} {big} {HD_VERSION}",
        *(f"{m} {_digest((root / m).read_text())}" for m in _migrations("hidden_dangers")),
    )


def _day_weights(start: dt.date, today: dt.date) -> list[tuple[dt.date, float]]:
    out = []
    day = start
    while day <= today:
        w = {5: 0.45, 6: 0.3}.get(day.weekday(), 1.0)
        if any(a <= day <= b for a, b in HOLIDAYS):
            w = 0.15
        out.append((day, w))
        day += dt.timedelta(days=1)
    return out


def _remigrate() -> None:
    """The app's tables afresh from its migrations as they are on disk: unapplied to zero, then
    applied (nothing else depends on them). A migration regenerated under the same name, or a
    load that died with its indexes dropped, leaves nothing behind."""
    from django.core.management import call_command

    call_command("migrate", "hidden_dangers", "zero", verbosity=0)
    call_command("migrate", "hidden_dangers", verbosity=0)


def load_hidden_dangers(total: int = TOTAL, big: int = BIG) -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone

    key = hd_key(total, big)
    today = timezone.localdate()
    with connection.cursor() as cursor:
        markers = _markers(cursor)
        found_key, info = markers.get(STAGE, ("", {}))
        if (
            found_key == key
            and os.environ.get("BENCH_HD_FORCE") != "1"
            and (today - dt.date.fromisoformat(info["loaded_on"])).days < 7
            and info["loaded_on"][:4] == str(today.year)
        ):
            log(f"hidden dangers: cached ({info['rows']:,} rows, loaded {info['loaded_on']})")
            return {**info, "cached": True}
        cursor.execute(f"DELETE FROM {MARKER} WHERE stage = %s", [STAGE])
    info = _Load(total, big, today).run()
    with connection.cursor() as cursor:
        _mark(cursor, STAGE, key, info)
    return {**info, "cached": False}


class _Load:
    def __init__(self, total: int, big: int, today: dt.date) -> None:
        self.total = total
        self.big = big
        self.today = today
        self.timer = Timer()

    def run(self) -> dict[str, Any]:
        from django.db import connection

        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            cursor.execute("SET work_mem = '256MB'")
            cursor.execute("SET synchronous_commit = off")
            cursor.execute("SET jit = off")  # compiling the day's expressions cost seconds a statement
            with self.timer.phase("clear"):
                _remigrate()
            with self.timer.phase("plan"):
                big_id, big_region = self._plan(cursor)
            saved = self._drop_indexes(cursor)
            with self.timer.phase("rows"):
                rows = self._rows(cursor)
            with self.timer.phase("indexes"):
                for name, definition in saved:
                    with self.timer.phase(f"index {name}"):
                        cursor.execute(definition)
            cursor.execute(f"DROP TABLE IF EXISTS {PLAN}")
            with self.timer.phase("vacuum analyze"):
                cursor.execute(f"VACUUM ANALYZE {TABLE}")
        from saferisk.hidden_dangers import tally

        with self.timer.phase("tally.rebuild"):
            tally.rebuild()
        with connection.cursor() as cursor:
            for t in (
                "hidden_dangers_hiddendangertally",
                "hidden_dangers_hiddendangercountytally",
                "hidden_dangers_hiddendangermonth",
            ):
                cursor.execute(f"VACUUM ANALYZE {t}")
            users = self._users(big_id)
            facts = self._facts(cursor, big_id)
            cursor.execute("RESET maintenance_work_mem")
            cursor.execute("RESET work_mem")
            cursor.execute("RESET synchronous_commit")
            cursor.execute("RESET jit")
        self.timer.timings["total"] = round(time.perf_counter() - t0, 1)
        log(f"hidden dangers: {rows:,} rows loaded in {self.timer.timings['total']:.0f} s")
        return {
            **facts,
            "big_enterprise": {"id": big_id, "region": big_region, "rows": facts["big_rows"]},
            "users": users,
            "timings": self.timer.timings,
            "loaded_on": self.today.isoformat(),
        }

    def _plan(self, cursor: Any) -> tuple[int, str]:
        cursor.execute(
            "SELECT id, region_id FROM enterprises_enterprise WHERE above_scale AND region_id NOT LIKE %s"
            " ORDER BY id LIMIT 1",
            [AVOID_COUNTY + "%"],
        )
        big_id, big_region = cursor.fetchone()
        cursor.execute(f"DROP TABLE IF EXISTS {PLAN}")
        cursor.execute("SELECT setseed(0.6)")
        cursor.execute(
            f"CREATE UNLOGGED TABLE {PLAN} AS SELECT id AS enterprise_id, region_id AS region_code,"
            " left(industry_id, 2) AS division,"
            " (CASE WHEN above_scale THEN 4 ELSE 1 END) * (0.3 + random() * 1.4) AS w"
            " FROM enterprises_enterprise WHERE id <> %s",
            [big_id],
        )
        cursor.execute(f"ALTER TABLE {PLAN} ADD COLUMN n float8")
        cursor.execute(
            f"UPDATE {PLAN} SET n = w * %s / (SELECT sum(w) FROM {PLAN})",
            [self.total - self.big],
        )
        cursor.execute(
            f"INSERT INTO {PLAN} (enterprise_id, region_code, division, w, n)"
            " SELECT id, region_id, left(industry_id, 2), 0, %s FROM enterprises_enterprise WHERE id = %s",
            [self.big, big_id],
        )
        cursor.execute(f"VACUUM ANALYZE {PLAN}")
        return big_id, big_region

    def _drop_indexes(self, cursor: Any) -> list[tuple[str, str]]:
        """The table's secondary indexes (all but the primary key), dropped; their definitions
        are returned to build them again after the load."""
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN"
            " (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
            [TABLE, TABLE],
        )
        saved = cursor.fetchall()
        for name, _definition in saved:
            cursor.execute(f'DROP INDEX "{name}"')
        return saved

    def _rows(self, cursor: Any) -> int:
        from django.conf import settings
        from django.utils import timezone

        start = dt.date(self.today.year, 1, 1)
        days = _day_weights(start, self.today)
        weight = sum(w for _d, w in days)
        now = timezone.now()
        # Today is only partly over: its share as the part of the working day gone.
        local = timezone.localtime(now)
        params = {
            "criteria": [json.dumps(c) for c in CRITERIA],
            "n_criteria": len(CRITERIA),
            "defects": [d for d, _f in DEFECTS],
            "fixes": [f for _d, f in DEFECTS],
            "n_defects": len(DEFECTS),
            "places": PLACES,
            "n_places": len(PLACES),
            "owners": OWNERS,
            "now": now,
            "today": self.today,
            "tz": settings.TIME_ZONE,
        }
        rows = 0
        t0 = time.perf_counter()
        cursor.execute("SET session_replication_role = replica")  # no FK triggers for the load
        try:
            for i, (day, w) in enumerate(days):
                share = w / weight
                if day == self.today:
                    share *= min(1.0, max(0.05, (local.hour - 8) / 10))
                cursor.execute("SELECT setseed(%s)", [((day.toordinal() * 7919) % 10000) / 10000.0])
                cursor.execute(
                    DAY_SQL, {**params, "day": day, "share": share, "age": (self.today - day).days}
                )
                rows += cursor.rowcount
                if i % 30 == 0 or day == self.today:
                    log(f"  rows to {day}: {rows:,} ({time.perf_counter() - t0:.0f} s)")
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{TABLE}', 'id'), COALESCE((SELECT MAX(id) FROM {TABLE}), 0) + 1, false)"
        )
        return rows

    def _users(self, big_id: int) -> dict[str, str]:
        from saferisk.core.choices import Role
        from saferisk.core.models import User
        from saferisk.core.services import NewUser, user_create
        from saferisk.enterprises.models import Enterprise

        User.objects.filter(username=ENTERPRISE_USER).exclude(enterprise_id=big_id).delete()
        if not User.objects.filter(username=ENTERPRISE_USER).exists():
            user_create(
                actor=None,
                new=NewUser(
                    username=ENTERPRISE_USER,
                    role=Role.ENTERPRISE_FILLER,
                    full_name="隐患基准测试填报员",
                    enterprise=Enterprise.objects.get(pk=big_id),
                    phone="13900000000",
                    password=PASSWORD,
                    must_change_password=False,
                ),
            )
        return {"enterprise": ENTERPRISE_USER}

    def _facts(self, cursor: Any, big_id: int) -> dict[str, Any]:
        """Counts from the rebuilt tallies (not another pass over 20M rows), overdue and the big
        enterprise's rows by their indexes, sizes from the catalogue."""
        tally = "hidden_dangers_hiddendangercountytally"
        cursor.execute(f"SELECT state, sum(count) FROM {tally} GROUP BY state ORDER BY state")  # noqa: S608
        states = {k: int(v) for k, v in cursor.fetchall()}
        cursor.execute(f"SELECT source, sum(count) FROM {tally} GROUP BY source ORDER BY source")  # noqa: S608
        sources = {k: int(v) for k, v in cursor.fetchall()}
        cursor.execute(
            f"SELECT sum(count) FILTER (WHERE grade = 'major'), sum(on_time),"  # noqa: S608
            f" sum(count) FILTER (WHERE state IN ('rectified', 'accepted', 'closed')) FROM {tally}"
        )
        major, on_time, rectified = (int(v or 0) for v in cursor.fetchone())
        cursor.execute(
            f"SELECT count(*) FROM {TABLE} WHERE state IN ('found', 'assessed', 'rectifying')"  # noqa: S608
            f" AND deadline < %s",
            [self.today],
        )
        overdue = cursor.fetchone()[0]
        cursor.execute(f"SELECT count(*) FROM {TABLE} WHERE enterprise_id = %s", [big_id])  # noqa: S608
        big_rows = cursor.fetchone()[0]
        sizes = {}
        cursor.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid), pg_relation_size(c.oid) FROM pg_class c"
            " WHERE c.relname LIKE 'hidden_dangers_hiddendanger%%' AND c.relkind = 'r'"
        )
        for name, total_bytes, heap in cursor.fetchall():
            sizes[name] = {"heap": heap, "total": total_bytes}
        cursor.execute(
            "SELECT indexrelname, pg_relation_size(indexrelid) FROM pg_stat_user_indexes WHERE relname = %s"
            " ORDER BY 2 DESC",
            [TABLE],
        )
        indexes = dict(cursor.fetchall())
        tally_rows = {}
        for t in (
            "hidden_dangers_hiddendangertally",
            "hidden_dangers_hiddendangercountytally",
            "hidden_dangers_hiddendangermonth",
        ):
            cursor.execute(f"SELECT count(*) FROM {t}")  # noqa: S608
            tally_rows[t] = cursor.fetchone()[0]
        return {
            "rows": sum(states.values()),
            "states": states,
            "sources": sources,
            "overdue": overdue,
            "major": major,
            "on_time_share": round(on_time / rectified, 3) if rectified else None,
            "big_rows": big_rows,
            "sizes": sizes,
            "indexes": indexes,
            "tally_rows": tally_rows,
        }


def main() -> None:
    from province_data import load_province, setup

    setup(ENTERPRISES, RISKS)
    from django.db import connection

    with connection.cursor() as cursor:
        # As reporting_bench.py: RiskReport.source_people has no database default (bench only).
        cursor.execute("ALTER TABLE reporting_riskreport ALTER COLUMN source_people SET DEFAULT '{}'::jsonb")
    load_province(ENTERPRISES, RISKS)
    print(json.dumps(load_hidden_dangers(), ensure_ascii=False, indent=2, default=str))


if __name__ == "__main__":
    main()
