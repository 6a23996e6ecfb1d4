"""Writing a campaign's tasks in bulk. An annual campaign of a province makes ~500,000 tasks in
one transaction, so this is the one place that must be fast (DESIGN §6: the ORM's bulk_create
takes ~24 s for 500k rows on PostgreSQL; COPY or INSERT … SELECT take a few seconds)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from saferisk.enterprises.models import Enterprise
from saferisk.reporting.models import ReportingCampaign, ReportTask

BATCH = 5000


def create_tasks(campaign: ReportingCampaign, enterprises: Any) -> int:
    """One task per enterprise, due on the deadline, carrying the enterprise's region, division,
    scale and key sectors as they are today (the dashboards' dimensions). Written in batches."""
    sectors: dict[int, list[str]] = defaultdict(list)
    through = Enterprise.key_sectors.through
    for enterprise_id, code in (
        through.objects.filter(enterprise__in=enterprises.values("pk"))
        .order_by("keysector_id")
        .values_list("enterprise_id", "keysector_id")
    ):
        sectors[enterprise_id].append(code)
    rows = enterprises.values_list("pk", "region_id", "industry_id", "above_scale").order_by("pk")
    batch: list[ReportTask] = []
    total = 0
    for pk, region_id, industry_id, above in rows.iterator(chunk_size=BATCH):
        batch.append(
            ReportTask(
                campaign=campaign,
                enterprise_id=pk,
                region_code=region_id,
                division=(industry_id or "")[:2],
                above_scale=above,
                key_sectors=" ".join(sectors.get(pk, [])),
                due_on=campaign.deadline,
            )
        )
        if len(batch) >= BATCH:
            ReportTask.objects.bulk_create(batch)
            total += len(batch)
            batch = []
    ReportTask.objects.bulk_create(batch)
    return total + len(batch)
