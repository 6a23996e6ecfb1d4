"""Importing town codes from CSV."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from saferisk.core.models import AuditEvent, Region

pytestmark = pytest.mark.django_db


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "towns.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_import_creates_updates_and_audits(tmp_path: Path) -> None:
    path = write(
        tmp_path, "code,name\n320115999000,新建测试街道\n320115001,东山街道\n320115002,改名街道\n", "gb18030"
    )
    out = StringIO()
    call_command("import", "regions", str(path), "--json", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary == {"rows": 3, "created": 1, "updated": 1, "unchanged": 1, "rejected": 0, "errors": []}
    town = Region.objects.get(code="320115999")
    assert town.parent_id == "320115"
    assert town.level == "town"
    assert town.town_kind == "类似乡级单位"
    assert AuditEvent.objects.filter(action="region.imported", object_id="320115999").count() == 1
    assert Region.objects.get(code="320115002").name == "改名街道"


def test_any_bad_row_writes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, "code,name\n320115998,好街道\n999999001,无上级\n3201159,短代码\n320115998,重复\n")
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("import", "regions", str(path), "--json", stdout=out)
    summary: dict[str, Any] = json.loads(out.getvalue())
    assert summary["rows"] == 4
    assert summary["rejected"] == 3
    assert [e["row"] for e in summary["errors"]] == [3, 4, 5]
    assert "所属县级区划999999不存在" in summary["errors"][0]["reason"]
    assert not Region.objects.filter(code="320115998").exists()
    assert not AuditEvent.objects.exists()


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, "code,name\n320115997,试运行街道\n")
    out = StringIO()
    call_command("import", "regions", str(path), "--dry-run", "--json", stdout=out)
    assert json.loads(out.getvalue())["created"] == 1
    assert not Region.objects.filter(code="320115997").exists()
