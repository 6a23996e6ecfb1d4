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

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"文件不存在：{path}")
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
