"""The risk-report exchange format: accepted reports handed from one platform to another (a city
platform to the provincial one, a province to the national system) as JSON.

The format is `docs/schemas/risk-report-exchange.schema.json` (JSON Schema 2020-12):
`{"format": "saferisk.risk-report-exchange", "version": 1, "exported_at", "source": {"platform",
"region"}, "reports": [...]}`, each report carrying its `exchange_id` (the report's identity on
every platform), its campaign's kind and year, the frozen enterprise data and reportable risks,
and who prepared, submitted and reviewed it, by name (internal ids mean nothing elsewhere).

`export_reports` writes the accepted reports in the actor's scope. `import_reports` reads a
document into a target campaign, **row by row**: each report is imported in its own savepoint
or comes back as an error row with a code and a Chinese reason; nothing is dropped silently.
A document that breaks the format outside its reports (wrong `format`, `version`, `source`) is
refused whole. A report whose `exchange_id` is already here changes nothing (`unchanged`), so
importing the same file twice is harmless. An imported report is stored as accepted, with the
review fields of the document and `source` = the sending platform, and its task moves through
`progress.set_state`, so the dashboards count it like a report reviewed here.

Validation uses `jsonschema_rs` (the validator schemathesis itself uses), with its errors put
into Chinese field by field.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import jsonschema_rs
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from saferisk.core import uscc as uscc_rules
from saferisk.core.audit import audit_record
from saferisk.core.choices import Role
from saferisk.core.errors import DomainError, Forbidden, NotFound
from saferisk.core.models import User
from saferisk.core.scoping import can, scoped
from saferisk.enterprises.models import Enterprise
from saferisk.reporting import progress
from saferisk.reporting.choices import CampaignKind, CampaignStatus, ReportState, TaskState
from saferisk.reporting.models import ReportingCampaign, ReportTask, RiskReport

FORMAT = "saferisk.risk-report-exchange"
VERSION = 1
# Shipped with the package; docs/schemas/ links to this file, so there is one copy.
SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "risk-report-exchange.schema.json"
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
LISTED_PROBLEMS = 20  # schema problems named in one message (all of them are in `details`)
CHUNK = 1000

Outcome = Literal["imported", "unchanged", "error"]


# --- The schema -----------------------------------------------------------------------------------


@cache
def schema() -> dict[str, Any]:
    """The exchange format's JSON Schema (saferisk/reporting/data/, linked from docs/schemas/)."""
    return dict(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


@cache
def _validator() -> Any:
    return jsonschema_rs.validator_for(schema(), validate_formats=True)


FORMAT_LABELS = {
    "date-time": "带时区的时间，如 2026-03-01T09:30:00+08:00",
    "date": "日期 YYYY-MM-DD",
    "uuid": "UUID",
}
TYPE_LABELS = {
    "string": "文字",
    "integer": "整数",
    "number": "数字",
    "boolean": "true 或 false",
    "object": "对象",
    "array": "数组",
    "null": "null",
}


def _path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "（文件）"


def _problem(error: Any) -> dict[str, Any]:
    """One schema violation as {path, code, message} with the message in Chinese."""
    kind = error.kind
    name = type(kind).__name__
    info = kind.as_dict()
    where = list(error.instance_path)
    if name == "Required":
        where = [*where, info.get("property", "")]
        message = "缺少必填字段"
    elif name == "AdditionalProperties":
        message = f"不允许的字段：{'、'.join(str(u) for u in info.get('unexpected', []))}"
    elif name == "Type":
        message = f"类型不对，应为{'或'.join(TYPE_LABELS.get(t, t) for t in info.get('types', []))}"
    elif name == "Enum":
        message = f"取值应为 {' / '.join(str(o) for o in info.get('options', []))} 之一"
    elif name == "Constant":
        message = f"应为 {json.dumps(info.get('expected_value'), ensure_ascii=False)}"
    elif name == "Format":
        message = f"格式不对，应为{FORMAT_LABELS.get(info.get('format', ''), info.get('format', ''))}"
    elif name == "Pattern":
        message = "格式不对" + ("（统一社会信用代码应为18位）" if where and where[-1] == "uscc" else "")
    elif name in ("MinLength", "MinItems"):
        message = "不能为空" if info.get("limit") == 1 else f"至少 {info.get('limit')} 个字符"
    elif name in ("MaxLength", "MaxItems"):
        message = f"过长，最多 {info.get('limit')} 个字符"
    elif name == "Minimum":
        message = f"不能小于 {info.get('limit')}"
    elif name == "Maximum":
        message = f"不能大于 {info.get('limit')}"
    else:
        message = f"不符合格式要求（{error.message}）"
    return {"path": _path(where), "code": name.lower(), "message": message}


def _problems_text(problems: list[dict[str, Any]]) -> str:
    shown = "；".join(f"{p['path']}：{p['message']}" for p in problems[:LISTED_PROBLEMS])
    more = f"；另有 {len(problems) - LISTED_PROBLEMS} 处" if len(problems) > LISTED_PROBLEMS else ""
    return shown + more


def validate_document(document: Any) -> dict[int, list[dict[str, Any]]]:
    """Check a document against the schema. Problems outside the reports refuse it whole
    (DomainError); problems inside a report are returned by report index, for its error row."""
    if not isinstance(document, Mapping):
        raise DomainError("document_invalid", "交换文件应为一个 JSON 对象", field="document")
    if document.get("format") != FORMAT:
        raise DomainError("format_unknown", f"不是风险报告交换文件：format 应为 {FORMAT}", field="format")
    if document.get("version") != VERSION:
        raise DomainError(
            "version_unsupported",
            f"不支持的交换格式版本 {document.get('version')!r}，本平台读取第 {VERSION} 版",
            field="version",
        )
    whole: list[dict[str, Any]] = []
    by_report: dict[int, list[dict[str, Any]]] = {}
    for error in _validator().iter_errors(document):
        path = list(error.instance_path)
        if len(path) >= 2 and path[0] == "reports" and isinstance(path[1], int):
            by_report.setdefault(path[1], []).append(_problem(error))
        else:
            whole.append(_problem(error))
    if whole:
        raise DomainError(
            "document_invalid",
            f"交换文件不符合格式要求：{_problems_text(whole)}",
            field="document",
            details={"errors": whole},
        )
    return by_report


def parse_document(content: bytes) -> Any:
    """The JSON of an uploaded file, or a DomainError saying in Chinese where it breaks."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise DomainError("file_too_large", "文件过大（最大100MB），请按地区或日期分批导出", field="file")
    try:
        return json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise DomainError("json_invalid", "文件不是 UTF-8 编码的 JSON 文件", field="file") from None
    except json.JSONDecodeError as exc:
        raise DomainError(
            "json_invalid", f"文件不是有效的 JSON：第{exc.lineno}行第{exc.colno}列附近有误", field="file"
        ) from None


# --- Export ---------------------------------------------------------------------------------------


def platform_name() -> str:
    return str(settings.SAFERISK_PLATFORM_NAME or "saferisk")


def _time(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _name(user: User | None) -> str | None:
    return (user.full_name or user.username) if user else None


def report_names(report: RiskReport) -> dict[str, str | None]:
    """The names of the people of a report: this platform's users, else the names the sending
    platform gave for an imported report."""
    recorded = report.source_people or {}
    return {
        role: _name(getattr(report, role)) or recorded.get(role)
        for role in ("prepared_by", "submitted_by", "reviewed_by")
    }


def report_document(report: RiskReport, names: Mapping[str, str | None]) -> dict[str, Any]:
    """One report in the exchange format (its task and campaign must be loaded)."""
    campaign = report.task.campaign
    return {
        "exchange_id": str(report.exchange_id),
        "state": ReportState.ACCEPTED.value,
        "campaign": {
            "kind": campaign.kind,
            "year": campaign.year,
            "name": campaign.name,
            "region": campaign.region_id,
            "deadline": campaign.deadline.isoformat(),
        },
        "enterprise": report.enterprise_data,
        "number": report.number,
        "nil": report.nil,
        "major_count": report.major_count,
        "large_count": report.large_count,
        "risks": report.risks,
        "gap_explanations": report.gap_explanations or {},
        "prepared_at": _time(report.prepared_at),
        "prepared_by": names.get("prepared_by"),
        "submitted_at": _time(report.submitted_at),
        "submitted_by": names.get("submitted_by"),
        "declaration": report.declaration,
        "reviewed_at": _time(report.reviewed_at),
        "reviewed_by": names.get("reviewed_by"),
        "review_comment": report.review_comment,
        "risk_reasons": report.risk_reasons or {},
    }


def exportable(
    *,
    actor: User,
    campaign: ReportingCampaign | None = None,
    region_prefix: str = "",
    since: dt.date | dt.datetime | None = None,
) -> QuerySet[RiskReport]:
    """The accepted reports in the actor's scope, of one campaign or all, under a region prefix,
    reviewed on or after `since`, in review order."""
    qs = scoped(actor, RiskReport).filter(state=ReportState.ACCEPTED)
    if campaign is not None:
        qs = qs.filter(task__campaign=campaign)
    if region_prefix:
        qs = qs.filter(task__region_code__startswith=region_prefix)
    if since is not None:
        if not isinstance(since, dt.datetime):
            since = dt.datetime.combine(since, dt.time.min, tzinfo=timezone.get_current_timezone())
        qs = qs.filter(reviewed_at__gte=since)
    return qs.order_by("reviewed_at", "id")


def export_reports(
    *,
    actor: User,
    campaign: ReportingCampaign | None = None,
    region_prefix: str = "",
    since: dt.date | dt.datetime | None = None,
) -> dict[str, Any]:
    """The accepted reports in the actor's scope as an exchange document (a read: no audit
    event; the receiving platform records the import)."""
    if campaign is not None and not can(actor, "view", campaign):
        raise NotFound()
    qs = exportable(actor=actor, campaign=campaign, region_prefix=region_prefix, since=since).select_related(
        "task__campaign", "prepared_by", "submitted_by", "reviewed_by"
    )
    reports: list[dict[str, Any]] = []
    batch: list[RiskReport] = []

    def flush() -> None:
        reports.extend(report_document(r, report_names(r)) for r in batch)
        batch.clear()

    for report in qs.iterator(chunk_size=CHUNK):
        batch.append(report)
        if len(batch) >= CHUNK:
            flush()
    flush()
    region = actor.region_id or (campaign.region_id if campaign else "")
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.localtime().isoformat(),
        "source": {"platform": platform_name(), "region": region or ""},
        "reports": reports,
    }


def export_bytes(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


# --- Import ---------------------------------------------------------------------------------------


@dataclass
class ImportRow:
    """What happened to one report of the document (`index` counts from 1)."""

    index: int
    exchange_id: str
    uscc: str
    enterprise_name: str
    outcome: Outcome
    code: str = ""
    message: str = ""
    report_id: int | None = None


@dataclass
class ImportResult:
    campaign_id: int
    source: str
    dry_run: bool
    rows: list[ImportRow] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return sum(1 for r in self.rows if r.outcome == "imported")

    @property
    def unchanged(self) -> int:
        return sum(1 for r in self.rows if r.outcome == "unchanged")

    @property
    def errors(self) -> int:
        return sum(1 for r in self.rows if r.outcome == "error")

    def counts(self) -> dict[str, int]:
        return {
            "reports": len(self.rows),
            "imported": self.imported,
            "unchanged": self.unchanged,
            "errors": self.errors,
        }

    def as_dict(self, *, limit: int | None = None) -> dict[str, Any]:
        """Counts and rows in the document's order (error rows first when `limit` cuts the list)."""
        rows = (
            self.rows if limit is None else sorted(self.rows, key=lambda r: (r.outcome != "error", r.index))
        )
        return {
            "campaign_id": self.campaign_id,
            "source": self.source,
            "dry_run": self.dry_run,
            **self.counts(),
            "rows": [asdict(r) for r in (rows[:limit] if limit is not None else rows)],
        }


class RowError(DomainError):
    """A report of the document that cannot be imported; it becomes an error row."""


def _require_importer(actor: User) -> None:
    if not (actor.is_admin or actor.role == Role.REGULATOR):
        raise Forbidden("只有监管人员可以导入风险报告", code="regulator_only")


def _datetime(value: Any, name: str) -> dt.datetime | None:
    if not value:
        return None
    text = str(value).strip()
    try:
        parsed = dt.datetime.fromisoformat(text[:10] + "T" + text[11:].upper().replace("Z", "+00:00"))
    except ValueError:
        raise RowError("time_invalid", f"{name}不是有效的时间：{text}", field=name) from None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _check_row(data: Mapping[str, Any], campaign: ReportingCampaign) -> str:
    """The report's own consistency (beyond the schema) and its fit with the target campaign;
    returns its USCC, normalised."""
    code = uscc_rules.normalise(str(data["enterprise"]["uscc"]))
    reason = uscc_rules.validate(code)
    if reason:
        raise RowError("uscc_invalid", reason, field="enterprise.uscc")
    source = data["campaign"]
    if source["kind"] != campaign.kind or source["year"] != campaign.year:
        raise RowError(
            "campaign_mismatch",
            f"报告属于{source['year']}年{CampaignKind(source['kind']).label}，"
            f"与目标活动“{campaign.name}”（{campaign.year}年{campaign.get_kind_display()}）不一致",
            field="campaign",
        )
    levels = [r["level"] for r in data["risks"]]
    if (
        data["major_count"] != levels.count("MAJOR")
        or data["large_count"] != levels.count("LARGE")
        or data["nil"] != (not levels)
    ):
        raise RowError(
            "counts_inconsistent",
            f"重大、较大风险数或零报告标记与风险明细不一致（明细中重大 {levels.count('MAJOR')} 项、"
            f"较大 {levels.count('LARGE')} 项）",
            field="risks",
        )
    return code


class _Importer:
    """One import run: the lookups shared by its rows, and one row at a time."""

    def __init__(self, actor: User, campaign: ReportingCampaign, platform: str) -> None:
        self.actor = actor
        self.campaign = campaign
        self.platform = platform
        self.key_sectors = list(campaign.key_sectors.values_list("code", flat=True))

    def covers(self, enterprise: Enterprise) -> bool:
        from saferisk.reporting.services import campaign_enterprises

        return bool(
            campaign_enterprises(self.actor, self.campaign, self.key_sectors)
            .filter(pk=enterprise.pk)
            .exists()
        )

    def enterprise(self, code: str) -> Enterprise:
        found = scoped(self.actor, Enterprise).filter(uscc=code).first()
        if found is not None:
            return found
        if Enterprise.objects.filter(uscc=code).exists():
            raise RowError(
                "enterprise_outside",
                f"统一社会信用代码为 {code} 的企业不在您的管辖范围内",
                field="enterprise",
            )
        raise RowError(
            "enterprise_unknown", f"本平台没有统一社会信用代码为 {code} 的企业", field="enterprise"
        )

    def task(self, enterprise: Enterprise) -> ReportTask:
        """The enterprise's task in the campaign, made (and counted) if the campaign covers the
        enterprise but it has none yet (registered after the campaign opened)."""
        task = (
            ReportTask.objects.select_for_update()
            .filter(campaign=self.campaign, enterprise=enterprise)
            .first()
        )
        if task is None:
            if not self.covers(enterprise):
                raise RowError(
                    "enterprise_not_in_campaign",
                    f"企业“{enterprise.name}”不在报告活动“{self.campaign.name}”的范围内"
                    "（地区、规模、行业或重点行业领域不符，或已注销）",
                    field="enterprise",
                )
            task = ReportTask.objects.create(
                campaign=self.campaign,
                enterprise=enterprise,
                region_code=enterprise.region_id,
                division=(enterprise.industry_id or "")[:2],
                above_scale=enterprise.above_scale,
                key_sectors=" ".join(sorted(enterprise.key_sectors.values_list("code", flat=True))),
                due_on=self.campaign.deadline,
            )
            progress.add_task(task)
        if task.state == TaskState.SUBMITTED:
            raise RowError(
                "task_submitted", "该企业在本活动中有待审核的报告，请先审核后再导入", field="enterprise"
            )
        if task.state == TaskState.ACCEPTED:
            raise RowError("task_accepted", "该企业在本活动中已有通过审核的报告", field="enterprise")
        return task

    def save(self, data: Mapping[str, Any], code: str) -> RiskReport:
        enterprise = self.enterprise(code)
        task = self.task(enterprise)
        # The sending platform's submission number, unless this task already went further.
        latest = task.reports.order_by("-number").values_list("number", flat=True).first() or 0
        names = {k: data.get(k) for k in ("prepared_by", "submitted_by", "reviewed_by")}
        report = RiskReport.objects.create(
            task=task,
            number=max(latest + 1, data["number"]),
            state=ReportState.ACCEPTED,
            enterprise_data=dict(data["enterprise"]),
            risks=list(data["risks"]),
            major_count=data["major_count"],
            large_count=data["large_count"],
            nil=data["nil"],
            gap_explanations=dict(data.get("gap_explanations") or {}),
            prepared_at=_datetime(data.get("prepared_at"), "prepared_at"),
            submitted_at=_datetime(data["submitted_at"], "submitted_at"),
            declaration=str(data.get("declaration") or ""),
            reviewed_at=_datetime(data["reviewed_at"], "reviewed_at"),
            review_comment=str(data.get("review_comment") or ""),
            risk_reasons=dict(data.get("risk_reasons") or {}),
            exchange_id=uuid.UUID(str(data["exchange_id"])),
            source=self.platform[:100],
            source_people=names,
        )
        progress.set_state(task, TaskState.ACCEPTED, report)
        task.nil = report.nil
        task.submitted_at = task.submitted_at or report.submitted_at
        task.accepted_at = report.reviewed_at
        task.save(update_fields=["state", "version", "nil", "submitted_at", "accepted_at"])
        audit_record(
            actor=self.actor,
            action="risk_report.imported",
            obj=report,
            changes={
                "exchange_id": str(report.exchange_id),
                "source": report.source,
                "campaign": self.campaign.pk,
                "number": report.number,
                "source_number": data["number"],
                "nil": report.nil,
                "major": report.major_count,
                "large": report.large_count,
                "reviewed_at": data["reviewed_at"],
                "names": names,
            },
        )
        return report


def import_reports(
    *, actor: User, document: Any, campaign: ReportingCampaign, dry_run: bool = False
) -> ImportResult:
    """Import the reports of an exchange document into `campaign`, row by row (see the module
    docstring). Only an administrator or a regulator may import, into an open campaign it can
    see, and only for enterprises in its jurisdiction. A dry run does everything, reports what
    happened, and rolls it all back."""
    _require_importer(actor)
    if not can(actor, "view", campaign):
        raise NotFound()
    if campaign.status != CampaignStatus.OPEN:
        raise DomainError("campaign_closed", "报告活动已关闭，不能再导入报告", field="campaign")
    by_report = validate_document(document)
    platform = str(document["source"]["platform"]).strip()
    result = ImportResult(campaign_id=campaign.pk, source=platform, dry_run=dry_run)
    importer = _Importer(actor, campaign, platform)
    with transaction.atomic():
        for index, data in enumerate(document["reports"]):
            result.rows.append(_import_one(importer, index, data, by_report.get(index)))
        if dry_run:
            transaction.set_rollback(True)
            for row in result.rows:  # rolled back: those ids name nothing
                row.report_id = None
    return result


def _import_one(
    importer: _Importer, index: int, data: Mapping[str, Any], problems: list[dict[str, Any]] | None
) -> ImportRow:
    enterprise = data.get("enterprise") if isinstance(data, Mapping) else None
    enterprise = enterprise if isinstance(enterprise, Mapping) else {}
    row = ImportRow(
        index=index + 1,
        exchange_id=str(data.get("exchange_id") or "") if isinstance(data, Mapping) else "",
        uscc=str(enterprise.get("uscc") or ""),
        enterprise_name=str(enterprise.get("name") or ""),
        outcome="error",
    )
    if problems:
        row.code = "report_invalid"
        row.message = f"报告不符合交换格式：{_problems_text(problems)}"
        return row
    existing = RiskReport.objects.filter(exchange_id=row.exchange_id).values_list("pk", flat=True).first()
    if existing is not None:
        row.outcome = "unchanged"
        row.message = "该报告已导入过（交换标识相同），未作改动"
        return row
    try:
        with transaction.atomic():
            code = _check_row(data, importer.campaign)
            report = importer.save(data, code)
    except RowError as exc:
        row.code, row.message = exc.code, exc.message
        return row
    except IntegrityError:
        # Another import of the same report committed first (the exchange id is unique).
        if not RiskReport.objects.filter(exchange_id=row.exchange_id).exists():
            raise
        row.outcome = "unchanged"
        row.message = "该报告已导入过（交换标识相同），未作改动"
        return row
    row.outcome = "imported"
    row.report_id = report.pk
    return row
