"""`saferisk calc lec --l L --e E --c C [--json]` and `saferisk calc ls --l L --s S [--json]`.

A safety officer's calculator: the score and the level the assessment methods give
(`saferisk/risks/assessment.py`) with the scales and bands of the assessment scheme in force
(`--scheme VERSION` for another one; the shipped default comes from the reference data). Bad input
exits with status 2 and says which values are allowed; with `--json` the error is JSON too
(`{"code": ..., "message": ...}`).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from saferisk.core.errors import DomainError
from saferisk.risks.assessment import LEVEL_NAMES, AssessmentError, MethodConfig, lec, ls
from saferisk.risks.models import AssessmentScheme
from saferisk.risks.schemes import method_config, scheme_in_force


def _config_in_force(method: str) -> MethodConfig | None:
    """The configuration of the scheme in force; the shipped defaults when there is no
    database yet (the calculator works on a machine that only has the package installed)."""
    try:
        return method_config(scheme_in_force(), method)
    except (DatabaseError, DomainError):
        return None


class Command(BaseCommand):
    help = "Compute a risk score and level: `lec --l --e --c` (D = L×E×C) or `ls --l --s` (R = L×S)."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # `--s` must not be read as an abbreviation of Django's --settings / --skip-checks.
        parser.allow_abbrev = False
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="method", required=True)
        p_lec = sub.add_parser("lec", help="LEC: D = L × E × C")
        p_lec.add_argument("--l", required=True, help="L 事故发生的可能性：10 6 3 1 0.5 0.2 0.1")
        p_lec.add_argument("--e", required=True, help="E 暴露于危险环境的频繁程度：10 6 3 2 1 0.5")
        p_lec.add_argument("--c", required=True, help="C 发生事故可能造成的后果：100 40 15 7 3 1")
        p_lec.add_argument("--json", action="store_true", help="print the result as JSON")
        p_lec.add_argument("--scheme", help="assessment scheme version (default: the one in force)")
        p_ls = sub.add_parser("ls", help="LS matrix: R = L × S")
        p_ls.add_argument("--l", required=True, help="L 可能性：1–5")
        p_ls.add_argument("--s", required=True, help="S 严重程度：1–5")
        p_ls.add_argument("--json", action="store_true", help="print the result as JSON")
        p_ls.add_argument("--scheme", help="assessment scheme version (default: the one in force)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            config: MethodConfig | None
            if options.get("scheme"):
                scheme = AssessmentScheme.objects.filter(version=options["scheme"]).first()
                if scheme is None:
                    raise AssessmentError("scheme_unknown", f"评估方案“{options['scheme']}”不存在")
                config = method_config(scheme, options["method"])
            else:
                config = _config_in_force(options["method"])
            if options["method"] == "lec":
                result = lec(options["l"], options["e"], options["c"], config=config)
                formula = f"D = {options['l']} × {options['e']} × {options['c']}"
            else:
                result = ls(options["l"], options["s"], config=config)
                formula = f"R = {options['l']} × {options['s']}"
        except AssessmentError as exc:
            if options["json"]:
                self.stdout.write(json.dumps({"code": exc.code, "message": exc.message}, ensure_ascii=False))
                sys.exit(2)
            raise CommandError(exc.message, returncode=2) from exc
        out = result.as_dict()
        if options["json"]:
            self.stdout.write(json.dumps(out, ensure_ascii=False))
        else:
            self.stdout.write(f"{formula} = {out['score']} → {LEVEL_NAMES[result.level]}（{result.level}）")
