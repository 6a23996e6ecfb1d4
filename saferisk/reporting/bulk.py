"""Writing a campaign's tasks in bulk. An annual campaign of a province makes ~500,000 tasks in
one transaction, so this is the one place that must be fast (DESIGN §6: the ORM's bulk_create
takes ~24 s for 500k rows on PostgreSQL).

On PostgreSQL the tasks are one `INSERT … SELECT` built from the enterprise queryset's own SQL:
the rows never travel to Python, and each task's key sectors are the enterprise's codes joined
by `string_agg` over the M2M table, in code order (bench/province_data.py measures it against
the ORM path and a raw COPY of the same rows: var/bench/campaign_open.json). Elsewhere (SQLite
serves a county, tens of thousands of enterprises) the ORM path writes batches of 5,000."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import connections
from django.db.models import NOT_PROVIDED

from saferisk.enterprises.models import Enterprise
from saferisk.reporting.models import ReportingCampaign, ReportTask

BATCH = 5000


def create_tasks(campaign: ReportingCampaign, enterprises: Any) -> int:
    """One task per enterprise of `enterprises` (a queryset of Enterprise), due on the campaign's
    deadline, not started, carrying the enterprise's town, industry division, scale and key
    sectors (codes in order, space-separated) as they are today: the dashboards' dimensions.
    Returns the number of tasks written. Runs in the caller's transaction."""
    if connections[enterprises.db].vendor == "postgresql":
        return _create_tasks_sql(campaign, enterprises)
    return create_tasks_orm(campaign, enterprises)


def _create_tasks_sql(campaign: ReportingCampaign, enterprises: Any) -> int:
    """PostgreSQL: one INSERT … SELECT over the queryset's SQL (its filters, joins and DISTINCT
    kept as they are), tasks written in (town, enterprise) order so a town's tasks sit together.
    The task's other fields get their model defaults, as bulk_create would write them."""
    connection = connections[enterprises.db]
    source, params = (
        enterprises.order_by()
        .values_list("pk", "region_id", "industry_id", "above_scale")
        .query.sql_with_params()
    )
    through = Enterprise.key_sectors.through._meta.db_table
    given = [
        "campaign_id",
        "enterprise_id",
        "region_code",
        "division",
        "above_scale",
        "key_sectors",
        "due_on",
    ]
    columns, defaults = default_columns(ReportTask, set(given), connection)
    sql = f"""
        INSERT INTO {ReportTask._meta.db_table} ({", ".join([*given, *columns])})
        SELECT %s, e.pk, e.region, LEFT(e.industry, 2), e.above,
            COALESCE((SELECT string_agg(k.keysector_id, ' ' ORDER BY k.keysector_id)
                      FROM {through} k WHERE k.enterprise_id = e.pk), ''),
            %s{", %s" * len(columns)}
        FROM ({source}) AS e (pk, region, industry, above)
        ORDER BY e.region, e.pk
    """  # noqa: S608 (table and column names from the models; values are parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, [campaign.pk, campaign.deadline, *defaults, *params])
        return int(cursor.rowcount)


def default_columns(model: Any, given: set[str], connection: Any) -> tuple[list[str], list[Any]]:
    """The columns of `model`'s concrete fields other than its primary key, those in `given`
    (attnames) and those the database fills itself (db_default), with each field's default
    prepared for the database: what an INSERT written by hand needs to match the ORM's rows,
    even after a field is added."""
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.attname in given or field.db_default is not NOT_PROVIDED:
            continue
        columns.append(connection.ops.quote_name(field.column))
        values.append(field.get_db_prep_save(field.get_default(), connection))
    return columns, values


def create_tasks_orm(campaign: ReportingCampaign, enterprises: Any) -> int:
    """The portable path: read the enterprises and their key sectors, bulk_create in batches."""
    sectors: dict[int, list[str]] = defaultdict(list)
    through = Enterprise.key_sectors.through
    for enterprise_id, code in (
        through.objects.filter(enterprise__in=enterprises.values("pk"))
        .order_by("keysector_id")
        .values_list("enterprise_id", "keysector_id")
    ):
        sectors[enterprise_id].append(code)
    rows = enterprises.values_list("pk", "region_id", "industry_id", "above_scale").order_by(
        "region_id", "pk"
    )
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
