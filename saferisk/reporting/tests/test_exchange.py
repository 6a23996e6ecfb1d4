"""The risk-report exchange format: an export follows the published JSON Schema; what one
platform exports another imports with the same figures; importing twice changes nothing; every
report that cannot be imported comes back as an error row with its code."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import uuid
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from saferisk.conftest import TOWN_A
from saferisk.core import uscc
from saferisk.core.choices import Role
from saferisk.core.errors import DomainError, Forbidden, NotFound
from saferisk.core.models import AuditEvent
from saferisk.reporting import exchange
from saferisk.reporting.models import (
    CampaignDaily,
    CampaignProgress,
    ReportingCampaign,
    ReportTask,
    RiskReport,
)
from saferisk.reporting.services import (
    campaign_open,
    progress_totals,
    report_prepare,
    report_review,
    report_submit,
)
from saferisk.risks.services import completeness_gap, risk_save
from saferisk.risks.tests.test_risk_services import BASE
from saferisk.testing.makers import make_enterprise, make_user

pytestmark = pytest.mark.django_db

DEADLINE = timezone.localdate() + dt.timedelta(days=30)
SCHEMA_FILE = Path(__file__).resolve().parents[3] / "docs" / "schemas" / "risk-report-exchange.schema.json"


def _campaign(world: Any, **data: Any) -> ReportingCampaign:
    return campaign_open(
        actor=world.county_regulator,
        data={"kind": "first", "region": "320115", "deadline": DEADLINE.isoformat(), **data},
    )


def _file(world: Any, task: ReportTask, principal: Any) -> RiskReport:
    """Prepare with the catalogue gap explained, and submit as the principal."""
    enterprise = task.enterprise
    gap = {item.code: "本企业不涉及该工艺" for item in completeness_gap(enterprise)}
    report_prepare(actor=principal, task=task, data={"gap_explanations": gap})
    return report_submit(actor=principal, task=task, declared=True)


def _accepted(world: Any) -> ReportingCampaign:
    """A county campaign in which ent_a's report (a MAJOR and a LARGE risk) was returned once
    and then accepted, and ent_a_power filed an accepted nil report."""
    for enterprise in (world.ent_a, world.ent_a_power):
        enterprise.address, enterprise.principal_name = "江宁区某路1号", "赵总"
        enterprise.principal_phone = "13811112222"
        enterprise.save()
    risk_save(actor=world.enterprise_filler, enterprise=world.ent_a, data=BASE)  # 270 LARGE
    risk_save(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        data={**BASE, "name": "液氯泄漏", "inputs": {"L": 6, "E": 6, "C": 15}},  # 540 MAJOR
    )
    campaign = _campaign(world)
    task = ReportTask.objects.get(campaign=campaign, enterprise=world.ent_a)
    first = _file(world, task, world.enterprise_principal)
    report_review(actor=world.county_regulator, report=first, accept=False, comment="请补充联锁设定值")
    second = _file(world, task, world.enterprise_principal)
    report_review(actor=world.county_regulator, report=second, accept=True, comment="同意")
    power = ReportTask.objects.get(campaign=campaign, enterprise=world.ent_a_power)
    power_principal = make_user("power_principal", Role.ENTERPRISE_PRINCIPAL, enterprise=world.ent_a_power)
    nil = _file(world, power, power_principal)
    report_review(actor=world.county_regulator, report=nil, accept=True)
    return campaign


def _validator() -> Any:
    return jsonschema_rs.validator_for(json.loads(SCHEMA_FILE.read_text()), validate_formats=True)


def _state(campaign: ReportingCampaign) -> dict[str, Any]:
    """Everything an import could change, to prove that one changed nothing."""
    return {
        "reports": list(RiskReport.objects.order_by("pk").values_list("pk", "state", "number")),
        "tasks": list(ReportTask.objects.order_by("pk").values_list("pk", "state", "version", "accepted_at")),
        "events": AuditEvent.objects.count(),
        "progress": sorted(
            CampaignProgress.objects.filter(campaign=campaign).values_list(
                "region_code", "division", "above_scale", "state", "tasks", "nil", "major", "large"
            )
        ),
        "daily": sorted(CampaignDaily.objects.filter(campaign=campaign).values_list("day", "accepted")),
        "enterprises": ReportingCampaign.objects.get(pk=campaign.pk).enterprises,
    }


def _report_doc(document: dict[str, Any], uscc_code: str) -> dict[str, Any]:
    return next(r for r in document["reports"] if r["enterprise"]["uscc"] == uscc_code)


def _variant(report: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of an exported report under a new exchange id, with `changes` applied."""
    out = copy.deepcopy(report)
    out["exchange_id"] = str(uuid.uuid4())
    for key, value in changes.items():
        if key in ("uscc", "name"):
            out["enterprise"][key] = value
        else:
            out[key] = value
    return out


# --- The schema and the export --------------------------------------------------------------------


def test_the_schema_file_is_valid_json_schema() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert jsonschema_rs.meta.is_valid(schema)
    assert exchange.schema() == schema  # the code validates with the file kept in docs/
    report = schema["$defs"]["report"]["properties"]
    assert all(p.get("description") or "$ref" in p for p in report.values())
    assert schema["properties"]["format"]["const"] == exchange.FORMAT


def test_the_export_follows_the_schema_and_holds_the_accepted_reports(world: Any) -> None:
    campaign = _accepted(world)
    document = exchange.export_reports(actor=world.county_regulator, campaign=campaign)
    assert _validator().is_valid(document)
    assert document["format"] == "saferisk.risk-report-exchange"
    assert document["version"] == 1
    assert document["source"] == {"platform": "saferisk", "region": "320115"}
    assert len(document["reports"]) == 2  # ent_a's returned first report is not exchanged
    a = _report_doc(document, world.ent_a.uscc)
    accepted = RiskReport.objects.get(task__enterprise=world.ent_a, state="accepted")
    assert a["exchange_id"] == str(accepted.exchange_id)
    assert (a["number"], a["major_count"], a["large_count"], a["nil"]) == (2, 1, 1, False)
    assert [r["level"] for r in a["risks"]] == ["MAJOR", "LARGE"]
    assert a["risks"] == accepted.risks
    assert a["enterprise"]["name"] == "江宁化工有限公司"
    assert a["campaign"] == {
        "kind": "first",
        "year": campaign.year,
        "name": campaign.name,
        "region": "320115",
        "deadline": DEADLINE.isoformat(),
    }
    # People by name, never by this platform's ids.
    assert (a["prepared_by"], a["submitted_by"], a["reviewed_by"]) == (
        "enterprise_principal",
        "enterprise_principal",
        "county_regulator",
    )
    assert a["review_comment"] == "同意"
    assert dt.datetime.fromisoformat(a["reviewed_at"]) == accepted.reviewed_at
    power = _report_doc(document, world.ent_a_power.uscc)
    assert (power["nil"], power["risks"], power["major_count"]) == (True, [], 0)


def test_the_export_is_scoped(world: Any) -> None:
    campaign = _accepted(world)
    assert exchange.export_reports(actor=world.other_county_regulator)["reports"] == []
    with pytest.raises(NotFound):
        exchange.export_reports(actor=world.other_county_regulator, campaign=campaign)
    mine = exchange.export_reports(actor=world.enterprise_filler)["reports"]
    assert [r["enterprise"]["uscc"] for r in mine] == [world.ent_a.uscc]
    assert exchange.export_reports(actor=world.city_regulator, region_prefix="3205")["reports"] == []
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert exchange.export_reports(actor=world.admin, since=tomorrow)["reports"] == []
    assert len(exchange.export_reports(actor=world.admin, since=timezone.localdate())["reports"]) == 2


# --- Import ---------------------------------------------------------------------------------------


def test_a_round_trip_gives_the_same_reports_and_figures(world: Any) -> None:
    campaign = _accepted(world)
    document = exchange.export_reports(actor=world.county_regulator, campaign=campaign)
    before = progress_totals(campaign)
    assert (before["accepted"], before["major"], before["large"], before["nil"]) == (2, 1, 1, 1)
    # The receiving platform: the same enterprises, a campaign of the same kind and year.
    campaign.delete()
    target = _campaign(world, name="省平台首次报告")
    assert RiskReport.objects.count() == 0
    result = exchange.import_reports(actor=world.county_regulator, document=document, campaign=target)
    assert result.counts() == {"reports": 2, "imported": 2, "unchanged": 0, "errors": 0}
    after = progress_totals(target)
    assert after == before
    for row in result.rows:
        report = RiskReport.objects.select_related("task").get(pk=row.report_id or 0)
        assert report.state == "accepted"
        assert report.source == "saferisk"
        assert report.task.state == "accepted"
        assert report.task.accepted_at == report.reviewed_at
        assert report.prepared_by is None  # the people belong to the sending platform
    events = AuditEvent.objects.filter(action="risk_report.imported")
    assert events.count() == 2
    assert {e.actor_id for e in events} == {world.county_regulator.pk}
    a = events.get(object_id=str(result.rows[0].report_id)).changes
    assert a["names"]["reviewed_by"] == "county_regulator"
    # The sender's names are kept on the report and shown on its page.
    imported = RiskReport.objects.get(pk=result.rows[0].report_id or 0)
    assert imported.source_people["reviewed_by"] == "county_regulator"
    page = world.client(world.county_regulator).get(f"/reporting/reports/{imported.pk}/").content.decode()
    assert 'data-testid="reviewed">county_regulator' in page
    # Exported again, the reports are exactly what was sent.
    again = exchange.export_reports(actor=world.county_regulator, campaign=target)
    assert _validator().is_valid(again)
    key = lambda r: r["exchange_id"]  # noqa: E731
    sent = [{**r, "campaign": None} for r in sorted(document["reports"], key=key)]
    back = [{**r, "campaign": None} for r in sorted(again["reports"], key=key)]
    assert back == sent
    # The dashboard's trend counts the imported acceptances.
    assert sum(CampaignDaily.objects.filter(campaign=target).values_list("accepted", flat=True)) == 2


def test_importing_twice_changes_nothing(world: Any) -> None:
    campaign = _accepted(world)
    document = exchange.export_reports(actor=world.county_regulator, campaign=campaign)
    campaign.delete()
    target = _campaign(world)
    exchange.import_reports(actor=world.county_regulator, document=document, campaign=target)
    state = _state(target)
    result = exchange.import_reports(actor=world.county_regulator, document=document, campaign=target)
    assert result.counts() == {"reports": 2, "imported": 0, "unchanged": 2, "errors": 0}
    assert {r.message for r in result.rows} == {"该报告已导入过（交换标识相同），未作改动"}
    assert _state(target) == state
    # The same report twice in one file: imported once.
    twice = {**document, "reports": [document["reports"][0], document["reports"][0]]}
    result = exchange.import_reports(actor=world.admin, document=twice, campaign=target)
    assert [r.outcome for r in result.rows] == ["unchanged", "unchanged"]
    assert _state(target) == state


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(world: Any) -> None:
    campaign = _accepted(world)
    document = exchange.export_reports(actor=world.county_regulator, campaign=campaign)
    campaign.delete()
    target = _campaign(world)
    state = _state(target)
    result = exchange.import_reports(
        actor=world.county_regulator, document=document, campaign=target, dry_run=True
    )
    assert result.dry_run
    assert (result.imported, result.errors) == (2, 0)
    assert [r.report_id for r in result.rows] == [None, None]  # rolled back: no ids to show
    assert _state(target) == state
    assert not AuditEvent.objects.filter(action="risk_report.imported").exists()


def test_reports_that_cannot_be_imported_come_back_as_error_rows(world: Any) -> None:
    campaign = _accepted(world)
    document = exchange.export_reports(actor=world.county_regulator, campaign=campaign)
    good = _report_doc(document, world.ent_a.uscc)
    power = _report_doc(document, world.ent_a_power.uscc)
    campaign.delete()
    target = _campaign(world)
    unknown = uscc.make("320115", "999999999")
    broken = _variant(power)
    del broken["enterprise"]["name"]
    broken["risks"] = [{"id": 1, "name": "x", "level": "GENERAL"}]
    rows = [
        _variant(good, uscc=unknown, name="不存在的企业"),  # 1 not on this platform
        _variant(good, uscc=world.ent_b.uscc, name=world.ent_b.name),  # 2 another county's
        broken,  # 3 breaks the schema
        _variant(power, major_count=3),  # 4 counts disagree with the risks
        _variant(power, campaign={**power["campaign"], "year": 2001}),  # 5 another year's report
        _variant(good, uscc=unknown[:17] + ("0" if unknown[17] != "0" else "1")),  # 6 bad check digit
        good,  # 7 fine
    ]
    doc = {**document, "reports": rows}
    state = RiskReport.objects.count()
    result = exchange.import_reports(actor=world.county_regulator, document=doc, campaign=target)
    assert [(r.index, r.outcome, r.code) for r in result.rows] == [
        (1, "error", "enterprise_unknown"),
        (2, "error", "enterprise_outside"),
        (3, "error", "report_invalid"),
        (4, "error", "counts_inconsistent"),
        (5, "error", "campaign_mismatch"),
        (6, "error", "uscc_invalid"),
        (7, "imported", ""),
    ]
    messages = {r.index: r.message for r in result.rows}
    assert messages[1] == f"本平台没有统一社会信用代码为 {unknown} 的企业"
    assert "不在您的管辖范围内" in messages[2]
    assert "enterprise.name：缺少必填字段" in messages[3]
    assert "risks[0].level：取值应为 MAJOR / LARGE 之一" in messages[3]
    assert "2001年首次报告" in messages[5]
    assert RiskReport.objects.count() == state + 1
    # An administrator sees ent_b, but the county's campaign does not cover it.
    result = exchange.import_reports(
        actor=world.admin, document={**doc, "reports": [rows[1]]}, campaign=target
    )
    assert result.rows[0].code == "enterprise_not_in_campaign"


def test_an_enterprise_without_a_task_yet_gets_one(world: Any) -> None:
    campaign = _accepted(world)
    document = exchange.export_reports(actor=world.county_regulator, campaign=campaign)
    late = make_enterprise(region=TOWN_A, industry="2614", name="江宁新设化工有限公司")
    report = _variant(_report_doc(document, world.ent_a.uscc), uscc=late.uscc, name=late.name)
    before = progress_totals(campaign)
    result = exchange.import_reports(
        actor=world.county_regulator, document={**document, "reports": [report]}, campaign=campaign
    )
    assert result.rows[0].outcome == "imported"
    task = ReportTask.objects.get(campaign=campaign, enterprise=late)
    assert task.state == "accepted"
    after = progress_totals(campaign)
    assert after["total"] == before["total"] + 1
    assert (after["accepted"], after["major"], after["large"]) == (3, 2, 2)
    assert ReportingCampaign.objects.get(pk=campaign.pk).enterprises == 3


def test_a_task_waiting_for_review_or_accepted_here_is_not_overwritten(world: Any) -> None:
    campaign = _accepted(world)
    document = exchange.export_reports(actor=world.county_regulator, campaign=campaign)
    accepted_here = _variant(_report_doc(document, world.ent_a.uscc))
    result = exchange.import_reports(
        actor=world.county_regulator, document={**document, "reports": [accepted_here]}, campaign=campaign
    )
    assert result.rows[0].code == "task_accepted"
    other = _campaign(world, kind="annual")
    task = ReportTask.objects.get(campaign=other, enterprise=world.ent_a)
    _file(world, task, world.enterprise_principal)
    waiting = _variant(accepted_here, campaign={**accepted_here["campaign"], "kind": "annual"})
    result = exchange.import_reports(
        actor=world.county_regulator, document={**document, "reports": [waiting]}, campaign=other
    )
    assert result.rows[0].code == "task_submitted"
    task.refresh_from_db()
    assert task.state == "submitted"


def test_a_document_outside_the_format_is_refused_whole(world: Any) -> None:
    campaign = _accepted(world)
    document = exchange.export_reports(actor=world.county_regulator, campaign=campaign)
    state = _state(campaign)
    cases = [
        ([], "document_invalid"),
        ({**document, "format": "something-else"}, "format_unknown"),
        ({**document, "version": 2}, "version_unsupported"),
        ({k: v for k, v in document.items() if k != "source"}, "document_invalid"),
        ({**document, "exported_at": "yesterday"}, "document_invalid"),
    ]
    for bad, code in cases:
        with pytest.raises(DomainError) as exc:
            exchange.import_reports(actor=world.county_regulator, document=bad, campaign=campaign)
        assert exc.value.code == code
    with pytest.raises(DomainError) as exc:
        exchange.import_reports(
            actor=world.county_regulator, document={**document, "exported_at": "yesterday"}, campaign=campaign
        )
    assert exc.value.details == {
        "errors": [
            {
                "path": "exported_at",
                "code": "format",
                "message": "格式不对，应为带时区的时间，如 2026-03-01T09:30:00+08:00",
            }
        ]
    }
    with pytest.raises(DomainError) as exc:
        exchange.parse_document(b'{"format": ')
    assert exc.value.code == "json_invalid"
    assert "第1行" in exc.value.message
    assert _state(campaign) == state


def test_who_may_import(world: Any) -> None:
    campaign = _accepted(world)
    document = exchange.export_reports(actor=world.county_regulator, campaign=campaign)
    with pytest.raises(Forbidden) as exc:
        exchange.import_reports(actor=world.enterprise_filler, document=document, campaign=campaign)
    assert exc.value.code == "regulator_only"
    with pytest.raises(NotFound):
        exchange.import_reports(actor=world.other_county_regulator, document=document, campaign=campaign)
    ReportingCampaign.objects.filter(pk=campaign.pk).update(status="closed")
    campaign.refresh_from_db()
    with pytest.raises(DomainError) as closed:
        exchange.import_reports(actor=world.county_regulator, document=document, campaign=campaign)
    assert closed.value.code == "campaign_closed"


# --- Pages and the command ------------------------------------------------------------------------


def test_the_pages_export_and_import_with_a_dry_run_first(world: Any) -> None:
    campaign = _accepted(world)
    client = world.client(world.county_regulator)
    r = client.get(reverse("reporting:campaign_export_json", args=[campaign.pk]))
    assert r.status_code == 200
    assert "attachment" in r["Content-Disposition"]
    content = r.content
    document = json.loads(content)
    assert _validator().is_valid(document)
    assert len(document["reports"]) == 2
    campaign.delete()
    target = _campaign(world)
    url = reverse("reporting:campaign_import_json", args=[target.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="dry_run" id="id_dry_run" class="form-check-input" checked' in page.content.decode()
    upload = io.BytesIO(content)
    upload.name = "reports.json"
    r = client.post(url, {"file": upload, "dry_run": "on"})
    assert r.status_code == 302
    html = client.get(r.url).content.decode()
    assert 'data-count="imported">2<' in html
    assert RiskReport.objects.count() == 0  # a dry run
    upload = io.BytesIO(content)
    upload.name = "reports.json"
    r = client.post(url, {"file": upload})
    html = client.get(r.url).content.decode()
    assert 'data-count="imported">2<' in html
    assert RiskReport.objects.filter(state="accepted").count() == 2
    # A file that is not JSON: the reason in Chinese, nothing written.
    bad = io.BytesIO(b"not json")
    bad.name = "bad.json"
    r = client.post(url, {"file": bad})
    assert r.status_code == 422
    assert "文件不是有效的 JSON" in r.content.decode()
    # Enterprises and other counties cannot import.
    assert world.client(world.enterprise_filler).get(url).status_code == 403  # sees the campaign
    assert world.client(world.other_county_regulator).get(url).status_code == 404
    assert world.client(world.other_enterprise_filler).get(url).status_code == 404


def test_the_import_page_refuses_enterprise_users_of_the_campaign(world: Any) -> None:
    campaign = _accepted(world)
    url = reverse("reporting:campaign_import_json", args=[campaign.pk])
    assert world.client(world.enterprise_filler).get(url).status_code == 403
    export = reverse("reporting:campaign_export_json", args=[campaign.pk])
    mine = json.loads(world.client(world.enterprise_filler).get(export).content)
    assert [r["enterprise"]["uscc"] for r in mine["reports"]] == [world.ent_a.uscc]


def test_the_command_exports_and_imports(world: Any, tmp_path: Path) -> None:
    campaign = _accepted(world)
    path = tmp_path / "reports.json"
    out = io.StringIO()
    call_command(
        "reports", "export", str(path), "--as", "county_regulator", "--campaign", campaign.pk, stdout=out
    )
    assert "已导出 2 份" in out.getvalue()
    assert _validator().is_valid(json.loads(path.read_text(encoding="utf-8")))
    campaign.delete()
    target = _campaign(world)
    out = io.StringIO()
    call_command(
        "reports",
        "import",
        str(path),
        "--campaign",
        target.pk,
        "--as",
        "county_regulator",
        "--dry-run",
        stdout=out,
    )
    assert "（试运行，未写入）" in out.getvalue()
    assert "导入 2" in out.getvalue()
    assert RiskReport.objects.count() == 0
    out = io.StringIO()
    call_command(
        "reports",
        "import",
        str(path),
        "--campaign",
        target.pk,
        "--as",
        "county_regulator",
        "--json",
        stdout=out,
    )
    assert json.loads(out.getvalue())["imported"] == 2
    document = json.loads(path.read_text(encoding="utf-8"))
    document["reports"][0] = _variant(document["reports"][0], uscc=uscc.make("320115", "888888888"))
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        call_command(
            "reports",
            "import",
            str(path),
            "--campaign",
            target.pk,
            "--as",
            "county_regulator",
            stdout=io.StringIO(),
        )
    assert exit_info.value.code == 1
