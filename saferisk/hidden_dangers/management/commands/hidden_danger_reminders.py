"""`saferisk hidden_danger_reminders [--date D]`: remind and escalate overdue hidden dangers
(hidden_dangers/reminders.py). Run once a day; `saferisk daily` runs it too. Running it twice on
a day is harmless: a step already sent is not sent again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from saferisk.hidden_dangers.reminders import send_reminders
from saferisk.reporting.management.commands.bulletin import parse_date


def summary(result: dict[str, Any]) -> str:
    by = result["by_step"]
    return (
        f"{result['date']} 隐患逾期提醒：{result['hidden_dangers']}条隐患，{result['messages']}条消息"
        f"（提醒企业 {by['1']}，告知县级 {by['2']}，告知市级 {by['3']}）；无人可通知 {result['unreachable']}条。"
    )


class Command(BaseCommand):
    help = "Remind and escalate overdue hidden dangers (idempotent; run once a day)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="the day to run for, YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        result = send_reminders(parse_date(options.get("date")))
        self.stdout.write(summary(result))
