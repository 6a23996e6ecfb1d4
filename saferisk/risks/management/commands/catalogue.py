"""`saferisk catalogue export --format json|xlsx FILE` and
`saferisk catalogue import FILE [--dry-run] [--json] --as USERNAME`.

The same files as the catalogue pages: the JSON exchange format or the Chinese Excel sheet
(`saferisk/risks/catalogue_io.py`). An import runs as the named administrator, so its audit
events name who did it; rejected rows are listed and written to `<FILE>-错误明细.xlsx` beside
the file, and the command then exits with status 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from saferisk.core.context import cli_context
from saferisk.core.errors import DomainError
from saferisk.core.models import User
from saferisk.risks import catalogue_io


class Command(BaseCommand):
    help = "Export the risk catalogue (JSON or Excel) or import a catalogue file."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="write every catalogue item to FILE")
        export.add_argument("--format", choices=["json", "xlsx"], help="default: from the file's suffix")
        export.add_argument("file", type=Path)
        imp = sub.add_parser("import", help="import a catalogue file (.json or .xlsx)")
        imp.add_argument("file", type=Path)
        imp.add_argument("--dry-run", action="store_true", help="check and count; write nothing")
        imp.add_argument("--json", action="store_true", help="print the summary as JSON")
        imp.add_argument("--as", dest="username", required=True, help="the administrator importing")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "export":
            self.export(options["file"], options["format"])
        else:
            self.import_file(options)

    def export(self, path: Path, fmt: str | None) -> None:
        fmt = fmt or path.suffix.lower().lstrip(".")
        if fmt not in ("json", "xlsx"):
            raise CommandError("请用 --format json 或 --format xlsx 指定导出格式")
        items = catalogue_io.export_items()
        if fmt == "json":
            path.write_bytes(catalogue_io.export_json_bytes(items))
        else:
            path.write_bytes(catalogue_io.export_xlsx_bytes(items))
        self.stdout.write(f"已导出 {items.count()} 个风险目录条目：{path}")

    def import_file(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"文件不存在：{path}")
        actor = User.objects.filter(username=options["username"], is_active=True).first()
        if actor is None:
            raise CommandError(f"用户不存在或已停用：{options['username']}")
        if not actor.is_admin:
            raise CommandError("只有系统管理员可以导入风险目录")
        with cli_context():
            try:
                result = catalogue_io.catalogue_import(
                    actor=actor, name=path.name, content=path.read_bytes(), dry_run=options["dry_run"]
                )
            except DomainError as exc:
                raise CommandError(exc.message) from exc
        error_file = None
        if result.rejected:
            error_file = path.with_name(f"{path.stem}-错误明细.xlsx")
            error_file.write_bytes(catalogue_io.error_workbook(result))
        if options["json"]:
            summary: dict[str, Any] = {**result.counts(), "dry_run": result.dry_run}
            summary["error_file"] = str(error_file) if error_file else None
            summary["errors"] = [
                {"row": p.row, "code": p.code, "column": p.column, "value": p.value, "reason": p.reason}
                for p in result.problems
            ]
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
        else:
            prefix = "（试运行，未写入）" if result.dry_run else ""
            unit = "行" if result.kind == "xlsx" else "条"
            self.stdout.write(
                f"{prefix}共 {result.rows} {unit}：新增 {result.created}，更新 {result.updated}，"
                f"未变 {result.unchanged}，拒绝 {result.rejected}"
            )
            for p in result.problems:
                self.stdout.write(f"  第{p.row}{unit} {p.code} {p.column}={p.value!r}：{p.reason}")
            if error_file:
                self.stdout.write(f"错误明细：{error_file}")
        if result.rejected:
            sys.exit(1)
