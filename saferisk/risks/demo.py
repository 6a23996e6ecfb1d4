"""Demo risk registers: the persona enterprise gets a realistic register (LEC, LS, direct
grading, a hand-set level, a residual level, an adopted catalogue item) and a dust-explosion
flag so its completeness gap shows; other enterprises of the example county get a few risks
each so the regulators' counts are not empty. Deterministic for a seed, made through the
services (so versions and audit events are real)."""

from __future__ import annotations

import random
from typing import Any

from saferisk.core.models import KeySector, User
from saferisk.enterprises.models import Enterprise
from saferisk.risks.catalogue import applicable_items
from saferisk.risks.services import risk_adopt, risk_save
from saferisk.risks.summary import deferred_refresh, refresh_many

# name, place, part, accident type codes (GB 6441), method, inputs or level, measures, emergency
TEMPLATES: list[dict[str, Any]] = [
    {
        "name": "反应釜超温超压爆炸",
        "place": "合成车间",
        "part": "1号反应釜",
        "activity": "加料升温",
        "accident_types": [17, 8],
        "method": "lec",
        "inputs": {"L": 3, "E": 6, "C": 15},
        "residual": {"inputs": {"L": 1, "E": 6, "C": 15}},
        "measures": [
            ("engineering", "温度、压力与进料联锁，超限自动切断进料并紧急冷却"),
            ("monitoring", "温度、压力在线监测并远传中控室，设高高报警"),
            ("management", "严格执行工艺操作规程和工艺卡片"),
            ("training", "操作人员持证上岗，每季度开展工艺安全培训"),
        ],
        "emergency": "立即停止进料、开启紧急冷却，人员撤离至安全区域，报告值班长",
    },
    {
        "name": "液氯储罐泄漏中毒",
        "place": "液氯库房",
        "part": "液氯储罐区",
        "activity": "储存与装卸",
        "accident_types": [19],
        "method": "ls",
        "inputs": {"L": 3, "S": 5},
        "measures": [
            ("engineering", "储罐区设置事故氯吸收装置"),
            ("monitoring", "有毒气体检测报警仪与吸收装置联锁"),
            ("video", "库房出入口及装卸区视频监控"),
            ("ppe", "配备正压式空气呼吸器和重型防化服"),
            ("emergency", "编制泄漏专项应急预案，每半年演练一次"),
        ],
        "emergency": "佩戴正压式空气呼吸器关阀堵漏，启动吸收装置，上风向疏散人员",
    },
    {
        "name": "有限空间作业中毒窒息",
        "place": "污水处理站",
        "part": "调节池",
        "activity": "清淤检修",
        "accident_types": [19],
        "method": "direct",
        "level": "LARGE",
        "measures": [
            ("management", "执行有限空间作业审批，先通风、再检测、后作业"),
            ("monitoring", "作业全程连续检测氧含量和有毒气体"),
            ("ppe", "配备安全带、救生索和隔绝式呼吸器"),
        ],
        "emergency": "严禁盲目施救，佩戴隔绝式呼吸器利用救生索救援",
    },
    {
        "name": "叉车作业车辆伤害",
        "place": "成品仓库",
        "part": "装卸区",
        "activity": "叉车搬运",
        "accident_types": [2],
        "method": "lec",
        "inputs": {"L": 3, "E": 6, "C": 3},
        "measures": [
            ("management", "叉车司机持证上岗，限速5公里/小时"),
            ("engineering", "人车分流并设置警示标线"),
        ],
        "emergency": "停车熄火，救护伤员并拨打120",
    },
    {
        "name": "配电室触电",
        "place": "变配电室",
        "part": "10kV开关柜",
        "activity": "倒闸操作",
        "accident_types": [5, 8],
        "method": "ls",
        "inputs": {"L": 2, "S": 5},
        "measures": [
            ("management", "执行工作票、操作票制度"),
            ("ppe", "使用合格的绝缘手套、绝缘靴"),
        ],
        "emergency": "立即切断电源，使用绝缘工具使触电者脱离电源并进行心肺复苏",
    },
    {
        "name": "屋面检修高处坠落",
        "place": "厂房屋面",
        "part": "彩钢瓦屋面",
        "activity": "检修作业",
        "accident_types": [9],
        "method": "lec",
        "inputs": {"L": 1, "E": 2, "C": 15},
        "measures": [("management", "执行高处作业审批"), ("ppe", "系挂双钩安全带，设置生命绳")],
        "emergency": "拨打120，不得随意搬动伤员",
    },
]


def _data(template: dict[str, Any], owner: str, phone: str) -> dict[str, Any]:
    data = {k: v for k, v in template.items() if k not in {"measures", "emergency"}}
    data["measures"] = [{"kind": k, "text": t} for k, t in template["measures"]]
    data["emergency_measures"] = template["emergency"]
    data["owner_name"], data["owner_phone"] = owner, phone
    data.setdefault("department", "安全环保部")
    return data


def build_demo_risks(
    *, actor: User, admin: User, enterprise: Enterprise, county: str, seed: int = 7
) -> dict[str, int]:
    """The persona enterprise's register (kept by `actor`, its filler), and 1–4 risks for each
    other enterprise of `county` (entered by `admin`: those enterprises have no accounts yet)."""
    rng = random.Random(seed)
    enterprise.key_sectors.add(KeySector.objects.get(code="dust_explosion"))
    made = 0
    for template in TEMPLATES:
        risk_save(actor=actor, enterprise=enterprise, data=_data(template, "王安全", "13800000001"))
        made += 1
    # A hand-set level with its reason, beside the computed one.
    hand = _data(TEMPLATES[3], "李班长", "13800000002")
    hand.update(
        name="危险品运输车辆进出厂",
        place="厂区道路",
        level="LARGE",
        level_reason="危化品槽车进出，周边有居民区",
    )
    risk_save(actor=actor, enterprise=enterprise, data=hand)
    gap = list(applicable_items(enterprise)[:1])
    for item in gap:  # one catalogue item adopted; the rest stays in the gap as suggestions
        risk_adopt(actor=actor, enterprise=enterprise, item=item)
        made += 1
    others = (
        Enterprise.objects.filter(region__code__startswith=county).exclude(pk=enterprise.pk).order_by("id")
    )
    with deferred_refresh():  # each enterprise recounted once, not after each of its risks
        for other in others:
            for template in rng.sample(TEMPLATES, rng.randint(1, 4)):
                risk_save(actor=admin, enterprise=other, data=_data(template, "张安全", "13800000003"))
                made += 1
    # Every other enterprise too: their completeness gaps count from the start.
    refreshed = refresh_many(
        Enterprise.objects.exclude(region__code__startswith=county).order_by("id").iterator()
    )
    return {"risks": made + 1, "summaries": refreshed + others.count() + 1}
