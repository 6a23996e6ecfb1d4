"""Builders for hidden-danger tests: a risk with measures, a photo, and a hidden danger driven
through the real services to the state a test needs."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from saferisk.hidden_dangers import services
from saferisk.hidden_dangers.choices import HiddenDangerGrade, HiddenDangerState
from saferisk.hidden_dangers.models import HiddenDanger
from saferisk.risks.models import Risk
from saferisk.risks.services import risk_save

# The order of the loop: how to get from one state to the next.
PATH = [
    HiddenDangerState.FOUND,
    HiddenDangerState.ASSESSED,
    HiddenDangerState.RECTIFYING,
    HiddenDangerState.RECTIFIED,
    HiddenDangerState.ACCEPTED,
    HiddenDangerState.CLOSED,
]


def photo(
    name: str = "现场.jpg", size: tuple[int, int] = (2400, 1800), fmt: str = "JPEG"
) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(out, format=fmt)
    kind = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}[fmt]
    return SimpleUploadedFile(name, out.getvalue(), content_type=kind)


def make_risk(world: Any, *, name: str = "储罐区火灾爆炸", tier: str = "post", measures: int = 2) -> Risk:
    return risk_save(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        data={
            "name": name,
            "place": "储罐区",
            "method": "ls",
            "inputs": {"L": 3, "S": 4},
            "accident_types": [1],
            "owner_name": "王工",
            "control_tier": tier,
            "measures": [{"kind": "management", "text": f"措施{i + 1}"} for i in range(measures)],
        },
    )


def make_hd(
    world: Any,
    state: str = HiddenDangerState.FOUND,
    *,
    grade: str = HiddenDangerGrade.GENERAL,
    deadline: dt.date | None = None,
    enterprise: Any = None,
    title: str = "消防通道堵塞",
) -> HiddenDanger:
    """A hidden danger of ent_a (or `enterprise`, with its own filler) walked to `state`: the
    filler registers, assesses, plans and rectifies, the principal accepts and closes."""
    enterprise = enterprise or world.ent_a
    filler = world.enterprise_filler if enterprise == world.ent_a else world.other_enterprise_filler
    principal = world.enterprise_principal if enterprise == world.ent_a else world.province_regulator
    hd = services.register(actor=filler, enterprise=enterprise, title=title, place="二号仓库")
    target = PATH.index(HiddenDangerState(state))
    deadline = deadline or timezone.localdate() + dt.timedelta(days=10)
    steps = [
        lambda h: services.assess(
            actor=filler,
            hd=h,
            version=h.version,
            grade=grade,
            deadline=deadline,
            criteria=["chemical_2017_1"] if grade == HiddenDangerGrade.MAJOR else [],
        ),
        lambda h: services.plan(
            actor=filler,
            hd=h,
            version=h.version,
            measures="清理通道",
            owner_name="李四",
            funds=None,
            contingency="应急预案" if grade == HiddenDangerGrade.MAJOR else "",
            safeguards="设置警示",
        ),
        lambda h: services.report_rectified(actor=filler, hd=h, version=h.version, note="已清理"),
        lambda h: services.accept(actor=principal, hd=h, version=h.version, note="合格"),
        lambda h: services.close(actor=principal, hd=h, version=h.version),
    ]
    for step in steps[:target]:
        hd = step(hd)
    return hd
