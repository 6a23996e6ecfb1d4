"""`saferisk reports export FILE --as USERNAME [--campaign ID] [--region CODE] [--since DATE]` and
`saferisk reports import FILE --campaign ID --as USERNAME [--dry-run] [--json]`.

The risk-report exchange format (docs/schemas/risk-report-exchange.schema.json), through the same
functions as the pages and the API (`reporting/exchange.py`), as the named user: an export holds
the accepted reports that user may see; an import runs with that user's jurisdiction and its
audit events name them. Reports that could not be imported are listed with their reason and the
command exits with status 1.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from saferisk.core.context import cli_context
from saferisk.core.errors import DomainError
from saferisk.core.models import Region, User
from saferisk.core.scoping import scoped
from saferisk.reporting import exchange
from saferisk.reporting.models import ReportingCampaign


class Command(BaseCommand):
    help = "Export accepted risk reports as an exchange file, or import one into a campaign."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="write the accepted reports the user may see to FILE")
        export.add_argument("file", type=Path)
        export.add_argument("--as", dest="username", required=True, help="the user exporting")
        export.add_argument("--campaign", type=int, help="only this campaign (id)")
        export.add_argument("--region", help="only enterprises under this region code")
        export.add_argument("--since", help="only reports accepted on or after this date (YYYY-MM-DD)")
        imp = sub.add_parser("import", help="import an exchange file into a campaign")
        imp.add_argument("file", type=Path)
        imp.add_argument("--campaign", type=int, required=True, help="the target campaign (id)")
        imp.add_argument(
            "--as", dest="username", required=True, help="the regulator or administrator importing"
        )
        imp.add_argument("--dry-run", action="store_true", help="check and count; write nothing")
        imp.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = User.objects.filter(username=options["username"], is_active=True).first()
        if actor is None:
            raise CommandError(f"用户不存在或已停用：{options['username']}")
        campaign = None
        if options.get("campaign"):
            campaign = scoped(actor, ReportingCampaign).filter(pk=options["campaign"]).first()
            if campaign is None:
                raise CommandError(f"报告活动 {options['campaign']} 不存在或不在该用户的可见范围内")
        with cli_context():
            try:
                if options["action"] == "export":
                    self.export(actor, campaign, options)
                elif campaign is not None:  # --campaign is required for an import
                    self.import_file(actor, campaign, options)
            except DomainError as exc:
                raise CommandError(exc.message) from exc

    def export(self, actor: User, campaign: ReportingCampaign | None, options: dict[str, Any]) -> None:
        prefix = ""
        if options.get("region"):
            region = Region.objects.filter(code=options["region"]).first()
            if region is None:
                raise CommandError(f"行政区划代码不存在：{options['region']}")
            prefix = region.prefix
        since = None
        if options.get("since"):
            try:
                since = dt.date.fromisoformat(options["since"])
            except ValueError:
                raise CommandError("--since 应为日期 YYYY-MM-DD") from None
        document = exchange.export_reports(actor=actor, campaign=campaign, region_prefix=prefix, since=since)
        path: Path = options["file"]
        path.write_bytes(exchange.export_bytes(document))
        self.stdout.write(f"已导出 {len(document['reports'])} 份已通过审核的报告：{path}")

    def import_file(self, actor: User, campaign: ReportingCampaign, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"文件不存在：{path}")
        document = exchange.parse_document(path.read_bytes())
        result = exchange.import_reports(
            actor=actor, document=document, campaign=campaign, dry_run=options["dry_run"]
        )
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
        else:
            prefix = "（试运行，未写入）" if result.dry_run else ""
            self.stdout.write(
                f"{prefix}来自“{result.source}”的 {len(result.rows)} 份报告：导入 {result.imported}，"
                f"已存在未改动 {result.unchanged}，未导入 {result.errors}"
            )
            for row in result.rows:
                if row.outcome == "error":
                    self.stdout.write(
                        f"  第{row.index}份 {row.enterprise_name}（{row.uscc}）{row.code}：{row.message}"
                    )
        if result.errors:
            sys.exit(1)
