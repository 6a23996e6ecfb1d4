"""`saferisk daily [--date D] [--no-bulletins]`: the reporting work of one day, for cron or a
systemd timer (docs/operator-guide: 每日任务).

1. Reminders: principals of enterprises that have not filed get the 7-, 3- and 1-day reminder
   before the deadline (each once; a missed day catches up with one message).
2. Overdue hidden dangers: reminders to the enterprise, then escalation to the county and the
   city (`saferisk hidden_danger_reminders`; each step once).
3. Bulletins: for every open campaign, the bulletin of its region and of every city and county
   below it (`saferisk bulletin`).

Running it twice on a day is harmless: reminders already sent are not sent again, and a day's
bulletins are replaced by the second run. Overdue enterprises need no job: the enforcement list
is computed live from the deadlines.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from saferisk.hidden_dangers.management.commands.hidden_danger_reminders import summary
from saferisk.hidden_dangers.reminders import send_reminders as send_hidden_danger_reminders
from saferisk.reporting.management.commands.bulletin import parse_date, publish
from saferisk.reporting.reminders import send_reminders


class Command(BaseCommand):
    help = "Daily job: reporting deadline reminders, overdue hidden dangers and bulletins (idempotent; run once a day)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="the day to run for, YYYY-MM-DD (default: today)")
        parser.add_argument(
            "--no-bulletins",
            action="store_true",
            help="send reminders only (publish bulletins on another schedule)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        date = parse_date(options.get("date"))
        result = send_reminders(date)
        by = result["by_threshold"]
        self.stdout.write(
            f"{date.isoformat()} 报告截止提醒：{result['tasks']}家企业，{result['messages']}条消息"
            f"（7天 {by['7']}，3天 {by['3']}，1天 {by['1']}）；无法联系 {result['unreachable']}家。"
        )
        self.stdout.write(summary(send_hidden_danger_reminders(date)))
        if options.get("no_bulletins"):
            return
        written = publish(self, date=date, region_code=None, campaign_id=None)
        self.stdout.write(f"共发布通报 {written} 份。")
