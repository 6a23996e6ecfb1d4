"""`saferisk import regions FILE.csv [--dry-run] [--json]`: import town codes (columns code,name)."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from saferisk.core.context import cli_context
from saferisk.core.errors import DomainError
from saferisk.core.services import region_import_towns


def read_text(path: Path) -> str:
    """CSV files from Chinese offices come as UTF-8 (with or without BOM) or GB18030."""
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CommandError(f"无法识别文件编码（应为 UTF-8 或 GB18030）：{path}")


class Command(BaseCommand):
    help = "Import data files. `regions FILE.csv` imports town-level regions (columns code,name)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="kind", required=True)
        regions = sub.add_parser("regions", help="town codes (9 or 12 digits) and names")
        regions.add_argument("file", type=Path)
        regions.add_argument("--dry-run", action="store_true", help="check and report; write nothing")
        regions.add_argument("--json", action="store_true", help="print the summary as JSON")
        ent = sub.add_parser("enterprises", help="a statistics-bureau enterprise list (.xlsx, .xls, .csv)")
        ent.add_argument("file", type=Path)
        ent.add_argument("--dry-run", action="store_true", help="check and report; write nothing")
        ent.add_argument("--json", action="store_true", help="print the summary as JSON")
        ent.add_argument(
            "--as", dest="username", help="import as this regulator (limits rows to their jurisdiction)"
        )
        scale = ent.add_mutually_exclusive_group()
        scale.add_argument(
            "--above-scale", action="store_true", help="rows without a scale column are above scale"
        )
        scale.add_argument(
            "--below-scale", action="store_true", help="rows without a scale column are below scale"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"文件不存在：{path}")
        if options["kind"] == "enterprises":
            self.enterprises(path, options)
            return
        rows = list(csv.DictReader(read_text(path).splitlines()))
        with cli_context():
            try:
                result = region_import_towns(
                    actor=None, rows=rows, source=path.name, dry_run=options["dry_run"]
                )
            except DomainError as exc:
                raise CommandError(exc.message) from exc
        summary = {k: getattr(result, k) for k in ("rows", "created", "updated", "unchanged", "rejected")}
        summary["errors"] = result.errors
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
        else:
            self.stdout.write(
                f"共 {result.rows} 行：新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}，拒绝 {result.rejected}"
            )
            for e in result.errors:
                self.stdout.write(f"  第{e['row']}行 {e['column']}={e['value']!r}：{e['reason']}")
        if result.rejected:
            sys.exit(1)

    def enterprises(self, path: Path, options: dict[str, Any]) -> None:
        from django.core.files.storage import default_storage

        from saferisk.core.models import User
        from saferisk.enterprises.choices import ImportStatus
        from saferisk.enterprises.import_jobs import import_job_create

        actor = None
        if options.get("username"):
            actor = User.objects.filter(username=options["username"], is_active=True).first()
            if actor is None:
                raise CommandError(f"用户不存在或已停用：{options['username']}")
        default_scale = True if options["above_scale"] else False if options["below_scale"] else None
        with cli_context(), path.open("rb") as fh:
            try:
                job = import_job_create(
                    actor=actor,
                    upload=fh,
                    name=path.name,
                    dry_run=options["dry_run"],
                    default_above_scale=default_scale,
                    run_now=True,
                )
            except DomainError as exc:
                raise CommandError(exc.message) from exc
        if job.status != ImportStatus.SUCCEEDED:
            raise CommandError(job.message or "导入失败")
        error_file = default_storage.path(job.error_file.name) if job.error_file.name else None
        keys = ("rows", "created", "updated", "unchanged", "rejected", "blank_lines", "flagged")
        summary: dict[str, Any] = {k: getattr(job, k) for k in keys}
        summary |= {"dry_run": job.dry_run, "error_file": error_file, "job": job.pk}
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return
        prefix = "（试运行，未写入）" if job.dry_run else ""
        self.stdout.write(
            f"{prefix}共 {job.rows} 行：新增 {job.created}，更新 {job.updated}，未变 {job.unchanged}，"
            f"拒绝 {job.rejected}；空行 {job.blank_lines}，行业不在监管范围（已导入）{job.flagged}"
        )
        if error_file:
            self.stdout.write(f"错误明细：{error_file}")
