"""Demo data of hidden dangers: a year of self-checks across the demo enterprises (bulk-made,
then counted by `tally.rebuild`, as a bulk load would be), and for the persona enterprise its
checklists and a handful of hidden dangers walked through the real services — one waiting for
assessment, one being rectified and overdue, one waiting for acceptance, one major hidden danger
listed for supervision by the county — so every page has something to show on the first start.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from saferisk.core.models import User
from saferisk.enterprises.models import Enterprise
from saferisk.hidden_dangers import inspections, services, supervision, tally
from saferisk.hidden_dangers.choices import HiddenDangerGrade, HiddenDangerSource, HiddenDangerState
from saferisk.hidden_dangers.models import HiddenDanger

TITLES = (
    ("消防通道被货物堵塞", "仓库"),
    ("灭火器压力不足", "车间"),
    ("配电箱未关闭、无警示标识", "配电室"),
    ("可燃气体报警器未定期检定", "罐区"),
    ("安全阀校验过期", "压力容器区"),
    ("有限空间作业未审批", "污水池"),
    ("叉车司机无证驾驶", "厂区道路"),
    ("防护栏杆缺失", "二层平台"),
    ("应急照明失效", "疏散通道"),
    ("动火作业现场无监护人", "检修区"),
)
# (state, share) of a year's self-check findings.
MIX = (
    (HiddenDangerState.CLOSED, 0.80),
    (HiddenDangerState.ACCEPTED, 0.03),
    (HiddenDangerState.RECTIFIED, 0.03),
    (HiddenDangerState.RECTIFYING, 0.08),
    (HiddenDangerState.ASSESSED, 0.03),
    (HiddenDangerState.FOUND, 0.03),
)


@transaction.atomic
def build_demo_hidden_dangers(
    *,
    filler: User,
    principal: User,
    regulator: User,
    enterprise: Enterprise,
    seed: int = 7,
    per_enterprise: int = 6,
) -> dict[str, int]:
    rng = random.Random(seed)
    today = timezone.localdate()
    now = timezone.now()
    rows: list[HiddenDanger] = []
    states = [s for s, _ in MIX]
    weights = [w for _, w in MIX]
    for e in Enterprise.objects.exclude(pk=enterprise.pk).only("pk", "region_id", "industry_id").iterator():
        for _ in range(rng.randint(0, per_enterprise * 2)):
            title, place = rng.choice(TITLES)
            found = today - dt.timedelta(days=rng.randint(0, 300))
            state = rng.choices(states, weights)[0]
            deadline = found + dt.timedelta(days=rng.choice((3, 7, 15, 30)))
            major = rng.random() < 0.01
            hd = HiddenDanger(
                enterprise_id=e.pk,
                region_code=e.region_id,
                division=(e.industry_id or "")[:2],
                source=HiddenDangerSource.SELF_CHECK
                if rng.random() < 0.85
                else HiddenDangerSource.INSPECTION,
                grade=HiddenDangerGrade.MAJOR if major else HiddenDangerGrade.GENERAL,
                criteria=["chemical_2017_12"] if major else [],
                state=state,
                title=title,
                place=place,
                found_on=found,
                deadline=None if state == HiddenDangerState.FOUND else deadline,
                reported_at=now if major else None,
            )
            if state in (HiddenDangerState.RECTIFIED, HiddenDangerState.ACCEPTED, HiddenDangerState.CLOSED):
                done = min(today, found + dt.timedelta(days=rng.randint(1, 35)))
                hd.rectified_on = done
                hd.on_time = done <= deadline
                hd.rectification_note = "已整改"
                hd.measures, hd.owner_name = "按要求整改", "安全员"
            if state == HiddenDangerState.CLOSED and hd.rectified_on is not None:
                closed = min(today, hd.rectified_on + dt.timedelta(days=rng.randint(0, 5)))
                hd.closed_at = timezone.make_aware(dt.datetime.combine(closed, dt.time(16, 0)))
            rows.append(hd)
    HiddenDanger.objects.bulk_create(rows, batch_size=2000)
    tally.rebuild()
    counts = {"hidden_dangers": len(rows)}
    counts.update(
        _persona(filler=filler, principal=principal, regulator=regulator, enterprise=enterprise, today=today)
    )
    return counts


def _persona(
    *, filler: User, principal: User, regulator: User, enterprise: Enterprise, today: dt.date
) -> dict[str, int]:
    """The persona enterprise's own ledger, made through the services (so it has a record)."""
    made = inspections.generate(actor=filler, enterprise=enterprise)
    waiting = services.register(
        actor=filler, enterprise=enterprise, title="二号仓库消防通道堆放纸箱", place="二号仓库"
    )
    overdue = services.register(
        actor=filler,
        enterprise=enterprise,
        title="反应釜区可燃气体报警器未检定",
        place="反应釜区",
        found_on=today - dt.timedelta(days=20),
    )
    overdue = services.assess(
        actor=filler,
        hd=overdue,
        version=overdue.version,
        grade="general",
        deadline=today - dt.timedelta(days=3),
    )
    overdue = services.plan(
        actor=filler,
        hd=overdue,
        version=overdue.version,
        measures="送检报警器，检定前加强巡检",
        owner_name="王工",
    )
    done = services.register(actor=filler, enterprise=enterprise, title="配电室门未上锁", place="配电室")
    done = services.assess(
        actor=filler, hd=done, version=done.version, grade="general", deadline=today + dt.timedelta(days=3)
    )
    done = services.plan(
        actor=filler, hd=done, version=done.version, measures="加锁并张贴警示", owner_name="李电工"
    )
    services.report_rectified(actor=filler, hd=done, version=done.version, note="已加锁，张贴警示标识")
    major = services.register(
        actor=regulator,
        enterprise=enterprise,
        title="液氯充装未使用万向管道充装系统",
        place="充装站",
        source=HiddenDangerSource.INSPECTION,
        grade=HiddenDangerGrade.MAJOR,
        criteria=["chemical_2017_7"],
        deadline=today + dt.timedelta(days=30),
    )
    major = services.plan(
        actor=filler,
        hd=major,
        version=major.version,
        measures="改造充装系统为万向管道",
        owner_name="张厂长",
        contingency="充装作业暂停，启用应急预案",
        safeguards="停止液氯充装作业，设置隔离区",
    )
    supervision.listing_create(
        actor=regulator,
        hd=major,
        deadline=today + dt.timedelta(days=30),
        requirements="停止充装作业，30日内完成改造并报告",
        document_number=f"安督〔{today.year}〕1号",
    )
    _ = (waiting, principal)
    return {"checklists": made["checklists"], "checklist_items": made["items"]}
