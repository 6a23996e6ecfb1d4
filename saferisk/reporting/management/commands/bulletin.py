"""`saferisk bulletin [--date D] [--region CODE] [--campaign ID]`: publish reporting bulletins (通报).

Without --region it publishes, for every open campaign (or the one given), the bulletin of the
campaign's region and of every city and county below it with tasks; each ranks the regions one
level down. Publishing a day again replaces that day's bulletin. Prints one line per bulletin.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from saferisk.core.models import Region
from saferisk.reporting.bulletins import bulletins_publish_all
from saferisk.reporting.models import ReportingCampaign


def parse_date(value: str | None) -> dt.date:
    if not value:
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{value}", returncode=2) from None


def publish(command: BaseCommand, *, date: dt.date, region_code: str | None, campaign_id: int | None) -> int:
    """Publish and print; returns the number of bulletins written (shared with `saferisk daily`)."""
    region = None
    if region_code:
        region = Region.objects.filter(code=region_code).first()
        if region is None:
            raise CommandError(f"地区代码不存在：{region_code}", returncode=2)
    campaigns = None
    if campaign_id is not None:
        campaign = ReportingCampaign.objects.select_related("region").filter(pk=campaign_id).first()
        if campaign is None:
            raise CommandError(f"报告活动不存在：{campaign_id}", returncode=2)
        campaigns = [campaign]
    written = 0
    for bulletin, campaign, target, note in bulletins_publish_all(
        date=date, campaigns=campaigns, region=region
    ):
        if bulletin is None:
            command.stdout.write(f"跳过 {campaign.name}（#{campaign.pk}）{target.name}：{note}")
            continue
        written += 1
        totals = bulletin.totals
        command.stdout.write(
            f"{note} {date.isoformat()} {totals['title']} #{bulletin.pk}："
            f"{totals['regions']}个地区，完成率{totals['rate']:.1f}%，进度滞后{totals['lagging']}个"
        )
    return written


class Command(BaseCommand):
    help = "Publish reporting bulletins (通报): the ranking of the regions one level down by completion rate."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="bulletin date YYYY-MM-DD (default: today)")
        parser.add_argument(
            "--region", help="region code (default: each open campaign's region, cities and counties)"
        )
        parser.add_argument("--campaign", type=int, help="campaign id (default: every open campaign)")

    def handle(self, *args: Any, **options: Any) -> None:
        date = parse_date(options.get("date"))
        written = publish(
            self, date=date, region_code=options.get("region"), campaign_id=options.get("campaign")
        )
        self.stdout.write(f"共发布通报 {written} 份。")
