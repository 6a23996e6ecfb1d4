"""`saferisk calc lec|ls`: the JSON the issue names, and bad input exits 2 with the allowed values."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def test_lec_json() -> None:
    out = StringIO()
    call_command("calc", "lec", "--l", "6", "--e", "6", "--c", "7", "--json", stdout=out)
    body = json.loads(out.getvalue())
    assert (body["score"], body["level"], body["method"]) == (252, "LARGE", "LEC")
    assert body["inputs"] == {"L": 6, "E": 6, "C": 7}


def test_ls_text_and_json() -> None:
    out = StringIO()
    call_command("calc", "ls", "--l", "4", "--s", "5", stdout=out)
    assert out.getvalue().strip() == "R = 4 × 5 = 20 → 重大风险（MAJOR）"
    out = StringIO()
    call_command("calc", "ls", "--l", "2", "--s", "2", "--json", stdout=out)
    assert json.loads(out.getvalue())["level"] == "LOW"


def test_bad_value_is_an_error_naming_the_scale() -> None:
    with pytest.raises(CommandError) as exc:
        call_command("calc", "lec", "--l", "5", "--e", "6", "--c", "7")
    assert "10、6、3、1、0.5、0.2、0.1" in str(exc.value)
    assert exc.value.returncode == 2


def test_the_installed_command_exits_2_with_json() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "saferisk.cli", "calc", "ls", "--l", "9", "--s", "1", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert json.loads(proc.stdout)["code"] == "not_on_scale"
