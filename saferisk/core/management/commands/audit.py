"""`saferisk audit verify`: check the audit chain; exit 1 at the first broken link."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from saferisk.core.audit import audit_verify


class Command(BaseCommand):
    help = "Audit log tools. `verify` walks the hash chain and reports the first broken link."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="verify the hash chain")
        verify.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_verify()
        if options.get("json"):
            self.stdout.write(json.dumps(result.__dict__, ensure_ascii=False))
        elif result.ok:
            self.stdout.write(f"审计链完整：已校验 {result.checked} 条事件。")
        else:
            self.stderr.write(
                f"审计链断裂：事件 #{result.broken_id}（{result.reason}）；此前 {result.checked} 条完好。"
            )
        if not result.ok:
            sys.exit(1)
